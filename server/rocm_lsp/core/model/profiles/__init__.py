"""The profile registry: which Inductor version's hook semantics a template is rendered with.

Each module of this package defines one :class:`~rocm_lsp.core.model.profiles.model.Profile`; adding a
torch version is one module, one line in ``_ALL`` and its recorded data (ARCHITECTURE.md).
"""

from __future__ import annotations

from rocm_lsp.core.model.profiles import rocm_2_13, rocm_2_15, seed
from rocm_lsp.core.model.profiles.model import HookSpec, Param, Profile, ReorderRewrite
from rocm_lsp.core.rules import hooks
from rocm_lsp.core.rules.finding import Finding

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_PYTHON_PROFILE",
    "PROFILES",
    "HookSpec",
    "Param",
    "Profile",
    "ReorderRewrite",
    "canonical_profile",
    "profile_for_torch",
    "profiles_with_hook",
]

_ALL: tuple[Profile, ...] = (seed.PROFILE, rocm_2_13.PROFILE, rocm_2_15.PROFILE)

# Canonical names, in order. Aliases resolve through canonical_profile (and are accepted where
# a user writes a profile: header, settings, --profile).
PROFILES: dict[str, Profile] = {p.name: p for p in _ALL}
_BY_ANY_NAME: dict[str, Profile] = {**PROFILES, **{a: p for p in _ALL for a in p.aliases}}

DEFAULT_PROFILE = seed.PROFILE.name  # a template header without `profile`
DEFAULT_PYTHON_PROFILE = rocm_2_15.PROFILE.name  # a Python module outside any torch tree

# torch "major.minor" -> the profile that renders as that torch does.
_BY_TORCH: dict[str, Profile] = {
    "2.13": rocm_2_13.PROFILE,
    "2.14": rocm_2_15.PROFILE,
    "2.15": rocm_2_15.PROFILE,
}


def canonical_profile(name: object) -> str | None:
    """The canonical name of a profile name or alias (None for anything else)."""
    found = _BY_ANY_NAME.get(name) if isinstance(name, str) else None
    return found.name if found is not None else None


def profile_for_torch(version: str) -> str | None:
    """The profile for a torch version string such as ``2.15.0a0+git…`` (None if unsupported)."""
    parts = version.split(".")
    found = _BY_TORCH.get(".".join(parts[:2])) if len(parts) >= 2 else None
    return found.name if found is not None else None


def profiles_with_hook(name: str) -> list[str]:
    """Names of the profiles that have a hook called ``name``."""
    return [p.name for p in PROFILES.values() if name in p.hooks]


def unknown_hook(hook: str, profile: str) -> Finding:
    """RL205 for ``kernel.<hook>`` in ``profile``: what the static pass and the render both say."""
    p = PROFILES[profile]
    return hooks.unknown_hook(
        hook, profile, list(p.hooks), profiles_with_hook(hook), p.dropped_hooks.get(hook, "")
    )


def all_names() -> tuple[str, ...]:
    """Every accepted profile name: canonical names, then aliases."""
    return tuple(_BY_ANY_NAME)
