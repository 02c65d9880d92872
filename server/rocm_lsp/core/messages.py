"""Message fragments shared by static checks and hooks, so both say the same thing."""

from __future__ import annotations


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


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
