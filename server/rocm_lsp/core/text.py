"""Positions in template text: spans as offsets, and offset <-> (line, column) mapping."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_NEWLINE = re.compile(r"[^\n]")
_RAW_OPEN = re.compile(r"\{%-?\s*raw\s*-?%\}")
_RAW_CLOSE = re.compile(r"\{%-?\s*endraw\s*-?%\}")


def blank_comments(text: str) -> str:
    """``text`` with Jinja comments and raw blocks replaced by spaces (offsets and lines kept).

    Comments (``{# … #}``) go first, then raw blocks (``{% raw %} … {% endraw %}``), each found
    leftmost-first as a lazy regex would, but in one pass: once an opening has no closing after
    it, no later opening has one either (a lazy regex retried every later opening: quadratic).
    """
    pieces: list[str] = []
    pos = 0
    while (start := text.find("{#", pos)) != -1 and (close := text.find("#}", start + 2)) != -1:
        pieces += (text[pos:start], _NOT_NEWLINE.sub(" ", text[start : close + 2]))
        pos = close + 2
    text = "".join(pieces) + text[pos:] if pieces else text
    pieces, pos = [], 0
    while (opening := _RAW_OPEN.search(text, pos)) and (closing := _RAW_CLOSE.search(text, opening.end())):
        pieces += (text[pos : opening.start()], _NOT_NEWLINE.sub(" ", text[opening.start() : closing.end()]))
        pos = closing.end()
    return "".join(pieces) + text[pos:] if pieces else text


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into a document."""

    start: int
    end: int

    def contains(self, offset: int) -> bool:
        """Whether ``offset`` lies inside the span (its end included, as a cursor may sit there)."""
        return self.start <= offset <= self.end

    def shifted(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` of a text by ``new_text`` (an empty span inserts): what a fix or a
    rename changes."""

    span: Span
    new_text: str


class LineIndex:
    """Maps character offsets to 0-based (line, column) pairs and back.

    Lines end at ``\n``, ``\r\n`` or a lone ``\r``: as the LSP specification, editors and
    Jinja's lexer count them (Python's ``splitlines`` also breaks at ``\x0c``, ``\u2028``…).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        self._ends: list[int] = []
        for m in _LINE_BREAK.finditer(text):
            self._ends.append(m.start())
            self._starts.append(m.end())
        self._ends.append(len(text))

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, column in characters) of ``offset``, clamped to the text (an offset
        inside a ``\r\n`` counts as the end of its line)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line, min(offset, self._ends[line]) - self._starts[line]

    def offset(self, line: int, column: int) -> int:
        """Offset of a 0-based (line, column), clamped to the line and the text."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        return min(self._starts[line] + max(0, column), self._ends[line])

    def line_span(self, line: int) -> Span:
        """The span of a 0-based line, without its line break."""
        if line >= len(self._starts):
            return Span(len(self.text), len(self.text))
        line = max(0, line)
        return Span(self._starts[line], self._ends[line])

    def line_text(self, line: int) -> str:
        span = self.line_span(line)
        return self.text[span.start : span.end]
