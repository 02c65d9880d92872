"""Did-you-mean: the closest of a set of known names to a misspelt one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(word: str, known: Iterable[str]) -> str | None:
    """The known name ``word`` most likely meant: a case-insensitive equal first (``a`` → ``A``),
    else the closest by edit similarity (``check_nul`` → ``check_not_null``), else None."""
    names = [k for k in dict.fromkeys(known) if k != word]
    folded = [k for k in names if k.casefold() == word.casefold()]
    if folded:
        return folded[0]
    found = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for a message, or nothing."""
    match = close_match(word, known)
    return f"; did you mean {match!r}?" if match else ""
