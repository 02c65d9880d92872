"""Error-tolerant structure of a template from tree-sitter-jinja.

Finds every ``kernel.<hook>(…)`` call site with the span of each argument and list
element, every variable reference, and every ``{{ … }}`` expression — also in a
half-typed file, where Jinja itself would only report a syntax error.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from rocm_lsp.core.text import Span

KERNEL = "kernel"
_SKIP_PARENTS = {"filter_call", "parameters", "jinja_macro", "test"}


@dataclass(frozen=True)
class Value:
    """A literal-ish argument value: what static checks can know without rendering."""

    kind: str  # name | list | tuple | str | int | none | bool | other
    span: Span
    text: str
    items: tuple[Value, ...] = ()
    literal: Any = None  # str/int/bool value, or the identifier for "name"


@dataclass(frozen=True)
class Argument:
    keyword: str | None
    span: Span
    value: Value
    keyword_span: Span | None = None


@dataclass(frozen=True)
class HookSite:
    """One ``kernel.<name>`` occurrence (called or not)."""

    id: int
    hook: str
    name_span: Span  # the hook identifier
    attribute_span: Span  # ``kernel.hook``
    insert_at: int  # just after ``kernel``: where instrumentation goes
    call_span: Span | None  # the whole call, when called
    arguments: tuple[Argument, ...]
    tag_span: Span  # the enclosing ``{{ … }}`` or ``{% … %}``
    tested: bool = False  # the operand of an ``is defined``-style test
    guard: Span | None = None  # for a tested site: the ``{% if %}`` block it guards

    @property
    def called(self) -> bool:
        return self.call_span is not None

    def argument(self, keyword: str, position: int | None) -> Argument | None:
        """The argument passed for a parameter, by keyword or position."""
        for arg in self.arguments:
            if arg.keyword == keyword:
                return arg
        positional = [a for a in self.arguments if a.keyword is None]
        if position is not None and position < len(positional):
            return positional[position]
        return None


@dataclass(frozen=True)
class NameRef:
    name: str
    span: Span


@dataclass(frozen=True)
class Expression:
    """A ``{{ … }}`` tag and its expression."""

    tag_span: Span
    expr_span: Span
    name: str | None  # set when the expression is a bare variable


@dataclass(frozen=True)
class Outline:
    sites: tuple[HookSite, ...]
    names: tuple[NameRef, ...]
    expressions: tuple[Expression, ...]
    has_errors: bool

    def site_at(self, offset: int) -> HookSite | None:
        """The innermost hook site whose call (or attribute) contains ``offset``."""
        best = None
        for site in self.sites:
            span = site.call_span or site.attribute_span
            if span.contains(offset) and (
                best is None or span.start >= (best.call_span or best.attribute_span).start
            ):
                best = site
        return best

    def name_at(self, offset: int) -> NameRef | None:
        for ref in self.names:
            if ref.span.contains(offset):
                return ref
        return None


@functools.cache
def _parser() -> Any:
    import tree_sitter_jinja
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_jinja.language()))


class ByteOffsets:
    """UTF-8 byte offsets (tree-sitter) to character offsets (Python strings): a byte inside a
    character maps to that character, the end of the data to the end of the text. Only the
    non-ASCII characters are recorded (found by a regular expression, not a Python loop)."""

    def __init__(self, text: str, data: bytes) -> None:
        self.identity = len(data) == len(text)
        self.starts: list[int] = []  # the byte offset of each non-ASCII character
        self.widths: list[int] = []  # its UTF-8 length
        self.extra: list[int] = []  # bytes beyond one per character, up to and including it
        if not self.identity:
            extra = 0
            for match in _NON_ASCII.finditer(text):
                width = len(match.group().encode("utf-8", "surrogatepass"))
                self.starts.append(match.start() + extra)
                self.widths.append(width)
                extra += width - 1
                self.extra.append(extra)

    def __call__(self, byte: int) -> int:
        if self.identity:
            return byte
        k = bisect.bisect_right(self.starts, byte)
        if k == 0:
            return byte
        start, width, extra = self.starts[k - 1], self.widths[k - 1], self.extra[k - 1]
        if byte < start + width:  # in that character
            return start - (extra - (width - 1))
        return byte - extra


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def outline(text: str) -> Outline:
    """The structure of ``text``; never raises."""
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    return _Walker(text, ByteOffsets(text, data)).run(tree.root_node)


class _Walker:
    def __init__(self, text: str, off: ByteOffsets) -> None:
        self.text = text
        self.off = off
        self.sites: list[HookSite] = []
        self.names: list[NameRef] = []
        self.expressions: list[Expression] = []

    def span(self, node: Any) -> Span:
        return Span(self.off(node.start_byte), self.off(node.end_byte))

    def src(self, node: Any) -> str:
        s = self.span(node)
        return self.text[s.start : s.end]

    def run(self, root: Any) -> Outline:
        stack = [(root, root)]
        while stack:
            node, tag = stack.pop()
            kind = node.type
            if kind in ("jinja_variable", "jinja_assign") or kind.startswith("jinja_"):
                tag = node
                if kind == "jinja_variable":
                    self._expression(node)
            if kind == "attribute":
                self._attribute(node, tag)
            elif kind == "identifier":
                self._identifier(node)
            for child in reversed(node.children):
                stack.append((child, tag))
        self.sites.sort(key=lambda s: s.attribute_span.start)
        sites = tuple(replace(s, id=i) for i, s in enumerate(self.sites))
        self.names.sort(key=lambda r: r.span.start)
        return Outline(sites, tuple(self.names), tuple(self.expressions), root.has_error)

    def _expression(self, node: Any) -> None:
        inner = [c for c in node.named_children if c.type not in ("variable_begin", "variable_end")]
        if not inner:
            return
        expr = inner[0]
        name = self.src(expr) if expr.type == "identifier" and len(inner) == 1 else None
        self.expressions.append(Expression(self.span(node), self.span(expr), name))

    def _identifier(self, node: Any) -> None:
        parent = node.parent
        if parent is None or parent.type in _SKIP_PARENTS:
            return
        if parent.type == "attribute" and parent.children and parent.children[0] != node:
            return
        if parent.type == "keyword_argument" and parent.children and parent.children[0] == node:
            return
        if parent.type == "comparison_operator" and node.prev_sibling is not None:
            if node.prev_sibling.type in ("is", "not", "is not"):
                return  # the name of a test: ``is defined``, ``is not none``
        if parent.type in ("jinja_for", "jinja_assign", "jinja_with", "jinja_set") and _is_target(
            node, parent
        ):
            return
        if parent.type.startswith("jinja_") and parent.type not in ("jinja_variable",):
            # identifiers directly under statements other than expressions are tags/targets
            if node.prev_sibling is not None and node.prev_sibling.type == "tag_name":
                if parent.type in (
                    "jinja_macro",
                    "jinja_block",
                    "jinja_call",
                    "jinja_import",
                    "jinja_from",
                    "jinja_include",
                    "jinja_extends",
                    "jinja_filter",
                ):
                    return
        self.names.append(NameRef(self.src(node), self.span(node)))

    def _attribute(self, node: Any, tag: Any) -> None:
        children = node.children
        if len(children) < 3 or children[0].type != "identifier" or self.src(children[0]) != KERNEL:
            return
        name_node = children[2]
        if name_node.type != "identifier":
            return
        call = node.parent if node.parent is not None and node.parent.type == "call" else None
        parent = node.parent
        tested = (
            parent is not None
            and parent.type == "comparison_operator"
            and parent.children[0] == node
            and len(parent.children) > 1
            and parent.children[1].type in ("is", "is not")
        )
        guard = None
        if tested:
            block = parent
            while block is not None and block.type not in ("jinja_if", "jinja_elif"):
                block = block.parent
            if block is not None:
                guard = self.span(block)
        call_span = None
        arguments: tuple[Argument, ...] = ()
        if call is not None and call.children and call.children[0] == node:
            call_span = self.span(call)
            arglist = next((c for c in call.children if c.type == "argument_list"), None)
            if arglist is not None:
                arguments = tuple(self._argument(a) for a in arglist.named_children if a.type != "comment")
        self.sites.append(
            HookSite(
                -1,
                self.src(name_node),
                self.span(name_node),
                self.span(node),
                self.off(children[0].end_byte),
                call_span,
                arguments,
                self.span(tag),
                tested,
                guard,
            )
        )

    def _argument(self, node: Any) -> Argument:
        if node.type == "keyword_argument" and node.named_children:
            key = node.named_children[0]
            value_nodes = node.named_children[1:]
            value = self._value(value_nodes[0]) if value_nodes else Value("other", self.span(node), "")
            return Argument(self.src(key), self.span(node), value, self.span(key))
        return Argument(None, self.span(node), self._value(node))

    def _value(self, node: Any) -> Value:
        kind = node.type
        span, text = self.span(node), self.src(node)
        if kind == "identifier":
            return Value("name", span, text, literal=text)
        if kind in ("list", "tuple"):
            items = tuple(self._value(c) for c in node.named_children if c.type != "comment")
            return Value(kind, span, text, items)
        if kind == "string":
            body = text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else None
            if body is not None and "\\" not in body:
                return Value("str", span, text, literal=body)
            return Value("other", span, text)
        if kind == "integer":
            try:
                return Value("int", span, text, literal=int(text.replace("_", "")))
            except ValueError:
                return Value("other", span, text)
        if kind == "unary_operator" and text.startswith("-"):
            inner = node.named_children[-1] if node.named_children else None
            if inner is not None and inner.type == "integer":
                try:
                    return Value("int", span, text, literal=-int(self.src(inner)))
                except ValueError:
                    pass
        if kind == "none":
            return Value("none", span, text)
        if kind in ("true", "false"):
            return Value("bool", span, text, literal=kind == "true")
        return Value("other", span, text)


def _is_target(node: Any, parent: Any) -> bool:
    """Whether an identifier is the assigned name in ``{% set x = … %}``/``{% for x in … %}``."""
    for child in parent.children:
        if child.type in ("=", "in"):
            return node.end_byte <= child.start_byte
    return False
