"""A Python string literal's value and where each of its characters sits in the file.

:func:`decode_literal` reads the literal's prefix, quotes, escapes and implicit concatenation;
the :class:`SourceMap` it returns takes an offset in the value (a Jinja finding inside a
template string) back to an offset in the ``.py`` text, and the other way round (hover).
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rocm_lsp.core.text import Span

_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True)
class SourceMap:
    """Where each character of a string literal's *value* sits in the Python text.

    ``segments`` are ``(value_start, value_length, file_start, file_length)``: a run copied
    verbatim has equal lengths; an escape (``\\n``, ``{{`` in an f-string, a line
    continuation) maps its one (or zero) value characters onto its whole source.
    """

    segments: tuple[tuple[int, int, int, int], ...]
    length: int  # of the value
    end: int  # file offset just past the last character (before the closing quote)

    def _segment(self, i: int) -> tuple[int, int, int, int] | None:
        k = bisect.bisect_right(self.segments, i, key=lambda s: s[0]) - 1
        while k >= 0 and self.segments[k][1] == 0:
            k -= 1
        return self.segments[k] if k >= 0 else None

    def to_file(self, i: int) -> int:
        """File offset of value character ``i`` (``length`` maps to the end)."""
        if i >= self.length or not self.segments:
            return self.end
        seg = self._segment(max(i, 0))
        if seg is None:
            return self.segments[0][2]
        vs, vn, fs, fn = seg
        return fs + (i - vs) if vn == fn else fs

    def span_to_file(self, span: Span) -> Span:
        start = self.to_file(span.start)
        if span.end <= span.start:
            return Span(start, start)
        seg = self._segment(min(span.end, self.length) - 1)
        if seg is None:
            return Span(start, start)
        vs, vn, fs, fn = seg
        end = fs + (min(span.end, self.length) - 1 - vs) + 1 if vn == fn else fs + fn
        return Span(start, max(end, start))

    def to_value(self, offset: int) -> int | None:
        """Value index of a file offset inside the literal, or None outside it."""
        if offset == self.end:
            return self.length
        for vs, vn, fs, fn in self.segments:
            if fs <= offset < fs + fn:
                return vs + (offset - fs if vn == fn else 0)
        return None


def decode_literal(text: str, pieces: Iterable[Span]) -> tuple[str, SourceMap] | None:
    """The value of the string literal made of ``pieces`` (each one ``string`` token of
    ``text``, implicitly concatenated) and its source map; None for bytes and template strings,
    f-strings with placeholders and broken literals."""
    out = _MapBuilder()
    end = 0
    for piece in pieces:
        stop = _decode_piece(text, piece.start, piece.end, out)
        if stop is None:
            return None
        end = stop
    segments = tuple((s[0], s[1], s[2], s[3]) for s in out.segments)
    return "".join(out.chars), SourceMap(segments, len(out.chars), end)


class _MapBuilder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.segments: list[list[int]] = []

    def copy(self, ch: str, file_at: int) -> None:
        last = self.segments[-1] if self.segments else None
        if (
            last
            and last[1] == last[3]
            and last[0] + last[1] == len(self.chars)
            and last[2] + last[3] == file_at
        ):
            last[1] += 1
            last[3] += 1
        else:
            self.segments.append([len(self.chars), 1, file_at, 1])
        self.chars.append(ch)

    def escape(self, value: str, file_at: int, file_len: int) -> None:
        self.segments.append([len(self.chars), len(value), file_at, file_len])
        self.chars.extend(value)


def _decode_piece(text: str, start: int, end: int, out: _MapBuilder) -> int | None:
    """Decode one ``string`` literal ``text[start:end]`` into ``out``; its body end, or None
    for bytes/template strings, f-strings with placeholders, broken literals."""
    src = text[start:end]
    n = 0
    while n < len(src) and src[n] in "rRbBuUfFtT":
        n += 1
    prefix = src[:n].lower()
    if "b" in prefix or "t" in prefix:
        return None
    rest = src[n:]
    quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
    if quote not in ('"', "'", '"""', "'''") or len(rest) < 2 * len(quote) or not rest.endswith(quote):
        return None
    raw, fmt = "r" in prefix, "f" in prefix
    i, stop = start + n + len(quote), end - len(quote)
    while i < stop:
        c = text[i]
        if c == "\r":  # Python reads CRLF and CR as one newline
            width = 2 if i + 1 < stop and text[i + 1] == "\n" else 1
            out.escape("\n", i, width)
            i += width
        elif c == "\\" and raw:
            out.copy(c, i)  # kept, and so is the character after it (handled next)
            i += 1
        elif c == "\\" and i + 1 < stop:
            escaped = _escape(text, i, stop, out)
            if escaped is None:
                return None
            i += escaped
        elif fmt and c in "{}":
            if i + 1 < stop and text[i + 1] == c:
                out.escape(c, i, 2)
                i += 2
            else:
                return None  # a placeholder (or a stray brace): not a constant string
        else:
            out.copy(c, i)
            i += 1
    return stop


def _escape(text: str, i: int, stop: int, out: _MapBuilder) -> int | None:
    """One backslash escape of a non-raw literal at ``text[i]``; its source width."""
    nxt = text[i + 1]
    if nxt == "\n":
        out.escape("", i, 2)
        return 2
    if nxt == "\r":
        width = 3 if text.startswith("\r\n", i + 1) else 2
        out.escape("", i, width)
        return width
    if nxt in _SIMPLE_ESCAPES:
        out.escape(_SIMPLE_ESCAPES[nxt], i, 2)
        return 2
    if nxt in "01234567":
        j = i + 1
        while j < min(stop, i + 4) and text[j] in "01234567":
            j += 1
        out.escape(chr(int(text[i + 1 : j], 8)), i, j - i)
        return j - i
    if nxt in _HEX_DIGITS:
        digits = text[i + 2 : i + 2 + _HEX_DIGITS[nxt]]
        if len(digits) != _HEX_DIGITS[nxt] or i + 2 + len(digits) > stop:
            return None
        try:
            out.escape(chr(int(digits, 16)), i, 2 + len(digits))
        except ValueError:
            return None
        return 2 + len(digits)
    if nxt == "N":
        close = text.find("}", i, stop)
        if not text.startswith("{", i + 2) or close == -1:
            return None
        try:
            out.escape(unicodedata.lookup(text[i + 3 : close]), i, close + 1 - i)
        except KeyError:
            return None
        return close + 1 - i
    out.copy("\\", i)  # an unknown escape keeps its backslash
    return 1


__all__ = ["SourceMap", "decode_literal"]
