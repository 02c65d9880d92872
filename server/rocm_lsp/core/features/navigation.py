"""Go to definition and document symbols."""

from __future__ import annotations

from dataclasses import dataclass

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.text import Span


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str  # function | variable | constant | namespace
    detail: str
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()


def definition_at(analysis: Analysis, offset: int) -> Span | None:
    """The header entry that declares the variable at ``offset``."""
    if analysis.outline is None:
        return None
    ref = analysis.outline.name_at(offset)
    if ref is None:
        return None
    header = analysis.header
    if ref.name in header.nodes:
        return header.nodes[ref.name].key_span
    if ref.name in header.vars:
        return header.span_of("vars", ref.name)
    return None


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


def _line_of(analysis: Analysis, span: Span) -> Span:
    line, _ = analysis.index.position(span.start)
    full = analysis.index.line_span(line)
    return Span(full.start, max(full.end, span.end))
