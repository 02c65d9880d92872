"""Positions in template text: spans as offsets, and offset <-> (line, column) mapping."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.S)


def blank_comments(text: str) -> str:
    """``text`` with Jinja comments and raw blocks replaced by spaces (offsets and lines kept)."""

    def spaces(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return _RAW_BLOCK.sub(spaces, _JINJA_COMMENT.sub(spaces, text))


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


class LineIndex:
    """Maps character offsets to 0-based (line, column) pairs and back."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self._starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, column in characters) of ``offset``, clamped to the text."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line, offset - self._starts[line]

    def offset(self, line: int, column: int) -> int:
        """Offset of a 0-based (line, column), clamped to the line and the text."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[line]
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self.text)
        return min(start + max(0, column), end)

    def line_span(self, line: int) -> Span:
        """The span of a 0-based line, without its newline."""
        start = self.offset(line, 0)
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self.text)
        return Span(start, end)

    def line_text(self, line: int) -> str:
        span = self.line_span(line)
        return self.text[span.start : span.end]
