"""Rename, references, document highlight and folding ranges in a template.

A *symbol* is a name and the scope that binds it. The top level binds the header's ``[nodes]``
and ``[vars]`` names, and the template's top-level ``{% set %}`` and ``{% macro %}`` names: one
scope, as Jinja's context holds them all (``{% set M = M * 2 %}`` at the top level rebinds the
header's ``M``: one symbol, two writes). ``{% for %}``, ``{% macro %}``, ``{% call %}``,
``{% with %}``, ``{% filter %}``, ``{% block %}`` and ``{% set x %}…{% endset %}`` bodies are
scopes of their own: a loop variable is local to its loop, a ``set`` inside one of them is local
to it, and (as Jinja runs it) a read before the first ``set`` of a name in a scope reads the
enclosing scope's value. ``{% if %}`` is no scope. ``[shapes]`` keys are a namespace apart: size
symbols, found in the ``[shapes]`` table and inside the size strings of the header.

Where each name is comes from the outline (``Outline.names``, tree-sitter) and, for what binds
names (``set`` and ``for`` targets, macro parameters, ``with`` targets), from a scan of the
statement tags here; the scan also finds the blocks that fold. Nothing renders.

Decisions:

- ``names_str="X, W, Y"`` names the kernel's C++ parameters (``def_kernel``'s), not nodes: a
  rename of a node leaves it alone.
- A node's name is renamed in ``[bench].reference`` too (a Python expression over node names).
- A size symbol (``[shapes]`` key) is renamed with each use in the ``size``/``stride``/``offset``
  strings of ``[nodes]`` and in ``[bench]`` ``flops``/``bytes``; a string with escapes refuses.
- Macro and ``{% call(…) %}`` parameters are not renamed (callers may pass them by keyword),
  nor macro names' callers in other templates (there are none: no loader); ``loop``,
  ``caller``, ``varargs``, ``kwargs``, Jinja's globals, ``kernel`` and its hooks never are.
- A ``set`` inside an ``{% if %}`` of a loop (or macro…) body whose name the enclosing scope
  also binds is not renamed: where the ``if`` is false, later reads see the outer value.
"""

from __future__ import annotations

import bisect
import functools
import io
import keyword
import re
import tokenize
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.engine.header import JINJA_GLOBALS, RESERVED, Header
from rocm_lsp.core.engine.structure import KERNEL, NameRef
from rocm_lsp.core.text import Edit, LineIndex, Span

ROOT = 0  # the scope of the template's top level
IMPLICIT = {"for": ("loop",), "macro": ("varargs", "kwargs", "caller")}
SPECIAL = frozenset({"loop", "caller", "varargs", "kwargs", "self"})
# words Jinja's parser reads as operators or constants wherever a name could stand
JINJA_WORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "true", "false", "none"})
_SCOPES = frozenset({"for", "macro", "call", "with", "filter", "block", "autoescape", "set"})
_BLOCKS = _SCOPES | {"if", "trans"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPEN = re.compile(r"\{([{%#])")
_TAG_NAME = re.compile(r"[-+]?\s*(\w+)")
_RAW = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}")
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_CLOSERS = {
    "%": re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-+]?%\}""", re.S),
    "{": re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-+]?\}\}""", re.S),
}
_TOKEN = re.compile(
    r"""\s+|(?P<name>[^\W\d]\w*)|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<num>\d[\w.]*)"""
    r"""|(?P<op>\*\*|//|==|!=|<=|>=|.)""",
    re.S,
)
_OPENING = {"(": ")", "[": "]", "{": "}"}


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    """A renameable name: a header entry, a template variable or a size symbol."""

    name: str
    kind: str  # node | var | shape | set | macro | loop | with | parameter | undeclared
    scope: int  # ROOT for the header's names and top-level sets; -1 for size symbols
    declaration: Span | None  # the header key, the binding target; None if undeclared


@dataclass(frozen=True)
class Highlight:
    span: Span
    kind: str  # read | write (a header key, a set/for/with target, a parameter)


@dataclass(frozen=True)
class Refusal:
    """Why the name under the cursor cannot be renamed (or to the name asked for)."""

    reason: str


@dataclass(frozen=True)
class Fold:
    """Lines that fold (0-based): ``start_line`` stays visible, the lines after it through
    ``end_line`` hide."""

    start_line: int
    end_line: int
    kind: str  # header | block | comment


# -- the scan of the tags ------------------------------------------------------------------


@dataclass(frozen=True)
class _Tag:
    span: Span  # the whole ``{% … %}`` (or ``{{ … }}``)
    name: str  # the statement (``for``, ``endif``); "" for an expression
    inner: Span  # between the statement's name (or ``{{``) and the closing delimiter


@dataclass(frozen=True)
class Token:
    kind: str  # name | str | num | op
    text: str
    span: Span


def _closing(text: str, start: int, kind: str) -> int:
    """Just past the ``%}``/``}}`` that closes a tag opened before ``start`` (strings inside are
    skipped, as Jinja's lexer does); an unclosed tag ends with its line."""
    for m in _CLOSERS[kind].finditer(text, start):
        if m.group(0)[0] not in "'\"":
            return m.end()
    line_end = text.find("\n", start)
    return len(text) if line_end == -1 else line_end


@dataclass
class _Lexed:
    tags: list[_Tag] = field(default_factory=list)  # statements and expressions, in order
    comments: list[Span] = field(default_factory=list)
    raws: list[Span] = field(default_factory=list)


def _lex(text: str) -> _Lexed:
    """Jinja's top-level tokens: comments, raw blocks, statements and expressions."""
    out = _Lexed()
    pos = 0
    while (m := _OPEN.search(text, pos)) is not None:
        start, kind = m.start(), m.group(1)
        if kind == "#":
            close = text.find("#}", m.end())
            pos = len(text) if close == -1 else close + 2
            out.comments.append(Span(start, pos))
            continue
        raw = _RAW.match(text, start) if kind == "%" else None
        if raw is not None:
            end = _ENDRAW.search(text, raw.end())
            pos = len(text) if end is None else end.end()
            out.raws.append(Span(start, pos))
            continue
        pos = _closing(text, m.end(), kind)
        body_end = pos - 2 if text.startswith(("%}", "}}"), pos - 2) else pos
        body_end -= 1 if body_end > m.end() and text[body_end - 1] in "-+" else 0
        if kind == "%":
            name = _TAG_NAME.match(text, m.end(), body_end)
            tag = name.group(1) if name else ""
            out.tags.append(_Tag(Span(start, pos), tag, Span(name.end() if name else m.end(), body_end)))
        else:
            out.tags.append(_Tag(Span(start, pos), "", Span(m.end(), body_end)))
    return out


def tokens(text: str, span: Span) -> list[Token]:
    """The expression tokens of ``text[span]`` (names, strings, numbers, operators)."""
    out = []
    for m in _TOKEN.finditer(text, span.start, span.end):
        kind = m.lastgroup
        if kind is not None:
            out.append(Token(kind, m.group(0), Span(m.start(), m.end())))
    return out


def _top_level(toks: list[Token]) -> Iterator[tuple[int, Token]]:
    """The tokens outside brackets, with their index."""
    depth = 0
    for i, tok in enumerate(toks):
        if tok.kind == "op" and tok.text in _OPENING:
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            yield i, tok


def _find(toks: list[Token], kind: str, *texts: str) -> int | None:
    return next((i for i, t in _top_level(toks) if t.kind == kind and t.text in texts), None)


# -- scopes and occurrences -------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    name: str
    span: Span
    write: bool
    scope: int  # the scope whose binding it reads or writes
    kind: str  # "use", or what binds: set | loop | with | macro | parameter


@dataclass
class _Scope:
    id: int
    parent: int
    tag: str
    start: int  # where its body begins
    end: int  # where its body ends
    binds: dict[str, int] = field(default_factory=dict)  # name -> offset from which it is bound
    conditional: set[str] = field(default_factory=set)  # names first set inside an {% if %}


@dataclass
class _Open:
    tag: str
    span: Span
    scope: int | None  # the scope the block opens, if any


class Scopes:
    """The Jinja names of one template text: what binds each one, and where it is read."""

    def __init__(self, text: str, names: Iterable[NameRef], declared: Iterable[str] = ()) -> None:
        self.text = text
        lexed = _lex(text)
        self.comments = lexed.comments
        self.raws = lexed.raws
        self.blocks: list[Span] = []  # closed {% block %}…{% endblock %} spans
        self.scopes = [_Scope(ROOT, ROOT, "", 0, len(text))]
        self._starts: list[int] = [0]  # piecewise: from each offset on, the innermost scope
        self._inner: list[int] = [ROOT]
        self._writes: list[Occurrence] = []
        self._attributes: set[Span] = set()  # names after a ``.`` in a set target
        self._bases: list[NameRef] = []  # ``ns`` of ``{% set ns.attr = … %}``: read
        self._stack: list[_Open] = []
        for name in declared:  # the header's names: bound from the start
            self.scopes[ROOT].binds[name] = -1
        for tag in lexed.tags:
            if tag.name:
                self._statement(tag)
        self.occurrences = self._occurrences(lexed.tags, tuple(names))
        self._occurrence_starts = [o.span.start for o in self.occurrences]

    # -- building ---------------------------------------------------------------------
    def _enter(self, offset: int, scope: int) -> None:
        if self._starts[-1] == offset:
            self._inner[-1] = scope
        else:
            self._starts.append(offset)
            self._inner.append(scope)

    def _new_scope(self, tag: str, start: int, parent: int | None = None) -> int:
        parent = self._scope_of_stack() if parent is None else parent
        scope = _Scope(len(self.scopes), parent, tag, start, len(self.text))
        self.scopes.append(scope)
        for name in IMPLICIT.get(tag, ()):
            scope.binds[name] = -1
        return scope.id

    def _bind(self, name: str, span: Span, scope: int, kind: str, at: int) -> None:
        target = self.scopes[scope]
        if name not in target.binds:
            target.binds[name] = at
            if kind == "set" and any(o.tag == "if" for o in self._innermost_blocks()):
                target.conditional.add(name)
        self._writes.append(Occurrence(name, span, True, scope, kind))

    def _innermost_blocks(self) -> list[_Open]:
        """The open blocks inside the innermost open scope."""
        out = []
        for block in reversed(self._stack):
            if block.scope is not None:
                break
            out.append(block)
        return out

    def _statement(self, tag: _Tag) -> None:
        name = tag.name
        if name.startswith("end") and name[3:] in _BLOCKS:
            self._close(tag, name[3:])
            return
        if name == "else" and self._stack and self._stack[-1].tag == "for":
            block = self._stack[-1]  # the loop's else: outside the loop's scope
            outer = self.scopes[block.scope].parent if block.scope is not None else ROOT
            if block.scope is not None:
                self.scopes[block.scope].end = tag.span.start
            self._enter(tag.span.start, outer)
            block.scope = self._new_scope("for-else", tag.span.end, outer)
            self._enter(tag.span.end, block.scope)
            return
        toks = tokens(self.text, tag.inner)
        if name == "set":
            self._set(tag, toks)
        elif name == "for":
            self._for(tag, toks)
        elif name == "macro":
            self._macro(tag, toks)
        elif name == "call":
            self._call(tag, toks)
        elif name == "with":
            self._with(tag, toks)
        elif name in _BLOCKS:
            scope = self._new_scope(name, tag.span.end) if name in _SCOPES else None
            self._stack.append(_Open(name, tag.span, scope))
            if scope is not None:
                self._enter(tag.span.end, scope)

    def _close(self, tag: _Tag, name: str) -> None:
        if not any(o.tag == name for o in self._stack):
            return  # a stray end tag: Jinja reports it
        while self._stack:
            block = self._stack.pop()
            if block.scope is not None:
                self.scopes[block.scope].end = tag.span.start
            if block.tag == name:
                self.blocks.append(Span(block.span.start, tag.span.end))
                break
        self._enter(tag.span.start, self._scope_of_stack())

    def _scope_of_stack(self) -> int:
        return next((o.scope for o in reversed(self._stack) if o.scope is not None), ROOT)

    def _set(self, tag: _Tag, toks: list[Token]) -> None:
        equals = _find(toks, "op", "=")
        block = equals is None
        targets = toks[: _find(toks, "op", "|") if block else equals]
        scope = self._scope_of_stack()
        for i, tok in enumerate(targets):
            if tok.kind != "name":
                continue
            before = targets[i - 1].text if i else ""
            after = targets[i + 1].text if i + 1 < len(targets) else ""
            if before == ".":
                self._attributes.add(tok.span)  # ``ns.attr``: the namespace is read
            elif after in (".", "["):
                self._bases.append(NameRef(tok.text, tok.span))
            else:
                self._bind(tok.text, tok.span, scope, "set", tag.span.end)
        if block:  # {% set x %}…{% endset %}: its body is a scope of its own
            inner = self._new_scope("set", tag.span.end)
            self._stack.append(_Open("set", tag.span, inner))
            self._enter(tag.span.end, inner)

    def _for(self, tag: _Tag, toks: list[Token]) -> None:
        within = _find(toks, "name", "in")
        if within is None:
            within = len(toks)
        rest = toks[within + 1 :]
        stop = _find(rest, "name", "if", "recursive")
        body = rest[stop].span.start if stop is not None else tag.inner.end
        scope = self._new_scope("for", body)
        self._stack.append(_Open("for", tag.span, scope))
        for tok in toks[:within]:
            if tok.kind == "name":
                self._bind(tok.text, tok.span, scope, "loop", -1)
        self._enter(body, scope)

    def _parameters(self, toks: list[Token], scope: int) -> int:
        """Bind the names of a ``(a, b=1)`` list at ``toks[0]``; the index past its ``)``."""
        depth = 0
        for i, tok in enumerate(toks):
            if tok.kind == "op" and tok.text in _OPENING:
                depth += 1
            elif tok.kind == "op" and tok.text in ")]}":
                depth -= 1
                if depth == 0:
                    return i + 1
            elif depth == 1 and tok.kind == "name" and toks[i - 1].text in ("(", ","):
                nxt = toks[i + 1].text if i + 1 < len(toks) else ""
                if nxt in (",", ")", "="):
                    self._bind(tok.text, tok.span, scope, "parameter", -1)
        return len(toks)

    def _macro(self, tag: _Tag, toks: list[Token]) -> None:
        if toks and toks[0].kind == "name":
            self._bind(toks[0].text, toks[0].span, self._scope_of_stack(), "macro", tag.span.end)
        start = toks[1].span.start if len(toks) > 1 else tag.span.end
        scope = self._new_scope("macro", start)
        self._stack.append(_Open("macro", tag.span, scope))
        self._enter(start, scope)
        if len(toks) > 1 and toks[1].text == "(":
            self._parameters(toks[1:], scope)

    def _call(self, tag: _Tag, toks: list[Token]) -> None:
        scope = self._new_scope("call", tag.span.end)
        self._stack.append(_Open("call", tag.span, scope))
        if toks and toks[0].text == "(":
            self._parameters(toks, scope)
        self._enter(tag.span.end, scope)

    def _with(self, tag: _Tag, toks: list[Token]) -> None:
        scope = self._new_scope("with", tag.span.end)
        self._stack.append(_Open("with", tag.span, scope))
        top = [tok for _, tok in _top_level(toks)]
        for k, tok in enumerate(top):
            before = top[k - 1].text if k else ","
            after = top[k + 1].text if k + 1 < len(top) else ""
            if tok.kind == "name" and before == "," and after == "=":
                self._bind(tok.text, tok.span, scope, "with", -1)
        self._enter(tag.span.end, scope)

    def _occurrences(self, tags: list[_Tag], names: tuple[NameRef, ...]) -> list[Occurrence]:
        writes = {o.span: o for o in self._writes}
        starts = [t.inner.start for t in tags]
        out = list(self._writes)
        seen = {ref.span for ref in names}
        for ref in [*names, *(b for b in self._bases if b.span not in seen)]:
            k = bisect.bisect_right(starts, ref.span.start) - 1
            inside = k >= 0 and tags[k].inner.start <= ref.span.start and ref.span.end <= tags[k].inner.end
            if not inside or ref.span in writes or ref.span in self._attributes:
                continue  # in a comment or raw block, a binding target, or an attribute
            out.append(Occurrence(ref.name, ref.span, False, self.resolve(ref.name, ref.span.start), "use"))
        out.sort(key=lambda o: o.span)
        return out

    # -- reading --------------------------------------------------------------------------
    def innermost(self, offset: int) -> int:
        return self._inner[bisect.bisect_right(self._starts, offset) - 1]

    def chain(self, scope: int) -> Iterator[int]:
        """``scope`` and the scopes around it, innermost first (ROOT last)."""
        while scope != ROOT:
            yield scope
            scope = self.scopes[scope].parent
        yield ROOT

    def resolve(self, name: str, offset: int) -> int:
        """The scope whose binding of ``name`` a read at ``offset`` sees (ROOT if none does)."""
        for scope in self.chain(self.innermost(offset)):
            at = self.scopes[scope].binds.get(name)
            if at is not None and at <= offset:
                return scope
        return ROOT

    def at(self, offset: int) -> Occurrence | None:
        k = bisect.bisect_right(self._occurrence_starts, offset) - 1
        for o in self.occurrences[max(0, k - 1) : k + 1]:
            if o.span.contains(offset):
                return o
        return None

    def of(self, name: str, scope: int) -> list[Occurrence]:
        return [o for o in self.occurrences if o.name == name and o.scope == scope]

    def encloses(self, outer: int, inner: int) -> bool:
        return outer in self.chain(inner)

    def kind(self, name: str, scope: int) -> str:
        """What binds ``name`` in ``scope``: its first binder's kind, "undeclared" if none."""
        writes = [o.kind for o in self.of(name, scope) if o.write]
        return writes[0] if writes else "undeclared"

    def conflict(
        self, name: str, scope: int, new: str, line: Callable[[int], int] | None = None
    ) -> str | None:
        """Why ``name`` of ``scope`` cannot become ``new`` here: a binding it would merge with,
        shadow or be shadowed by (None: it can). ``line``: the 1-based line of an offset of the
        text, as the editor numbers it (default: this text's lines)."""
        line = line or self.line
        mine = self.of(name, scope)
        if new in self.scopes[scope].binds:
            return f"{new} is already bound {self._where(new, scope, line)}"
        for o in mine:  # a scope between a use and its binding that binds the new name
            around = list(self.chain(self.innermost(o.span.start)))
            for between in around[: around.index(scope)] if scope in around else ():
                if new in self.scopes[between].binds:
                    where = self._where(new, between, line)
                    return f"{new} is already bound {where}: it would hide {name} there"
        for o in self.occurrences:  # a use of the new name that the renamed binding would hide
            if o.name == new and not o.write and self.encloses(o.scope, scope):
                if scope == ROOT or self.encloses(scope, self.innermost(o.span.start)):
                    used = line(o.span.start)
                    return f"{new} is already used on line {used}: it would then mean the renamed {name}"
        return None

    def line(self, offset: int) -> int:
        """The 1-based line of an offset of the text."""
        return self.text.count("\n", 0, offset) + 1

    def _where(self, name: str, scope: int, line: Callable[[int], int]) -> str:
        writes = [o for o in self.of(name, scope) if o.write]
        if not writes:
            return "in the header" if scope == ROOT else "here"
        return f"on line {line(writes[0].span.start)}"


@functools.lru_cache(maxsize=8)
def jinja_scopes(text: str, names: tuple[NameRef, ...], declared: tuple[str, ...] = ()) -> Scopes:
    """The scopes of a Jinja text (memoised: highlights are asked at every move of the cursor)."""
    return Scopes(text, names, declared)


def scopes_of(analysis: Analysis) -> Scopes:
    """The scopes of a template's text."""
    names = analysis.outline.names if analysis.outline is not None else ()
    return jinja_scopes(analysis.text, names, tuple(_declared(analysis.header)))


def _declared(header: Header) -> Iterator[str]:
    """The ``[nodes]`` and ``[vars]`` names of the header, with errors or not."""
    for path in header.spans:
        if len(path) == 2 and path[0] in ("nodes", "vars"):
            yield path[1]


# -- the header's side of a symbol -------------------------------------------------------------


def _key_span(text: str, header: Header, path: tuple[str, ...]) -> Span | None:
    """The span of a header key's name (inside its quotes for a quoted key)."""
    span = header.spans.get(path)
    if span is None:
        return None
    key = text[span.start : span.end]
    if key == path[-1]:
        return span
    if len(key) == len(path[-1]) + 2 and key[0] == key[-1] and key[0] in "'\"":
        return Span(span.start + 1, span.end - 1)
    return None


def _string_body(text: str, span: Span) -> Span | None:
    """The inside of a one-line TOML string with no escapes (None for anything else)."""
    value = text[span.start : span.end]
    if len(value) < 2 or value[0] not in "'\"" or value[-1] != value[0] or value[:3] in ('"""', "'''"):
        return None
    if value[0] == '"' and "\\" in value:
        return None
    return Span(span.start + 1, span.end - 1)


def _size_strings(header: Header) -> list[tuple[str, ...]]:
    """Header paths of the values that are size expressions."""
    out: list[tuple[str, ...]] = []
    for path in header.spans:
        if path[0] == "nodes" and len(path) == 4 and path[2] in ("size", "stride") and path[3].isdigit():
            out.append(path)
        elif path[0] == "nodes" and len(path) == 4 and path[2:] == ("offset", "="):
            out.append(path)
        elif path in (("bench", "flops", "="), ("bench", "bytes", "=")):
            out.append(path)
    return out


def _shape_uses(analysis: Analysis) -> tuple[list[tuple[str, Span]], list[str]]:
    """Each size symbol in a header size string, and the strings that hide theirs (escapes)."""
    text, header = analysis.text, analysis.header
    found: list[tuple[str, Span]] = []
    unreadable = []
    for path in _size_strings(header):
        span = header.spans[path]
        value = text[span.start : span.end]
        if value[:1] not in "'\"":
            continue  # an integer
        body = _string_body(text, span)
        if body is None:
            unreadable.append(value)
            continue
        for m in _NAME.finditer(text, body.start, body.end):
            if m.start() == body.start or not text[m.start() - 1].isdigit():
                found.append((m.group(0), Span(m.start(), m.end())))
    return found, unreadable


def _reference_uses(analysis: Analysis) -> tuple[list[tuple[str, Span]], bool]:
    """The names ``[bench].reference`` reads (not attributes), and whether it binds its own
    (a lambda or a comprehension: then a node's name there may mean something else)."""
    text, header = analysis.text, analysis.header
    span = header.spans.get(("bench", "reference", "="))
    if span is None:
        return [], False
    body = _string_body(text, span)
    if body is None:
        return [], True
    source = text[body.start : body.end]
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return [], True
    found: list[tuple[str, Span]] = []
    binds = False
    for i, tok in enumerate(toks):
        if tok.type != tokenize.NAME:
            continue
        binds = binds or tok.string in ("lambda", "for")
        before = toks[i - 1].string if i else ""
        after = toks[i + 1].string if i + 1 < len(toks) else ""
        if before != "." and after != "=" and not keyword.iskeyword(tok.string):  # not f(dim=…)
            start = body.start + tok.start[1]
            found.append((tok.string, Span(start, start + len(tok.string))))
    return found, binds


# -- the symbol under the cursor ---------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """The symbol under the cursor and every place it occurs (templates and Python modules)."""

    symbol: Symbol
    occurrences: tuple[Highlight, ...]  # in order
    refusal: str | None  # why it cannot be renamed (None: it can)
    collision: Callable[[str], str | None]  # why it cannot take a new name (None: it can)

    def references(self, include_declaration: bool) -> list[Span]:
        declared = self.symbol.declaration
        return [m.span for m in self.occurrences if include_declaration or m.span != declared]

    def rename_span(self, offset: int) -> Span | Refusal | None:
        """The name at ``offset``, or why it cannot be renamed."""
        if self.refusal is not None:
            return Refusal(self.refusal)
        return next((m.span for m in self.occurrences if m.span.contains(offset)), None)

    def renamed(self, new_name: str) -> list[Edit] | Refusal:
        """The edits that give it ``new_name`` everywhere, or why not."""
        if self.refusal is not None:
            return Refusal(self.refusal)
        if new_name == self.symbol.name:
            return []
        why = invalid_name(new_name) or self.collision(new_name)
        return Refusal(why) if why is not None else [Edit(m.span, new_name) for m in self.occurrences]


def _lookup(analysis: Analysis, offset: int) -> Found | Refusal | None:
    """The symbol at ``offset`` with every occurrence, or why there is none to rename."""
    header = analysis.header
    if header.span is not None and header.span.start < offset < header.span.end:
        return _in_header(analysis, offset)
    outline = analysis.outline
    if outline is None:
        return None
    site = outline.site_at(offset)
    if site is not None and site.name_span.contains(offset):
        return Refusal(f"kernel.{site.hook} is a hook: it cannot be renamed")
    found = scopes_of(analysis)
    occurrence = found.at(offset)
    if occurrence is None:
        return None
    return _template_symbol(analysis, found, occurrence.name, occurrence.scope)


def jinja_symbol(found: Scopes, name: str, scope: int) -> tuple[str, str | None] | Refusal:
    """What binds ``name`` in ``scope`` of a Jinja text and why a rename would be refused (None:
    it would not), or the Refusal for a name no rename ever touches."""
    if name == KERNEL:
        return Refusal("kernel is the template kernel: it cannot be renamed")
    if name in SPECIAL:
        return Refusal(f"{name} is a variable Jinja defines: it cannot be renamed")
    kind = found.kind(name, scope)
    if kind == "undeclared" and name in JINJA_GLOBALS:
        return Refusal(f"{name} is a Jinja global: it cannot be renamed")
    if kind == "parameter":
        return kind, f"{name} is a parameter: callers may pass it by keyword, rename it by hand"
    if scope != ROOT and name in found.scopes[scope].conditional:
        parent = found.scopes[scope].parent
        if any(name in found.scopes[s].binds for s in found.chain(parent)):
            return kind, (
                f"{name} is set inside an {{% if %}} here and also bound outside: where the if is "
                "false the template reads the outer value, so a rename would change what it renders"
            )
    return kind, None


def marks_of(found: Scopes, name: str, scope: int) -> list[Highlight]:
    return [Highlight(o.span, "write" if o.write else "read") for o in found.of(name, scope)]


def _template_symbol(analysis: Analysis, found: Scopes, name: str, scope: int) -> Found | Refusal:
    header = analysis.header
    jinja = jinja_symbol(found, name, scope)
    if isinstance(jinja, Refusal):
        return jinja
    kind, refusal = jinja
    marks = marks_of(found, name, scope)
    declaration = next((m.span for m in marks if m.kind == "write"), None)
    if scope == ROOT:
        key = None
        for table in ("nodes", "vars"):
            if (table, name) in header.spans:
                kind = "node" if table == "nodes" else "var"
                key = _key_span(analysis.text, header, (table, name))
                if key is None:
                    refusal = f"the header key of {name} is spelled with escapes: rename it by hand"
                else:
                    marks.insert(0, Highlight(key, "write"))
                    declaration = key
                break
        if kind == "node":
            uses, binds = _reference_uses(analysis)
            mine = [Highlight(span, "read") for used, span in uses if used == name]
            marks += mine
            if binds and re.search(rf"\b{name}\b", str(header.bench.get("reference", ""))):
                refusal = refusal or "[bench].reference binds names of its own: rename it by hand"
        if kind == "undeclared":
            refusal = f"{name} is not declared: declare it in [nodes] or [vars] first"
    marks.sort(key=lambda m: m.span)
    symbol = Symbol(name, kind, scope, declaration)
    return Found(symbol, tuple(marks), refusal, functools.partial(_collision, analysis, symbol))


def _in_header(analysis: Analysis, offset: int) -> Found | Refusal | None:
    header = analysis.header
    for table in ("nodes", "vars"):
        for path in header.spans:
            if len(path) == 2 and path[0] == table and header.spans[path].contains(offset):
                return _template_symbol(analysis, scopes_of(analysis), path[1], ROOT)
    uses, unreadable = _shape_uses(analysis)
    for path in header.spans:
        if len(path) == 2 and path[0] == "shapes" and header.spans[path].contains(offset):
            return _shape_symbol(analysis, path[1], uses, unreadable)
    for name, span in uses:
        if span.contains(offset):
            return _shape_symbol(analysis, name, uses, unreadable)
    for name, span in _reference_uses(analysis)[0]:
        if span.contains(offset) and ("nodes", name) in header.spans:
            return _template_symbol(analysis, scopes_of(analysis), name, ROOT)
    return None


def _shape_symbol(
    analysis: Analysis, name: str, uses: list[tuple[str, Span]], unreadable: list[str]
) -> Found:
    marks = [Highlight(span, "read") for used, span in uses if used == name]
    key = _key_span(analysis.text, analysis.header, ("shapes", name))
    refusal = None
    if key is not None:
        marks.insert(0, Highlight(key, "write"))
    elif ("shapes", name) in analysis.header.spans:
        refusal = f"the [shapes] key of {name} is spelled with escapes: rename it by hand"
    if unreadable:
        refusal = refusal or f"the size string {unreadable[0]} has escapes: rename {name} by hand"
    marks.sort(key=lambda m: m.span)
    symbol = Symbol(name, "shape", -1, key)
    return Found(symbol, tuple(marks), refusal, functools.partial(_collision, analysis, symbol))


# -- the features --------------------------------------------------------------------------


def symbol_at(analysis: Analysis, offset: int) -> Symbol | None:
    """The symbol under the cursor: a header name (at its key or any use), a ``set``/``for``/
    ``with`` variable, a macro or its parameter, a size symbol; None elsewhere."""
    found = _lookup(analysis, offset)
    return found.symbol if isinstance(found, Found) else None


def highlights(analysis: Analysis, offset: int) -> list[Highlight]:
    """Every occurrence of the symbol under the cursor, each a read or a write."""
    found = _lookup(analysis, offset)
    return list(found.occurrences) if isinstance(found, Found) else []


def references(analysis: Analysis, offset: int, include_declaration: bool) -> list[Span]:
    """Where the symbol under the cursor occurs (its declaration only if asked for)."""
    found = _lookup(analysis, offset)
    return found.references(include_declaration) if isinstance(found, Found) else []


def prepare_rename(analysis: Analysis, offset: int) -> Span | Refusal | None:
    """The name's span under the cursor, why it cannot be renamed, or None (no name here)."""
    found = _lookup(analysis, offset)
    return found.rename_span(offset) if isinstance(found, Found) else found


def rename(analysis: Analysis, offset: int, new_name: str) -> list[Edit] | Refusal:
    """The edits that rename the symbol under the cursor to ``new_name``, or why not."""
    found = _lookup(analysis, offset) or Refusal("there is no name to rename here")
    return found.renamed(new_name) if isinstance(found, Found) else found


def invalid_name(new_name: str) -> str | None:
    """Why ``new_name`` cannot name a template variable (None: it can)."""
    if not _IDENT.match(new_name):
        return f"{new_name!r} is not a valid name: use letters, digits and _, not starting with a digit"
    if new_name == KERNEL:
        return "kernel is the template kernel: choose another name"
    if new_name in RESERVED or new_name in JINJA_WORDS or keyword.iskeyword(new_name):
        return f"{new_name} is a keyword of Jinja or Python: choose another name"
    if new_name in JINJA_GLOBALS or new_name in SPECIAL:
        return f"{new_name} is a name Jinja defines: choose another name"
    return None


def _collision(analysis: Analysis, symbol: Symbol, new: str) -> str | None:
    header = analysis.header
    if symbol.kind == "shape":
        uses, _ = _shape_uses(analysis)
        if ("shapes", new) in header.spans or any(name == new for name, _ in uses):
            return f"{new} is already a size symbol: choose another name"
        return None
    if symbol.scope == ROOT:
        for table in ("nodes", "vars"):
            if (table, new) in header.spans:
                return f"{new} is already declared in [{table}]: choose another name"
        if symbol.kind == "node" and new in ("torch", "F") and "reference" in header.bench:
            return f"{new} is a name [bench].reference reads: choose another name"
        if symbol.kind == "node" and any(name == new for name, _ in _reference_uses(analysis)[0]):
            return f"[bench].reference already reads {new}: choose another name"
    return scopes_of(analysis).conflict(
        symbol.name, symbol.scope, new, lambda offset: analysis.index.position(offset)[0] + 1
    )


# -- folding ---------------------------------------------------------------------------------


def folding_ranges(analysis: Analysis) -> list[Fold]:
    """The header, each multi-line block (``{% if %}…{% endif %}``, ``for``, ``macro``, …,
    ``raw``) and each multi-line comment, properly nested (never crossing)."""
    found = scopes_of(analysis)
    header = analysis.header.span
    spans = [(s, "comment") for s in found.comments if s != header]
    spans += [(s, "block") for s in [*found.blocks, *found.raws]]
    if header is not None:
        spans.append((header, "header"))
    return nested_folds(analysis.index, spans)


def nested_folds(index: LineIndex, spans: Iterable[tuple[Span, str]]) -> list[Fold]:
    """Line folds of ``spans``: a fold's last line is the span's, or the one before when text
    follows the span there (it stays visible); one fold per first line (the outermost), and a
    fold that would cross an enclosing one is dropped."""
    candidates = []
    for span, kind in spans:
        first, _ = index.position(span.start)
        last, column = index.position(span.end)
        if index.line_text(last)[column:].strip():
            last -= 1
        if last > first:
            candidates.append(Fold(first, last, kind))
    candidates.sort(key=lambda f: (f.start_line, -f.end_line))
    out: list[Fold] = []
    open_: list[Fold] = []
    for fold in candidates:
        while open_ and open_[-1].end_line < fold.start_line:
            open_.pop()
        if open_ and (open_[-1].start_line == fold.start_line or fold.end_line > open_[-1].end_line):
            continue
        out.append(fold)
        open_.append(fold)
    return out


__all__ = [
    "Edit",
    "Fold",
    "Found",
    "Highlight",
    "Occurrence",
    "Refusal",
    "Scopes",
    "Symbol",
    "folding_ranges",
    "highlights",
    "invalid_name",
    "jinja_scopes",
    "jinja_symbol",
    "marks_of",
    "nested_folds",
    "prepare_rename",
    "references",
    "rename",
    "symbol_at",
    "tokens",
]
