"""What :func:`~rocm_lsp.core.pymodules.analyzer.analyze_python` finds in a module: its
template strings, the ``render`` calls bound to them, its ``def_kernel`` calls and the
findings, with every span in the ``.py`` text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.engine.structure import HookSite, NameRef
from rocm_lsp.core.model.profiles import DEFAULT_PYTHON_PROFILE
from rocm_lsp.core.pymodules.source_map import SourceMap
from rocm_lsp.core.text import LineIndex, Span

DEFAULT_PROFILE = DEFAULT_PYTHON_PROFILE


@dataclass(frozen=True)
class RenderArg:
    """One name a ``render`` call passes: ``name=value`` or a key of a ``**{…}`` it reads."""

    name: str
    span: Span  # the keyword (or the dict key)
    value_span: Span
    value: str  # the value's source text
    constant: bool = False  # the value is a literal (``False``, ``None``, ``1``, ``"x"``)
    literal: Any = None  # its value, when ``constant``


@dataclass(frozen=True)
class RenderCall:
    """One ``….render(…)`` call bound to the template string(s) it renders."""

    span: Span  # the whole call
    name_span: Span  # the ``render`` identifier
    args: tuple[RenderArg, ...]
    open: bool  # passes a ``**mapping`` (or positional args) we cannot read
    templates: tuple[str, ...]  # names of the templates it renders (``Class.attr``)

    def arg(self, name: str) -> RenderArg | None:
        return next((a for a in self.args if a.name == name), None)


@dataclass(frozen=True)
class TemplateString:
    """A Jinja template held in a string literal of the module."""

    name: str  # ``Class.attr``, ``CONSTANT``, ``function.local`` or ``<literal>``
    span: Span  # the literal(s) in the .py text
    text: str  # the string's value: the template
    source: SourceMap
    calls: tuple[RenderCall, ...]  # the render calls that render it
    referenced: frozenset[str] | None  # names it reads (None: it does not parse)
    references: tuple[NameRef, ...]  # variable uses, with spans in the .py text

    def name_at(self, offset: int) -> NameRef | None:
        for ref in self.references:
            if ref.span.contains(offset):
                return ref
        return None

    def passed(self, name: str) -> tuple[tuple[RenderCall, RenderArg], ...]:
        """What each render call passes for ``name``."""
        return tuple((c, a) for c in self.calls for a in c.args if a.name == name)


@dataclass(frozen=True)
class PythonAnalysis:
    text: str
    index: LineIndex
    templates: tuple[TemplateString, ...]
    renders: tuple[RenderCall, ...]
    kernel_calls: tuple[HookSite, ...]  # ``kernel.def_kernel(…)`` in Python, as hook sites
    diagnostics: tuple[Diagnostic, ...]
    profile: str = DEFAULT_PROFILE
    profile_reason: str = ""  # why this profile (torch_tree.python_profile)

    def template_at(self, offset: int) -> TemplateString | None:
        for template in self.templates:
            if template.span.contains(offset):
                return template
        return None

    def kernel_call_at(self, offset: int) -> HookSite | None:
        for site in self.kernel_calls:
            if site.call_span is not None and site.call_span.contains(offset):
                return site
        return None


__all__ = ["DEFAULT_PROFILE", "PythonAnalysis", "RenderArg", "RenderCall", "TemplateString"]
