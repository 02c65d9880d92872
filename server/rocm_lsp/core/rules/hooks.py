"""RL205: a hook the profile's kernel does not have."""

from __future__ import annotations

from collections.abc import Sequence

from rocm_lsp.core.rules.finding import Finding
from rocm_lsp.core.suggest import did_you_mean


def unknown_hook(
    hook: str, profile: str, hooks: Sequence[str], others: Sequence[str], instead: str = ""
) -> Finding:
    """``kernel.<hook>`` in ``profile`` (whose hooks are ``hooks``); ``others`` are the profiles
    that have it and ``instead`` says what to do in this one."""
    if others:
        hint = f"; {instead}" if instead else ""
        return Finding(
            "RL205",
            f"kernel.{hook} does not exist in profile {profile}; it exists in {', '.join(others)}{hint}",
        )
    return Finding(
        "RL205",
        f"kernel has no hook {hook!r} in profile {profile}; its hooks are {', '.join(hooks)}"
        + did_you_mean(hook, hooks),
    )
