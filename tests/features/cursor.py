"""Fixtures for the core feature tests, in rust-analyzer's style: a template with a ``$0``
cursor goes in, and spans come back out as the template's lines with the span marked.

``cursor("{{ kern$0el }}")`` is ``("{{ kernel }}", 7)``; ``marked(text, Span(3, 9))`` is
``"{{ «kernel» }}"``: the lines the span touches, the span between ``«`` and ``»``.
"""

from __future__ import annotations

from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.text import Span

CURSOR = "$0"


def cursor(fixture: str) -> tuple[str, int]:
    """The template without its one ``$0`` marker, and the marker's offset."""
    assert fixture.count(CURSOR) == 1, f"a fixture has exactly one {CURSOR}: {fixture!r}"
    offset = fixture.index(CURSOR)
    return fixture[:offset] + fixture[offset + len(CURSOR) :], offset


def at(fixture: str) -> tuple[Analysis, int]:
    """The analysis of the fixture's template, and the cursor's offset."""
    text, offset = cursor(fixture)
    return analyze(text), offset


def marked(text: str, span: Span | None) -> str | None:
    """The lines of ``text`` that ``span`` touches, with the span between ``«`` and ``»``."""
    if span is None:
        return None
    assert 0 <= span.start <= span.end <= len(text), (span, len(text))
    first = text.rfind("\n", 0, span.start) + 1
    last = text.find("\n", span.end)
    last = len(text) if last == -1 else last
    return f"{text[first : span.start]}«{text[span.start : span.end]}»{text[span.end : last]}"


def inserted(text: str, labels: list[tuple[int, str]]) -> str:
    """The lines of ``text`` that hold the offsets, each label inserted at its offset as ``⟨label⟩``."""
    out = text
    for offset, label in sorted(labels, reverse=True):
        out = f"{out[:offset]}⟨{label}⟩{out[offset:]}"
    shown = {text.count("\n", 0, offset) for offset, _ in labels}
    return "\n".join(line for number, line in enumerate(out.split("\n")) if number in shown)
