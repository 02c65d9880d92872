"""Rename, references and document highlight in Inductor's Python template modules.

A template variable is one symbol with the keyword that passes it: ``{{ X }}`` in a template
string and ``X=…`` in each ``….render(…)`` call of that string (``self._template_from_string(T)
.render(X=…)``), or the key of a ``**{"X": …}`` the call spreads. When one call may render
several strings (``T1 if c else T2``) their variables are shared: the symbol spans them all.
What a template binds itself (a loop variable, a ``set`` in a loop) is a symbol of that string
alone, with the scoping of ``symbols.py``.

A rename is exact or refused: refused when a call passes names we cannot read (``**kwargs``),
when a call also renders a template of another module, when the name is written with escapes
in the string, and when nothing here passes or sets it.
"""

from __future__ import annotations

from collections.abc import Callable

from rocm_lsp.core.engine.structure import NameRef
from rocm_lsp.core.features.symbols import (
    ROOT,
    Edit,
    Found,
    Highlight,
    Refusal,
    Scopes,
    Symbol,
    jinja_scopes,
    jinja_symbol,
    marks_of,
)
from rocm_lsp.core.pymodules.results import PythonAnalysis, RenderArg, RenderCall, TemplateString
from rocm_lsp.core.text import Span


def _scopes(template: TemplateString) -> Scopes:
    """The scopes of a template string, over its value (the names moved out of the ``.py``)."""
    names = []
    for ref in template.references:
        start = template.source.to_value(ref.span.start)
        if start is not None and template.text.startswith(ref.name, start):
            names.append(NameRef(ref.name, Span(start, start + len(ref.name))))
    return jinja_scopes(template.text, tuple(names))


def _line(analysis: PythonAnalysis, template: TemplateString) -> Callable[[int], int]:
    return lambda offset: analysis.index.position(template.source.to_file(offset))[0] + 1


def _lookup(analysis: PythonAnalysis, offset: int) -> Found | Refusal | None:
    for call in analysis.renders:
        for arg in call.args:
            if arg.span.contains(offset):
                return _passed(analysis, _rendered_by(analysis, call), arg.name)
    template = analysis.template_at(offset)
    at = template.source.to_value(offset) if template is not None else None
    if template is None or at is None:
        return None
    found = _scopes(template)
    occurrence = found.at(at)
    if occurrence is None:
        return None
    if occurrence.scope == ROOT:
        return _passed(analysis, [template], occurrence.name)
    return _local(analysis, template, found, occurrence.name, occurrence.scope)


def _rendered_by(analysis: PythonAnalysis, call: RenderCall) -> list[TemplateString]:
    return [t for t in analysis.templates if call in t.calls]


def _component(
    analysis: PythonAnalysis, templates: list[TemplateString]
) -> tuple[list[TemplateString], list[RenderCall], bool]:
    """The templates that share variables with ``templates`` through their render calls, those
    calls, and whether one of them also renders a template of another module."""
    out: list[TemplateString] = []
    calls: list[RenderCall] = []
    elsewhere = False
    todo = list(templates)
    while todo:
        template = todo.pop()
        if any(t is template for t in out):
            continue
        out.append(template)
        for call in template.calls:
            if call not in calls:
                calls.append(call)
                rendered = _rendered_by(analysis, call)
                elsewhere = elsewhere or len(rendered) < len(call.templates)
                todo += rendered
    return out, calls, elsewhere


def _keyword(text: str, arg: RenderArg) -> Span | None:
    """The name in a ``name=`` keyword or a ``"name"`` key; None if spelled otherwise."""
    span = arg.span
    written = text[span.start : span.end]
    if written == arg.name:
        return span
    quoted = len(written) == len(arg.name) + 2 and written[0] == written[-1] and written[0] in "'\""
    return Span(span.start + 1, span.end - 1) if quoted and written[1:-1] == arg.name else None


def _passed(analysis: PythonAnalysis, templates: list[TemplateString], name: str) -> Found | Refusal:
    """A variable of the templates' top level, with the keywords that pass it."""
    group, calls, elsewhere = _component(analysis, templates)
    marks: list[Highlight] = []
    refusals: list[str] = []
    for template in group:
        found = _scopes(template)
        jinja = jinja_symbol(found, name, ROOT)
        if isinstance(jinja, Refusal):
            return jinja
        marks += _in_file(analysis, template, marks_of(found, name, ROOT), refusals)
    set_here = any(m.kind == "write" for m in marks)
    passed = False
    for call in calls:
        for arg in call.args:
            if arg.name == name:
                passed = True
                span = _keyword(analysis.text, arg)
                if span is None:
                    refusals.append(f"{name} is spelled with escapes in a render call: rename it by hand")
                marks.append(Highlight(span or arg.span, "write"))
    opened = next((c for c in calls if c.open), None)
    if opened is not None:
        line = analysis.index.position(opened.span.start)[0] + 1
        refusals.append(f"the render call on line {line} passes names through **: rename {name} by hand")
    if elsewhere:
        refusals.append(
            f"a render call here also renders a template of another module: rename {name} by hand"
        )
    if not passed and not set_here:
        refusals.append(f"{name} is neither passed by a render call here nor set in the template")
    marks.sort(key=lambda m: m.span)
    declaration = next((m.span for m in marks if m.kind == "write"), None)
    symbol = Symbol(name, "var" if passed else "set", ROOT, declaration)

    def collision(new: str) -> str | None:
        for call in calls:
            if call.arg(new) is not None:
                line = analysis.index.position(call.span.start)[0] + 1
                return f"{new} is already passed by the render call on line {line}: choose another name"
        for template in group:
            why = _scopes(template).conflict(name, ROOT, new, _line(analysis, template))
            if why is not None:
                return why
        return None

    return Found(symbol, tuple(marks), refusals[0] if refusals else None, collision)


def _local(
    analysis: PythonAnalysis, template: TemplateString, found: Scopes, name: str, scope: int
) -> Found | Refusal:
    """A variable a template binds itself (a loop variable, a set in a loop or macro)."""
    jinja = jinja_symbol(found, name, scope)
    if isinstance(jinja, Refusal):
        return jinja
    kind, refusal = jinja
    refusals = [refusal] if refusal is not None else []
    marks = _in_file(analysis, template, marks_of(found, name, scope), refusals)
    declaration = next((m.span for m in marks if m.kind == "write"), None)

    def collision(new: str) -> str | None:
        return found.conflict(name, scope, new, _line(analysis, template))

    return Found(
        Symbol(name, kind, scope, declaration), tuple(marks), refusals[0] if refusals else None, collision
    )


def _in_file(
    analysis: PythonAnalysis, template: TemplateString, marks: list[Highlight], refusals: list[str]
) -> list[Highlight]:
    """Marks in a template's value moved into the ``.py`` text (a refusal if one moves inexactly)."""
    out = []
    for mark in marks:
        span = template.source.span_to_file(mark.span)
        name = template.text[mark.span.start : mark.span.end]
        if analysis.text[span.start : span.end] != name:
            refusals.append(f"{name} is written with escapes in {template.name}: rename it by hand")
        out.append(Highlight(span, mark.kind))
    return out


def highlights_python(analysis: PythonAnalysis, offset: int) -> list[Highlight]:
    """Every occurrence of the template variable under the cursor (a read or a write)."""
    found = _lookup(analysis, offset)
    return list(found.occurrences) if isinstance(found, Found) else []


def references_python(analysis: PythonAnalysis, offset: int, include_declaration: bool) -> list[Span]:
    found = _lookup(analysis, offset)
    return found.references(include_declaration) if isinstance(found, Found) else []


def prepare_rename_python(analysis: PythonAnalysis, offset: int) -> Span | Refusal | None:
    """The name under the cursor, why it cannot be renamed, or None (not a template's name:
    another server may rename there)."""
    found = _lookup(analysis, offset)
    return found.rename_span(offset) if isinstance(found, Found) else found


def rename_python(analysis: PythonAnalysis, offset: int, new_name: str) -> list[Edit] | Refusal:
    found = _lookup(analysis, offset) or Refusal("there is no template variable to rename here")
    return found.renamed(new_name) if isinstance(found, Found) else found


__all__ = ["highlights_python", "prepare_rename_python", "references_python", "rename_python"]
