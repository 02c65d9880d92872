"""Go to definition and document symbols."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.features.symbols import highlights
from rocm_lsp.core.text import Span, blank_comments


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str  # function | variable | constant | namespace
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def definition_at(analysis: Analysis, offset: int) -> Span | None:
    """Where the name at ``offset`` is declared: its header entry, else the last assignment
    (``{% set %}``, a loop or ``with`` target) before it in its scope."""
    if analysis.outline is None:
        return None
    ref = analysis.outline.name_at(offset)
    header = analysis.header
    if ref is not None and ref.name in header.nodes:
        return header.nodes[ref.name].key_span
    if ref is not None and ref.name in header.vars:
        return header.span_of("vars", ref.name)
    writes = [h.span for h in highlights(analysis, offset) if h.kind == "write"]
    before = [s for s in writes if s.start <= offset]
    return before[-1] if before else (writes[0] if writes else None)


def document_symbols(analysis: Analysis) -> list[Symbol]:
    out: list[Symbol] = []
    header = analysis.header
    if analysis.outline is not None:
        for site in analysis.outline.sites:
            if site.hook == "def_kernel" and site.call_span is not None:
                out.append(
                    Symbol(
                        header.kernel_name,
                        "function",
                        f"{analysis.profile} kernel",
                        site.call_span,
                        site.name_span,
                    )
                )
    out.extend(_macros(analysis))
    if header.span is not None:
        nodes = tuple(
            Symbol(name, "variable", "none" if d.is_none else f"{d.dtype} [{', '.join(map(str, d.size))}]",
                   _line_of(analysis, d.key_span), d.key_span)
            for name, d in header.nodes.items()
        )  # fmt: skip
        variables = tuple(
            Symbol(name, "constant", "[vars]", _line_of(analysis, span), span)
            for name in header.vars
            if (span := header.span_of("vars", name)) is not None
        )
        if nodes:
            table = header.span_of("nodes") or header.span
            out.append(Symbol("nodes", "namespace", "[nodes]", header.span, table, nodes))
        if variables:
            table = header.span_of("vars") or header.span
            out.append(Symbol("vars", "namespace", "[vars]", header.span, table, variables))
    return out


_MACRO = re.compile(r"\{%[-+]?\s*macro\s+([A-Za-z_]\w*)\s*\(")
_END_MACRO = re.compile(r"\{%[-+]?\s*endmacro\b[^%]*%\}")


def _macros(analysis: Analysis) -> list[Symbol]:
    """``{% macro name(…) %}…{% endmacro %}`` blocks (comments ignored)."""
    text = blank_comments(analysis.text)
    out = []
    for m in _MACRO.finditer(text):
        end = _END_MACRO.search(text, m.end())
        span = Span(m.start(), end.end() if end else len(text))
        out.append(Symbol(m.group(1), "function", "macro", span, Span(m.start(1), m.end(1))))
    return out


def _line_of(analysis: Analysis, span: Span) -> Span:
    line, _ = analysis.index.position(span.start)
    full = analysis.index.line_span(line)
    return Span(full.start, max(full.end, span.end))
