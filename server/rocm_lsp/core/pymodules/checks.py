"""The Jinja pass over a module's template strings, through the engine's
:mod:`~rocm_lsp.core.engine.jinja_checks`: each string's syntax (RL110) and hook calls
(RL2xx), then per ``render`` call the names it leaves undefined (RL501, leaving out the
``{% if %}`` branches its literal arguments disable) and the ones it passes in vain (RL502).

Findings are made in template offsets and moved into the ``.py`` text by the string's
:class:`~rocm_lsp.core.pymodules.source_map.SourceMap`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine import hook_checks
from rocm_lsp.core.engine.header import JINJA_GLOBALS, Header
from rocm_lsp.core.engine.jinja_checks import (
    assigned_names,
    compile_checked,
    loop_scopes,
    syntax_error,
    too_deep,
)
from rocm_lsp.core.engine.jinja_env import compile_template, environment, undeclared_names
from rocm_lsp.core.engine.structure import NameRef, outline
from rocm_lsp.core.pymodules.results import RenderCall
from rocm_lsp.core.pymodules.scope import Target
from rocm_lsp.core.pymodules.source_map import SourceMap
from rocm_lsp.core.text import LineIndex


@dataclass
class JinjaFacts:
    """What Jinja says about one template text."""

    text: str
    index: LineIndex
    diagnostics: list[Diagnostic]  # in template offsets
    referenced: frozenset[str] | None
    names: tuple[NameRef, ...]  # in template offsets
    assigned: frozenset[str] = frozenset()
    tested: frozenset[str] = frozenset()  # operands of `is defined` / `is undefined`


@dataclass
class FoundTemplate:
    """A template string of the analysed module (or one it imports) and who renders it."""

    target: Target
    value: str
    source: SourceMap
    jinja: JinjaFacts
    local: bool  # defined in the analysed module
    calls: list[RenderCall] = field(default_factory=list)
    bound: bool = False  # reached from a `_template_from_string(…)` argument


def jinja_facts(text: str, profile: str | None) -> JinjaFacts:
    """Parse and compile one template text: syntax findings, names read, and the hook checks
    of ``profile`` (None: none)."""
    index = LineIndex(text)
    tree = outline(text)
    diags: list[Diagnostic] = []
    try:
        ast = environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return JinjaFacts(text, index, [syntax_error(text, index, exc)], None, tree.names)
    except RecursionError:
        return JinjaFacts(text, index, [too_deep()], None, tree.names)
    if profile is not None:
        diags.extend(hook_checks.check_sites(text, Header(), tree.sites, profile))
    try:
        _, referenced = compile_checked(text, index, ast, diags)
        if referenced is None:  # nested too deeply to compile: RL110 says so
            return JinjaFacts(text, index, diags, None, tree.names)
        assigned = assigned_names(ast)
        tested = {
            t.node.name
            for t in ast.find_all(nodes.Test)
            if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name)
        }
    except RecursionError:  # Jinja's compiler recurses per nesting level, as Inductor's would
        return JinjaFacts(text, index, [*diags, too_deep()], None, tree.names)
    referenced = set(referenced) - JINJA_GLOBALS
    return JinjaFacts(
        text, index, diags, frozenset(referenced), tree.names, frozenset(assigned), frozenset(tested)
    )


def shift(d: Diagnostic, source: SourceMap) -> Diagnostic:
    """A finding in template offsets, moved into the ``.py`` text."""
    return Diagnostic(
        d.code,
        d.severity,
        d.message,
        source.span_to_file(d.span),
        tuple(Related(source.span_to_file(r.span), r.message) for r in d.related),
    )


# -- names a render call does not pass (RL501) ----------------------------------------------


def undefined_here(template: FoundTemplate, index: LineIndex) -> list[Diagnostic]:
    """RL501 at each live use of a name some closed render call does not pass (``index``:
    the module's, for the lines of the calls)."""
    by_name: dict[str, list[tuple[RenderCall, set[int]]]] = {}
    for render in template.calls:
        for name, lines in _missing(template, render).items():
            by_name.setdefault(name, []).append((render, lines))
    if not by_name:
        return []
    jinja = template.jinja
    scopes = loop_scopes(jinja.text)
    out = []
    for name, calls in sorted(by_name.items()):
        lines = set().union(*(ls for _, ls in calls))
        refs = [
            r
            for r in jinja.names
            if r.name == name
            and jinja.index.position(r.span.start)[0] + 1 in lines
            and not any(name in bound and span.contains(r.span.start) for bound, span in scopes)
        ]
        if not refs and lines:
            line = jinja.index.line_span(min(lines) - 1)
            refs = [NameRef(name, line)]
        message = _missing_message(index, name, [c for c, _ in calls], jinja.referenced or frozenset())
        related = [Related(c.name_span, "rendered here") for c, _ in calls]
        for ref in refs:
            out.append(make("RL501", message, template.source.span_to_file(ref.span), *related))
    return out


def undefined_elsewhere(render: RenderCall, template: FoundTemplate) -> list[Diagnostic]:
    """RL501 at the render call, for a template defined in another module."""
    missing = sorted(_missing(template, render))
    if not missing:
        return []
    names = ", ".join(missing)
    where = template.target.name
    return [
        make(
            "RL501",
            f"the template {where} uses {names}, which this render call does not pass",
            render.name_span,
        )
    ]


def _missing(template: FoundTemplate, render: RenderCall) -> dict[str, set[int]]:
    """Names the template reads that ``render`` does not pass, with the (1-based)
    template lines of their live uses; branches the call disables are left out."""
    jinja = template.jinja
    if render.open or jinja.referenced is None:
        return {}
    passed = {a.name for a in render.args}
    missing = set(jinja.referenced) - passed - jinja.assigned - jinja.tested
    if not missing:
        return {}
    literals = {a.name: a.literal for a in render.args if a.constant}
    try:
        ast = environment().parse(jinja.text)
    except (jinja2.TemplateSyntaxError, RecursionError):
        return {}
    if next(ast.find_all(nodes.If), None) is not None:
        ast = _Prune(literals, passed).visit(ast)
        missing &= _undeclared(ast)
    out: dict[str, set[int]] = {name: set() for name in missing}
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in out:
            out[node.name].add(node.lineno)
    return out


def _missing_message(index: LineIndex, name: str, calls: list[RenderCall], read: frozenset[str]) -> str:
    lines = sorted({index.position(c.name_span.start)[0] + 1 for c in calls})
    where = (
        f"the render call at line {lines[0]} does not pass it"
        if len(lines) == 1
        else f"the render calls at lines {', '.join(map(str, lines))} do not pass it"
    )
    # a misspelling's twin is a name the call passes that the template never reads
    unread = sorted({a.name for c in calls for a in c.args} - read)
    close = difflib.get_close_matches(name, unread, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{name} is undefined: {where}{hint}"


def _undeclared(ast: nodes.Template) -> set[str]:
    try:
        return compile_template(ast)[1]
    except (jinja2.TemplateSyntaxError, SyntaxError):
        return undeclared_names(ast)


class _Prune(NodeTransformer):
    """Drop the ``{% if %}`` branches a render call's literal arguments disable."""

    def __init__(self, literals: dict[str, Any], passed: set[str]) -> None:
        self.literals = literals
        self.passed = passed

    def truth(self, test: nodes.Node) -> bool | None:
        if isinstance(test, nodes.Const):
            return bool(test.value)
        if isinstance(test, nodes.Name) and test.name in self.literals:
            return bool(self.literals[test.name])
        if isinstance(test, nodes.Not):
            inner = self.truth(test.node)
            return None if inner is None else not inner
        if isinstance(test, (nodes.And, nodes.Or)):
            left, right = self.truth(test.left), self.truth(test.right)
            if isinstance(test, nodes.And):
                return False if False in (left, right) else True if left and right else None
            return True if True in (left, right) else False if left is False and right is False else None
        if isinstance(test, nodes.Test) and isinstance(test.node, nodes.Name):
            name = test.node.name
            if test.name in ("defined", "undefined"):
                defined = name in self.passed
                return defined if test.name == "defined" else not defined
            if test.name == "none" and name in self.literals:
                return self.literals[name] is None
        return None

    def visit_If(self, node: nodes.If) -> Any:  # noqa: N802 - Jinja's visitor naming
        branches = [(node.test, node.body), *((e.test, e.body) for e in node.elif_)]
        kept: list[tuple[nodes.Node, list[nodes.Node]]] = []
        final = node.else_
        for test, body in branches:
            value = self.truth(test)
            if value is False:
                continue
            if value is True:
                final = body
                break
            kept.append((test, body))
        final = self._list(final)
        if not kept:
            return final
        (test, body), rest = kept[0], kept[1:]
        elifs = [nodes.If(t, self._list(b), [], [], lineno=t.lineno) for t, b in rest]
        return nodes.If(test, self._list(body), elifs, final, lineno=node.lineno)

    def _list(self, body: list[nodes.Node]) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for child in body:
            result = self.visit(child)
            if result is None:
                continue
            if isinstance(result, nodes.Node):
                out.append(result)
            else:
                out.extend(result)
        return out


# -- names a render call passes in vain (RL502) ---------------------------------------------


def unused(render: RenderCall, targets: list[FoundTemplate]) -> list[Diagnostic]:
    """RL502 for each name ``render`` passes that none of the templates it renders reads."""
    if any(t.jinja.referenced is None for t in targets):
        return []
    read: set[str] = set().union(*(t.jinja.referenced or () for t in targets))
    names = " or ".join(t.target.name for t in targets)
    return [
        make(
            "RL502",
            f"{arg.name} is passed to render but {names} never uses it",
            arg.span,
        )
        for arg in render.args
        if arg.name not in read
    ]


__all__ = [
    "FoundTemplate",
    "JinjaFacts",
    "jinja_facts",
    "shift",
    "undefined_elsewhere",
    "undefined_here",
    "unused",
]
