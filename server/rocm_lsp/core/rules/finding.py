"""What a rule returns: a code, a message and where in the hook call it belongs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locator:
    """Where in a hook call a finding belongs: a parameter (optionally one list element), the
    argument at a position of the call (its keyword when ``keyword``), or a node passed anywhere
    in the call; nothing set means the whole call."""

    arg: str | None = None
    element: int | None = None
    position: int | None = None
    keyword: bool = False
    node: str | None = None


WHOLE_CALL = Locator()


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one hook call."""

    code: str
    message: str
    where: Locator = WHOLE_CALL


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
