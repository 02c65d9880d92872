"""Message fragments shared by static checks and hooks, so both say the same thing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rocm_lsp.core.model.profiles.model import Profile


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def arity_message(names: list[str], n_in: int, n_out: int, omitted: bool = False) -> str:
    """The RL201 message."""
    got = f"{plural(n_in, 'input')} + {plural(n_out, 'output')}"
    if omitted:
        return (
            f"def_kernel has no names_str, so Inductor sees one empty name for {got}; pass "
            'names_str="…" with a name for every input and output'
        )
    listed = ", ".join(names)
    return f"names_str lists {plural(len(names), 'name')} ({listed}) but def_kernel got {got}"


def negative_reorder_message(idx: int) -> str:
    return (
        f"input_reorder entry {idx} is negative: Inductor indexes names_str with it from the "
        "end (where the output names are), so the parameter gets the wrong name"
    )


def rewrite_message(profile: Profile, n_in: int, subject: str) -> str:
    """The RL208 message: the profile rewrites this input_reorder into one for another arity."""
    rewrite = profile.reorder_rewrite
    assert rewrite is not None
    return (
        f"torch {profile.torch} rewrites input_reorder {list(rewrite.before)} to "
        f"{list(rewrite.after)} (for CK's five-input addmm), so with {n_in} inputs {subject} "
        "fails; pass the inputs in order instead"
    )


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
