"""Did-you-mean: the closest of a set of known names to a misspelt one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(word: str, known: Iterable[str]) -> str | None:
    """The known name ``word`` most likely meant: a case-insensitive equal first (``a`` → ``A``),
    else the closest by edit similarity (``check_nul`` → ``check_not_null``), else None — also
    when two names are equally close (``rocm-2.12``: 2.13 and 2.15 are; a guess misleads)."""
    names = [k for k in dict.fromkeys(known) if k != word]
    folded = [k for k in names if k.casefold() == word.casefold()]
    if folded:
        return folded[0]
    found = difflib.get_close_matches(word, names, n=2, cutoff=0.6)
    if len(found) == 2 and _similarity(word, found[0]) == _similarity(word, found[1]):
        return None
    return found[0] if found else None


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, b, a).ratio()  # as get_close_matches scores


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``; did you mean 'X'?`` to end a message, or nothing."""
    match = close_match(word, known)
    return f"; did you mean {match!r}?" if match else ""
