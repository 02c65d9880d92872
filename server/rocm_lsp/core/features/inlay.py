"""Inlay hints: each hook call's value in short, after the call."""

from __future__ import annotations

from dataclasses import dataclass

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.features.hover import site_result

MAX_LABEL = 48


@dataclass(frozen=True)
class InlayHint:
    offset: int
    label: str
    tooltip: str


def short(text: str) -> str:
    """One line of at most ``MAX_LABEL`` characters."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    one = lines[0] if lines else '""'
    if len(lines) > 1:
        one += " …"
    return one if len(one) <= MAX_LABEL else one[: MAX_LABEL - 1] + "…"


def inlay_hints(analysis: Analysis, start: int = 0, end: int | None = None) -> list[InlayHint]:
    """Hints for the executed hook calls whose call ends inside ``[start, end]``."""
    if analysis.outline is None:
        return []
    end = len(analysis.text) if end is None else end
    out = []
    for site in analysis.outline.sites:
        if site.call_span is None or not start <= site.call_span.end <= end:
            continue
        _, result = site_result(analysis, site)
        if result is None:
            continue
        out.append(InlayHint(site.call_span.end, f"= {short(result)}", result))
    return out
