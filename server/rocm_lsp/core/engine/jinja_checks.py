"""The Jinja checks both engines share: the template engine (``analysis.py``) on a
``.hip.jinja`` file, and the Python engine (``core/pymodules/``) on each template string of a
module.

Each takes plain inputs (the template text, its :class:`LineIndex`, a parsed Jinja AST) and
gives findings in the text's offsets: Jinja syntax and compile errors, template nesting too
deep to follow, the names a template assigns and its ``{% for %}`` scopes, suppression
comments, dedupe, and the RL199 finding for a failure of the engine itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import jinja2
from jinja2 import nodes
from jinja2.lexer import Token, TokenStream
from jinja2.parser import Parser

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine.jinja_env import compile_template, environment, undeclared_names
from rocm_lsp.core.text import LineIndex, Span, blank_comments

MAX_TEMPLATE_BYTES = 4 * 1024 * 1024  # the largest file either engine analyses
_CODES = r"rocm-lsp:\s*ignore\[([A-Z0-9,\s]+)\]"
_IGNORE_IN_JINJA = re.compile(r"\{#-?\s*" + _CODES)  # `{# rocm-lsp: ignore[RL201] #}`
_IGNORE_AFTER_HASH = re.compile(r"#\s*" + _CODES)  # `# rocm-lsp: ignore[RL104]` (TOML, Python)
_BLOCK_TAG = re.compile(r"\{%[-+]?\s*(end)?(\w+)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Jinja's and LineIndex's line breaks
_BLOCKS = {"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans"}


# -- errors -------------------------------------------------------------------------------


def too_deep() -> Diagnostic:
    """RL110 for a template nested deeper than Jinja's parser or compiler (Python) can follow."""
    return make("RL110", "Jinja cannot compile this template: it nests too deeply", Span(0, 0))


def internal_error(exc: BaseException) -> Diagnostic:
    """RL199: the engine itself failed on the file (as ``rocm-lsp check`` reports it)."""
    detail = str(exc)
    detail = detail[:500] + "…" if len(detail) > 500 else detail
    message = f"internal error: {type(exc).__name__}: {detail} — please report this with the file"
    return make("RL199", message, Span(0, 0))


def stripped_line(text: str, index: LineIndex, line: int | None) -> Span:
    """1-based ``line`` of ``text`` without its indentation (``Span(0, 0)`` for None)."""
    if line is None:
        return Span(0, 0)
    span = index.line_span(min(line - 1, index.line_count - 1))
    body = text[span.start : span.end]
    lead = len(body) - len(body.lstrip())
    return Span(span.start + lead, span.end) if body.strip() else span


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end or a == b


def syntax_error(text: str, index: LineIndex, exc: jinja2.TemplateSyntaxError) -> Diagnostic:
    """RL110 for Jinja's syntax error: at the block left open, else at the token Jinja's lexer or
    parser stopped at (:func:`_offending`), else the whole line Jinja names."""
    m = re.search(r"innermost block that needs to be closed is '(\w+)'", exc.message or "")
    if m and (exc.message or "").startswith("Unexpected end of template"):
        span = _unclosed_block(text, m.group(1))
        if span is not None:
            return make(
                "RL110",
                f"Jinja syntax error: {{% {m.group(1)} %}} is never closed with {{% end{m.group(1)} %}}",
                span,
            )
    line = max(1, exc.lineno or 1)
    span, opened = _offending(text, index, line, exc.message or "")
    message = f"Jinja syntax error: {exc.message}"
    if span is None:
        return make("RL110", message, stripped_line(text, index, line))
    if opened is not None and index.position(opened.start)[0] != index.position(span.start)[0]:
        tag = text[opened.start : opened.end]
        why = f"this {tag} is not closed with {_CLOSER[tag]} before the error"
        return make("RL110", message, span, Related(opened, why))
    return make("RL110", message, span)


_CLOSER = {"{%": "%}", "{{": "}}"}
_AT_END = object()  # the parser stopped at the end of the template


class _Located:
    """Jinja's parser over a token stream that knows where each token is: the lexer yields
    ``(line, kind, raw text)`` in source order, so each token is the next occurrence of its raw
    text. :meth:`failure` says where parsing stopped."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.at: dict[int, Span] = {}  # id(token) -> its span in ``source``
        self.tokens: list[Token] = []  # keeps each token alive while its id is a key
        self.pos = 0  # end of the last raw token
        self.last = Span(0, 0)  # the last raw token
        self.broken: Span | None = None  # what the lexer (or a token's conversion) failed on
        self.opened: Span | None = None  # the `{{`/`{%` of the construct being read
        self.comment: Span | None = None  # the `{#` just read (the lexer reads a comment whole)

    def _raw(self) -> Iterator[tuple[int, str, str]]:
        """The lexer's raw tokens, noting the span of each (``last``) and what it failed on."""
        raw = environment().lexer.tokeniter(self.source, None)
        while True:
            try:
                line, kind, value = next(raw)
            except StopIteration:
                return
            except jinja2.TemplateSyntaxError:
                if self.comment is not None:  # "Missing end of comment tag": the comment's opening
                    self.broken = self.comment
                else:
                    start = _skip_blanks(self.source, self.pos)
                    self.broken = Span(start, _skip_blanks(self.source, start, word=True))
                raise
            start = self.source.find(value, self.pos)
            if start < 0:  # never: the lexer yields pieces of the source, in order
                return
            self.last = Span(start, start + len(value))
            self.pos = self.last.end
            if kind in ("variable_begin", "block_begin"):
                self.opened = Span(start, start + 2)
            elif kind in ("variable_end", "block_end"):
                self.opened = None
            self.comment = Span(start, start + 2) if kind == "comment_begin" else None
            yield line, kind, value

    def _tokens(self) -> Iterator[Token]:
        """Jinja's tokens, each noted with its span: ``wrap`` yields a token right after reading
        the raw token it comes from."""
        tokens = environment().lexer.wrap(self._raw())
        while True:
            try:
                token = next(tokens)
            except StopIteration:
                return
            except jinja2.TemplateSyntaxError:
                self.broken = self.broken or self.last  # else a bad identifier or string escape
                raise
            self.at[id(token)] = self.last
            self.tokens.append(token)
            yield token

    def failure(self) -> Span | object | None:
        """Parse the source: the span of the token that stopped the parser, ``_AT_END`` if it
        stopped at the end of the template, None if it parses (or the token is not known)."""
        parser = Parser(environment(), "")  # its own stream lexes eagerly: replaced below
        try:
            parser.stream = TokenStream(self._tokens(), None, None)
            parser.parse()
        except jinja2.TemplateSyntaxError:
            if self.broken is not None:
                return self.broken
            current = parser.stream.current
            return _AT_END if current.type == "eof" else self.at.get(id(current))
        return None


def _skip_blanks(source: str, pos: int, word: bool = False) -> int:
    """The first character at or after ``pos`` that is not a blank; with ``word``, the end of
    the run of non-blanks at ``pos`` (at least one character, within the source)."""
    if not word:
        return len(source) - len(source[pos:].lstrip(" \t\n")) if pos < len(source) else pos
    m = re.compile(r"\S+").match(source, pos)
    return m.end() if m else min(pos + 1, len(source))


def _offending(text: str, index: LineIndex, line: int, message: str) -> tuple[Span | None, Span | None]:
    """Where in ``text`` Jinja's syntax error is: the span of the token it stopped at and the
    ``{{``/``{%`` of the construct it was reading. At the end of the template, that ``{{``/``{%``
    itself (it was never closed). ``(None, None)`` when the token is not on ``line`` (the 1-based
    line Jinja names) or cannot be found: the caller falls back to the line, never a wrong column."""
    source = "\n".join(_LINE_BREAK.split(text))  # as Jinja's lexer reads it: same lines, columns
    located = _Located(source)
    try:
        found = located.failure()
    except (RecursionError, ValueError):  # too deep to re-parse: the line is the answer
        return None, None
    lines = LineIndex(source)
    opened = None if located.opened is None else _moved(located.opened, lines, index)
    if found is _AT_END:
        return opened, None
    if found is None:  # it parses: a compile-time error such as an unknown filter
        found = _quoted_name(source, line, message)
    if not isinstance(found, Span) or lines.position(found.start)[0] != line - 1:
        return None, None
    return _moved(found, lines, index), opened


def _quoted_name(source: str, line: int, message: str) -> Span | None:
    """For a compile-time error that quotes one name (``No filter named 'x'.``): that name, where
    it occurs exactly once on the line."""
    names = re.findall(r"'(\w+)'", message)
    lines = source.split("\n")
    if len(names) != 1 or not 0 < line <= len(lines):
        return None
    hits = [m.start() for m in re.finditer(rf"\b{re.escape(names[0])}\b", lines[line - 1])]
    if len(hits) != 1:
        return None
    start = sum(len(row) + 1 for row in lines[: line - 1]) + hits[0]
    return Span(start, start + len(names[0]))


def _moved(span: Span, source: LineIndex, text: LineIndex) -> Span:
    """A span of the newline-normalised source, in the original text (lines and columns agree)."""
    return Span(text.offset(*source.position(span.start)), text.offset(*source.position(span.end)))


def compile_error(
    text: str, index: LineIndex, ast: nodes.Template | None, exc: SyntaxError, found: list[Diagnostic]
) -> list[Diagnostic]:
    """A Python syntax error in Jinja's generated code, mapped back to the template line."""
    line = None
    try:
        source = "" if ast is None else environment().compile(ast, raw=True)
        m = re.search(r"^debug_info = '([\d=&]*)'", source, re.M)
        if m and m.group(1) and exc.lineno:
            pairs = [tuple(map(int, p.split("="))) for p in m.group(1).split("&")]
            line = max((t for t, c in pairs if c <= exc.lineno), default=None)
    except Exception:  # noqa: BLE001 - the mapping is best effort: the finding stays, at line 1
        line = None
    span = stripped_line(text, index, line)
    if any(d.code == "RL207" and overlaps(d.span, span) for d in found):
        return []  # the static check already explains it (a hook keyword passed twice)
    return [make("RL110", f"Jinja syntax error: {exc.msg}", span)]


def compile_checked(
    text: str, index: LineIndex, ast: nodes.Template, diags: list[Diagnostic]
) -> tuple[jinja2.Template | None, set[str] | None]:
    """Compile a parsed template: the template and the names it reads, appending to ``diags``
    what Jinja's compiler or Python's says. A template that does not compile still gives its
    names (from Jinja's ``meta``); one nested too deeply gives ``(None, None)`` and RL110."""
    try:
        return compile_template(ast)
    except jinja2.TemplateSyntaxError as exc:  # e.g. an unknown filter
        diags.append(syntax_error(text, index, exc))
    except SyntaxError as exc:  # Python's, e.g. "keyword argument repeated"
        diags.extend(compile_error(text, index, ast, exc, diags))
    except RecursionError:
        diags.append(too_deep())
        return None, None
    return None, undeclared_names(ast)


# -- names and scopes ------------------------------------------------------------------------


def assigned_names(ast: nodes.Template) -> set[str]:
    """Names the template assigns itself (``set``, ``macro``): its own, never undefined."""
    assigned = {m.name for m in ast.find_all(nodes.Macro)}
    for assign in ast.find_all((nodes.Assign, nodes.AssignBlock)):
        assert isinstance(assign, (nodes.Assign, nodes.AssignBlock))
        targets = [assign.target, *assign.target.find_all(nodes.Name)]
        assigned |= {t.name for t in targets if isinstance(t, nodes.Name)}
    return assigned


@dataclass(frozen=True)
class _Block:
    tag: str
    opening: Span  # the ``{% tag … %}`` tag
    end: int | None  # end of the matching ``{% endtag %}``, if any
    head: str  # the opening tag's text


def _blocks(text: str) -> list[_Block]:
    """Jinja block statements with their extent (comments and raw blocks ignored)."""
    clean = blank_comments(text)
    stack: list[tuple[str, Span, str]] = []
    out: list[_Block] = []
    for m in _BLOCK_TAG.finditer(clean):
        tag = m.group(2)
        close = clean.find("%}", m.end())
        span = Span(m.start(), close + 2 if close != -1 else m.end())
        if m.group(1):
            if stack and stack[-1][0] == tag:
                name, opening, head = stack.pop()
                out.append(_Block(name, opening, span.end, head))
        elif tag in _BLOCKS or (tag == "set" and "=" not in clean[m.end() : close]):
            stack.append((tag, span, clean[span.start : span.end]))
    out.extend(_Block(tag, opening, None, head) for tag, opening, head in stack)
    return out


def _unclosed_block(text: str, name: str) -> Span | None:
    """The innermost opening ``{% name %}`` tag left unclosed."""
    unclosed = [b for b in _blocks(text) if b.end is None and b.tag == name]
    return max(unclosed, key=lambda b: b.opening.start).opening if unclosed else None


def loop_scopes(text: str) -> list[tuple[set[str], Span]]:
    """``{% for a, b in … %}`` loops: the names they bind and the text they cover."""
    out = []
    for block in _blocks(text):
        if block.tag != "for" or block.end is None:
            continue
        m = re.match(r"\{%[-+]?\s*for\s+(.+?)\s+in\b", block.head, re.S)
        if m:
            names = set(re.findall(r"[A-Za-z_]\w*", m.group(1))) | {"loop"}
            out.append((names, Span(block.opening.start, block.end)))
    return out


# -- final shaping -----------------------------------------------------------------------------


def suppressions(text: str, index: LineIndex, hash_comments: Span | None) -> dict[int, set[str]]:
    """Codes silenced per line: ``{# rocm-lsp: ignore[…] #}`` anywhere, and ``# rocm-lsp:
    ignore[…]`` inside ``hash_comments`` (a template's TOML header; all of a Python module)."""
    if "rocm-lsp" not in text:
        return {}
    found = [(m.start(), m.group(1)) for m in _IGNORE_IN_JINJA.finditer(text)]
    if hash_comments is not None:
        body = text[hash_comments.start : hash_comments.end]
        found += [(hash_comments.start + m.start(), m.group(1)) for m in _IGNORE_AFTER_HASH.finditer(body)]
    out: dict[int, set[str]] = {}
    for start, codes in found:
        line = index.position(start)[0]
        out.setdefault(line, set()).update(c.strip() for c in codes.split(",") if c.strip())
    return out


def suppress(
    diags: Iterable[Diagnostic], text: str, index: LineIndex, hash_comments: Span | None
) -> list[Diagnostic]:
    """``diags`` less those a suppression comment on their line silences (:func:`suppressions`)."""
    silenced = suppressions(text, index, hash_comments)
    return [d for d in diags if d.code not in silenced.get(index.position(d.span.start)[0], ())]


def dedupe(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The first finding of each code at each span, sorted by position then code (the rule
    ``analysis._finish`` applies too, after dropping render-time twins of static findings)."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for d in diags:
        key = (d.code, d.span.start, d.span.end)
        if key not in seen:
            seen.add(key)
            out.append(d)
    out.sort(key=lambda d: (d.span.start, d.code))
    return out


__all__ = [
    "MAX_TEMPLATE_BYTES",
    "assigned_names",
    "compile_checked",
    "compile_error",
    "dedupe",
    "internal_error",
    "stripped_line",
    "loop_scopes",
    "overlaps",
    "suppress",
    "suppressions",
    "syntax_error",
    "too_deep",
]
