"""Which template line produced each line of the rendered C++, and ``#line`` directives from it.

A compiler error in the rendered source must point at the template. :func:`line_map` gives, for
every rendered line, the 1-based template line it came from; :func:`with_line_directives` turns a
rendered text and that map into C/C++ source whose ``#line`` directives make the compiler report
template lines. The rendered text itself (``rocm-lsp render``) is never changed.

How the map is found: the template is rendered once more, through :func:`render.render` with the
same header, profile and budget, from a copy of its AST in which every output item (a run of
template data, or the value of a ``{{ }}`` expression) is bracketed by invisible markers naming
the item. Removing the markers must give back the rendered text exactly; the markers then say
where every character came from:

* template data copied verbatim advances in step with the template: its k-th line is the line
  the data starts on plus k;
* an expression's value (a hook such as ``check_not_null`` expanding to several lines, a filter,
  a variable) maps, every line of it, to the expression's line;
* text a macro, a ``{% call %}`` body or a ``{% set %}`` block produced maps to the lines of
  that macro or block (``nested``), as a C++ compiler reports an error in a template's
  definition, not at its use;
* text that came out changed (a ``{% filter %}`` block, ``{{ m()|upper }}``) maps, with all that
  its outermost expression or statement emitted, to that expression's or statement's line.

Where the markers would change what the template computes (``{{ m()|length }}``,
``{{ m()|trim }}``, macro text passed to a hook…), the stripped text differs and the map is made
again with markers only outside macros and blocks (``nested=False``): then a macro's text maps
to the line of the expression that calls it.

A rendered line gets the template line of its first non-blank character (a blank line: of its
first character). Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``, as for the C preprocessor.

Columns come from the same trace: each rendered line is cut into ``Segment``s, runs that are
template data copied as it stands (a rendered column is one template column) and runs of an
expression's value (any of their columns is the whole ``{{ … }}`` tag); where each item stands in
the template is read from Jinja's lexer. :func:`compiler_source` gives the text a compiler reads
and :meth:`CompilerSource.place` maps its message back: the column (the caret under the line the
compiler printed, else its column number where the line is ASCII without tabs) of every rendered
line the compiler numbers alike must land on the same range (a loop's iterations, a macro's
uses), else only the line is known. Never a wrong column.
"""

from __future__ import annotations

import bisect
import copy
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from rocm_lsp.core.engine.analysis import Analysis, needs_sympy
from rocm_lsp.core.engine.jinja_env import compile_template, environment
from rocm_lsp.core.engine.render import render
from rocm_lsp.core.text import LineIndex, Span

# Markers in Unicode's supplementary private use area B: templates do not print them (a text
# that holds one is not traced), and filters leave them alone (not blank, not cased, no breaks).
_BEGIN = "\U0010ff00"  # _BEGIN, item number in _DIGITS, _SEP: an output item starts
_SEP = "\U0010ff01"
_END = "\U0010ff02"  # the innermost open item ends
_DIGITS = "".join(chr(0x10FF10 + d) for d in range(10))
_MARKER = re.compile(f"{_BEGIN}([{_DIGITS[0]}-{_DIGITS[-1]}]+){_SEP}|{_END}")
_MARKER_CHARS = re.compile(f"[{_BEGIN}-{_END}{_DIGITS[0]}-{_DIGITS[-1]}]")
_TO_INT = str.maketrans(_DIGITS, "0123456789")
_FROM_INT = str.maketrans("0123456789", _DIGITS)

_BREAK = re.compile(r"\r\n|\r|\n")  # what ends a line for the C preprocessor
_NOT_BLANK = re.compile(r"[^ \t\f\v]")

# Statements whose body Jinja renders into a string (not straight to the output).
_BUFFERED = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)
# Statements that write output other than through an ``Output`` node of their own.
_EMITTING = (nodes.CallBlock, nodes.FilterBlock, nodes.Include)


@dataclass(frozen=True)
class LineMap:
    """The template line of every rendered line.

    ``lines[i]`` is the 1-based template line of rendered line ``i`` (0-based), where the rendered
    lines are the text split at ``\\n``, ``\\r\\n`` and ``\\r`` (a final line break starts no line).
    ``verbatim[i]`` says that rendered line ``i`` is template data copied whole, from the start of
    a template line to its break: it equals the template line's text (False does not say it
    differs: a line cut by whitespace control or ending the data is not known to be whole).
    ``nested`` says whether text from macros and blocks maps to their own lines (True) or to the
    line of the expression or statement that emits it (False).
    """

    lines: list[int]
    verbatim: list[bool]
    nested: bool
    segments: list[tuple[Segment, ...]]  # per rendered line: where its columns came from


@dataclass(frozen=True)
class Segment:
    """A run of a rendered line (columns ``start``..``end``, 0-based characters) and its origin.

    ``literal``: the run is template text copied as it stands, ``template`` (as long as the run);
    else ``template`` is the ``{{ … }}`` tag whose value the run is part of, or None where the
    origin has no column (a ``{% filter %}`` block, a ``{% call %}`` statement, text rewritten by
    a filter, a template the lexer and the parser disagree on).
    """

    start: int
    end: int
    template: Span | None
    literal: bool


@dataclass
class _Item:
    line: int
    data: str | None  # the template data of a data item; None for an expression
    ordinal: int | None = None  # its place among the template's output items (None: a statement)


@dataclass
class _Use:
    """One rendering of an item (an item inside a loop or macro renders several times)."""

    item: _Item
    start: int  # offset of its first character in the rendered text
    outer: _Use | None = None  # the outermost use around it (None: it is one)
    rewritten: bool = False  # text inside this outermost use came out changed (e.g. by a filter)
    newlines: int = -1  # the number of "\n" before ``start`` (computed when needed)


def line_map(analysis: Analysis, nested: bool = True, concrete: bool = False) -> LineMap | None:
    """The template line of every line of ``analysis.rendered.text`` (``concrete``: of the text
    of ``analysis.concrete()``, the render with ``[shapes]`` substituted).

    None when there is no rendered text (the render failed) or when the template's output
    cannot be traced (it contains the marker characters, or the second render hit the budget).
    """
    rendered = analysis.concrete() if concrete else analysis.rendered
    if rendered is None or rendered.text is None or analysis.template is None:
        return None
    if _MARKER_CHARS.search(rendered.text):
        return None
    static = analysis.static or (concrete and bool(analysis.header.shapes))  # as concrete() does
    for level in (True, False) if nested else (False,):
        traced = _trace(analysis, level, static)
        if traced is None or traced[0] != rendered.text:
            continue
        text, uses, starts, outputs = traced
        lines, verbatim = _lines(text, uses, starts)
        origins = _Origins(analysis.text, analysis.index, outputs)
        return LineMap(lines, verbatim, level, _segments(text, uses, starts, origins))
    return None


# -- tracing -----------------------------------------------------------------------------------


class _Instrumenter:
    """Brackets every output item of a Jinja AST with markers (in place)."""

    def __init__(self, nested: bool) -> None:
        self.nested = nested
        self.items: list[_Item] = []
        self.outputs = 0  # output items seen, instrumented or not (in source order)

    def begin(self, line: int, data: str | None, ordinal: int | None = None) -> nodes.TemplateData:
        number = str(len(self.items)).translate(_FROM_INT)
        self.items.append(_Item(line, data, ordinal))
        return nodes.TemplateData(_BEGIN + number + _SEP, lineno=line)

    def visit(self, node: nodes.Node, buffered: bool) -> None:
        """Instrument the statement lists under ``node``."""
        for field in node.fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                if field in ("body", "else_"):
                    setattr(node, field, self.statements(value, buffered))
                else:  # If.elif_: the If nodes of the elif branches
                    for child in value:
                        if isinstance(child, nodes.Stmt):
                            self.visit(child, buffered)

    def statements(self, body: list[nodes.Node], buffered: bool) -> list[nodes.Node]:
        instrument = self.nested or not buffered
        out: list[nodes.Node] = []
        for stmt in body:
            if isinstance(stmt, nodes.Output):
                first, self.outputs = self.outputs, self.outputs + len(stmt.nodes)
                if instrument:
                    children: list[nodes.Expr] = []
                    for ordinal, child in enumerate(stmt.nodes, first):
                        data = child.data if isinstance(child, nodes.TemplateData) else None
                        end = nodes.TemplateData(_END, lineno=child.lineno)
                        children += [self.begin(child.lineno, data, ordinal), child, end]
                    stmt.nodes = children
                out.append(stmt)
                continue
            self.visit(stmt, buffered or isinstance(stmt, _BUFFERED))
            if instrument and isinstance(stmt, _EMITTING):
                line = stmt.lineno
                out.append(nodes.Output([self.begin(line, None)], lineno=line))
                out.append(stmt)
                out.append(nodes.Output([nodes.TemplateData(_END, lineno=line)], lineno=line))
            else:
                out.append(stmt)
        return out


def _trace(
    analysis: Analysis, nested: bool, static: bool
) -> tuple[str, list[_Use | None], list[int], int] | None:
    """Render an instrumented copy: the text without markers, the item uses and their starts, and
    the number of output items in the template."""
    if analysis.ast is None:
        return None
    env = environment()
    try:
        ast = copy.deepcopy(analysis.ast, {id(env): env})  # analysis.ast stays as it is
        instrumenter = _Instrumenter(nested)
        instrumenter.visit(ast, False)
        ast.set_environment(env)
        template, _ = compile_template(ast)
    except (jinja2.TemplateError, SyntaxError, RecursionError):
        return None
    result = render(template, analysis.header, analysis.profile, static, warm=needs_sympy(analysis.text))
    if result.text is None:
        return None
    decoded = _decode(result.text, instrumenter.items)
    return None if decoded is None else (*decoded, instrumenter.outputs)


def _decode(marked: str, items: list[_Item]) -> tuple[str, list[_Use | None], list[int]] | None:
    """The text without markers, cut into runs: run k starts at ``starts[k]`` and belongs to the
    innermost item use open there, ``uses[k]`` (None outside every item)."""
    pieces = _MARKER.split(marked)  # text, item number or None (an end), text, …
    texts = pieces[0::2]
    size = len(texts[0])
    starts = [0]
    uses: list[_Use | None] = [None]
    stack: list[_Use] = []
    top: _Use | None = None
    for number, piece in zip(pieces[1::2], texts[1:]):
        if number is not None:
            index = int(number.translate(_TO_INT))
            if index >= len(items) or (top is not None and top.item.data is not None):
                return None  # not our marker, or a marker inside template data
            top = _Use(items[index], size, stack[0] if stack else None)
            stack.append(top)
        elif top is None:
            return None
        else:
            data = top.item.data
            if data is not None and (size - top.start != len(texts[0]) or texts[0] != data):
                (top.outer or top).rewritten = True
            stack.pop()
            top = stack[-1] if stack else None
        if starts[-1] == size:  # the run before is empty: it is this one
            uses[-1] = top
        elif uses[-1] is not top:
            starts.append(size)
            uses.append(top)
        texts[0] = piece  # the text after this marker
        size += len(piece)
    if stack:
        return None
    return "".join(pieces[0::2]), uses, starts


def _lines(text: str, uses: list[_Use | None], starts: list[int]) -> tuple[list[int], list[bool]]:
    """The template line and verbatim flag of every line of ``text``."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    lines: list[int] = []
    verbatim: list[bool] = []
    run = 0  # the run at the current offset; offsets only grow
    last_run = len(starts) - 1
    seen = 0  # "\n" before the current line
    start = 0
    breaks = [(m.start(), m.end()) for m in _BREAK.finditer(text)]
    if (breaks[-1][1] if breaks else 0) < len(text):
        breaks.append((len(text), len(text)))  # the last line, without a break
    for end, after in breaks:
        while run < last_run and starts[run + 1] <= start:
            run += 1
        first = run
        m = _NOT_BLANK.search(text, start, end)
        offset = m.start() if m else start  # a blank line: its first character (maybe the break)
        while run < last_run and starts[run + 1] <= offset:
            run += 1
        use = uses[run]
        if use is not None and (use.outer or use).rewritten:
            use = use.outer or use  # template data rewritten inside: all of it is that statement's
        if use is None:  # outside every item: only if an item escaped the markers
            lines.append(lines[-1] if lines else 1)
            verbatim.append(False)
        elif use.item.data is None or use.rewritten:
            lines.append(use.item.line)
            verbatim.append(False)
        else:
            if use.newlines < 0:
                use.newlines = bisect.bisect_left(newlines, use.start)
            lines.append(use.item.line + seen - use.newlines)
            verbatim.append(
                after > end  # the line has its break...
                and first == run
                and (run == last_run or starts[run + 1] > end)  # ...and all of it is this data...
                and use.start < start
                and text[start - 1] == "\n"  # ...from the start of a line of the data
            )
        seen += text.count("\n", end, after)
        start = after
    return lines, verbatim


# -- columns ------------------------------------------------------------------------------------


class _Origins:
    """Where each output item stands in the template: Jinja's lexer, re-read for positions.

    The lexer gives every token's text but not its offset; the tokens follow one another in the
    text (line breaks read as ``\\n``) except for whitespace a ``-`` strips before a tag, so the
    offsets are found by walking the text. Each data token is one ``TemplateData`` of the parsed
    template and each ``{{`` opens one expression, in the order the instrumenter numbers output
    items (``ordinal``); an item whose token is not what the parser made has no origin.
    """

    def __init__(self, text: str, index: LineIndex, outputs: int) -> None:
        self.index = index
        self.normal = "\n".join(_BREAK.split(text))  # as the lexer reads it: same lines, columns
        self.normal_index = LineIndex(self.normal)
        found = self._tokens()
        self.places = found if found is not None and len(found) == outputs else None
        self.matches: dict[int, bool] = {}  # ordinal -> whether its token is the parser's item

    def _tokens(self) -> list[tuple[int, int, bool]] | None:
        """(start, end, is data) of each data token and each ``{{ … }}`` tag, in order."""
        places: list[tuple[int, int, bool]] = []
        text, pos, tag = self.normal, 0, -1
        try:
            for _, kind, value in environment().lexer.tokeniter(text, None):
                if not text.startswith(value, pos):
                    stripped = _SPACE.match(text, pos)
                    if stripped is None or not text.startswith(value, stripped.end()):
                        return None
                    pos = stripped.end()
                if kind == "data":
                    places.append((pos, pos + len(value), True))
                elif kind == "variable_begin":
                    tag = pos
                elif kind == "variable_end":
                    places.append((tag, pos + value.index("}}") + 2, False))
                pos += len(value)
        except (jinja2.TemplateError, RuntimeError, RecursionError):
            return None
        return places

    def offset(self, normal: int) -> int:
        """The template offset of an offset of ``normal``."""
        return self.index.offset(*self.normal_index.position(normal))

    def of(self, use: _Use, at: int, length: int) -> tuple[Span | None, bool]:
        """The origin of ``length`` characters of ``use``'s text from rendered offset ``at``."""
        outer = use.outer or use
        if outer.rewritten:
            use = outer  # text rewritten inside: all of it is the outermost item's
        ordinal = use.item.ordinal
        if self.places is None or ordinal is None or use.rewritten:
            return None, False
        start, end, data = self.places[ordinal]
        if ordinal not in self.matches:
            self.matches[ordinal] = data == (use.item.data is not None) and (
                not data or self.normal[start:end] == use.item.data
            )
        if not self.matches[ordinal]:
            return None, False
        if not data:
            return Span(self.offset(start), self.offset(end)), False
        first = self.offset(start + at - use.start)
        return Span(first, first + length), True


def _segments(
    text: str, uses: list[_Use | None], starts: list[int], origins: _Origins
) -> list[tuple[Segment, ...]]:
    """The segments of every line of ``text``: one per run of an item use within the line."""
    out: list[tuple[Segment, ...]] = []
    run = 0
    start = 0
    breaks = [(m.start(), m.end()) for m in _BREAK.finditer(text)]
    if (breaks[-1][1] if breaks else 0) < len(text):
        breaks.append((len(text), len(text)))
    for end, after in breaks:
        line: list[Segment] = []
        pos = start
        while pos < end:
            while run + 1 < len(starts) and starts[run + 1] <= pos:
                run += 1
            stop = min(end, starts[run + 1] if run + 1 < len(starts) else end)
            use = uses[run]
            span, literal = (None, False) if use is None else origins.of(use, pos, stop - pos)
            line.append(Segment(pos - start, stop - start, span, literal))
            pos = stop
        out.append(tuple(line))
        start = after
    return out


@dataclass(frozen=True)
class Place:
    """Where in the template a compiler's position is: ``span``, and whether it is the whole
    ``{{ … }}`` tag whose value holds the position (``expansion``)."""

    span: Span
    expansion: bool


_SPACE = re.compile(r"\s+")  # what a "-" strips before a tag (str.rstrip's whitespace)
_WORD = re.compile(r"\w+")
_BLANK = " \t\f\v"
_UCN = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")


def _units(text: str) -> list[tuple[str, int]]:
    """The characters of a line that count when it is compared with the line a compiler printed,
    each with its column: no blanks, no comments, ``\\uXXXX``/``\\UXXXXXXXX`` as what it names."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        if text[i] in _BLANK:
            i += 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = len(text) if close < 0 else close + 2
        elif text.startswith("//", i):
            break
        elif (ucn := _UCN.match(text, i)) and int(ucn.group(1) or ucn.group(2), 16) <= 0x10FFFF:
            out.append((chr(int(ucn.group(1) or ucn.group(2), 16)), i))
            i = ucn.end()
        else:
            out.append((text[i], i))
            i += 1
    return out


def _align(excerpt: str, line: str) -> tuple[dict[int, int], bool]:
    """Which column of ``line`` each column of ``excerpt`` is, where ``excerpt`` is a line a
    compiler printed under a message, and whether all of them match (True: ``excerpt`` is
    ``line``). Blanks may differ (clang expands tabs, nvcc collapses runs and indents), comments
    may be gone and ``\\u`` escapes stand for characters (nvcc); nvcc prints the line with its
    macros expanded, so only the columns before and after the first and last difference map."""
    printed, source = _units(excerpt), _units(line)
    common = min(len(printed), len(source))
    head = 0
    while head < common and printed[head][0] == source[head][0]:
        head += 1
    tail = 0
    while tail < common - head and printed[-1 - tail][0] == source[-1 - tail][0]:
        tail += 1
    pairs = [
        *zip(printed[:head], source[:head]),
        *zip(printed[len(printed) - tail :], source[len(source) - tail :]),
    ]
    return {a: b for (_, a), (_, b) in pairs}, head == len(printed) == len(source)


def _caret(aligned: dict[int, int], excerpt: str, caret: int) -> int | None:
    """The column of the line that the caret under ``excerpt[caret]`` marks (just past a
    character when it stands right after it, at a blank or the end)."""
    if caret in aligned:
        return aligned[caret]
    if caret - 1 in aligned and (caret >= len(excerpt) or excerpt[caret] in _BLANK):
        return aligned[caret - 1] + 1
    return None


@dataclass(frozen=True)
class CompilerSource:
    """The source a compiler reads for a template, and the way back from its positions.

    ``text`` is the rendered text with ``#line`` directives (the rendered text itself when it
    could not be traced); ``numbers[i]`` is the line number the compiler gives rendered line
    ``i`` (None: not known), which is ``lines.lines[i]`` except inside a logical line continued by
    a backslash or a block comment, where no directive can go.
    """

    text: str
    rendered: str
    lines: LineMap | None
    numbers: tuple[int | None, ...] = ()

    @functools.cached_property
    def _rows(self) -> tuple[list[str], dict[int, list[int]]]:
        """The rendered lines, and the rendered lines the compiler gives each number."""
        rows: dict[int, list[int]] = {}
        for row, number in enumerate(self.numbers):
            if number is not None:
                rows.setdefault(number, []).append(row)
        return _BREAK.split(self.rendered), rows

    def place(
        self, line: int, column: int = 0, excerpt: str = "", caret: int = -1, caret_width: int = 0
    ) -> Place | None:
        """The template range of a compiler's message at ``line`` (its ``#line`` number) and
        ``column`` (1-based, 0: none), with the source line it printed under the message
        (``excerpt``) and its caret (``excerpt[caret]``, marking ``caret_width`` characters).

        The column of a rendered line is the caret's, else the compiler's where bytes, characters
        and display columns agree (ASCII without tabs). Every rendered line the compiler numbers
        ``line`` (a loop body, a macro, a hook's expansion give several) that can be the one it
        printed must map that column to the same range; otherwise, or when the column is not known
        for sure, None: only the line is known.
        """
        if self.lines is None or not self.lines.segments:
            return None
        rendered, by_number = self._rows
        rows = by_number.get(line, [])
        aligned = {row: _align(excerpt, rendered[row]) if excerpt else ({}, False) for row in rows}
        if any(whole for _, whole in aligned.values()):
            rows = [row for row in rows if aligned[row][1]]  # the lines it printed
        found: set[Place | None] = set()
        for row in rows:
            text, (mapped, _) = rendered[row], aligned[row]
            at = _caret(mapped, excerpt, caret) if caret >= 0 else None
            if at is None and column > 0 and text.isascii() and "\t" not in text:
                if column - 1 > len(text):
                    continue  # too short to hold the column: another line numbered the same
                at = column - 1
            found.add(
                None if at is None else _place(text, self.lines.segments[row], at, mapped, caret, caret_width)
            )
            if len(found) > 1:
                return None
        return found.pop() if len(found) == 1 else None


def _place(
    text: str, segments: tuple[Segment, ...], at: int, aligned: dict[int, int], caret: int, caret_width: int
) -> Place | None:
    """The template range of the token at column ``at`` of a rendered line (a caret's range, else
    the word there, else one character)."""
    if not segments:
        return None
    if at == len(text):  # just past the last character: after it
        last = segments[-1]
        if last.template is None:
            return None
        if not last.literal:
            return Place(last.template, True)
        return Place(Span(last.template.end, last.template.end), False)
    if at > len(text):
        return None
    end = None
    if caret_width > 1:
        end = aligned.get(caret + caret_width - 1)
        end = None if end is None or end < at else end + 1
    if end is None:
        word = _WORD.match(text, at)
        end = word.end() if word else at + 1
    return _range(segments, at, end)


def _range(segments: tuple[Segment, ...], start: int, end: int) -> Place | None:
    """The template range of columns ``start``..``end`` of a rendered line: from where ``start``
    came from to where ``end - 1`` came from, if every segment between is known and they follow
    one another in the template; else that of ``start`` alone (clipped to its segment)."""
    covered = [s for s in segments if s.start < end and s.end > start]
    first = covered[0]
    if first.template is None:
        return None
    if not first.literal:
        head = first.template.start
    else:
        head = first.template.start + start - first.start
    spans = [s.template for s in covered]
    if all(span is not None for span in spans) and all(
        a is not None and b is not None and a.end <= b.start for a, b in zip(spans, spans[1:])
    ):
        last = covered[-1]
        assert last.template is not None
        tail = last.template.start + end - last.start if last.literal else last.template.end
    else:
        tail = (
            first.template.start + min(end, first.end) - first.start if first.literal else first.template.end
        )
    return Place(Span(head, tail), not first.literal)


def compiler_source(analysis: Analysis, filename: str) -> CompilerSource:
    """The rendered text of ``analysis`` with ``#line`` directives naming ``filename``, so the
    compiler reports template lines, and what maps its positions back (:meth:`CompilerSource.place`)."""
    assert analysis.rendered is not None and analysis.rendered.text is not None
    rendered = analysis.rendered.text
    mapping = line_map(analysis)
    if mapping is None:  # the text could not be traced: compile it without directives
        return CompilerSource(rendered, rendered, None)
    try:
        text, numbers = _directives(rendered, mapping.lines, filename)
    except ValueError:  # e.g. a file name with a line break
        return CompilerSource(rendered, rendered, None)
    return CompilerSource(text, rendered, mapping, tuple(numbers))


# -- #line directives --------------------------------------------------------------------------

_SPLICE = re.compile(r"\\[ \t\f\v]*\Z")  # a backslash ending a line joins the next one to it
_TOKEN = re.compile(
    r"""(?P<block>/\*)
    | (?P<comment>//)
    | (?:u8|[uUL])?R"(?P<delim>[^ ()\\\t\v\f]{0,16})\(
    | (?:u8|[uUL])?"(?:[^"\\]|\\.)*(?:"|\\?\Z)
    | (?:u8|[uUL])?'(?:[^'\\]|\\.)*(?:'|\\?\Z)
    | \.?[0-9](?:[eEpP][+-]|'(?=\w)|[\w.])*
    | [A-Za-z_]\w*""",
    re.X,
)
_DIRECTIVE = re.compile(r"[ \t\f\v]*#[ \t\f\v]*(\w*)")
# ``#include <a/*b>``: a header name is not scanned for comments
_HEADER_NAME = re.compile(
    r"[ \t\f\v]*#[ \t\f\v]*(?:include|include_next|import|embed)[ \t\f\v]*(?:<[^>]*>|\"[^\"]*\")"
)
_CONDITIONAL_OPEN = {"if", "ifdef", "ifndef"}
_CONDITIONAL_NEXT = {"elif", "elifdef", "elifndef", "else", "endif"}


def _scan(line: str, until: str | None) -> str | None:
    """The lexical state after a logical line: None (code), or what closes the block comment
    or raw string still open (``*/``, ``)delim"``). ``until`` is the state before it."""
    pos = 0
    if until is not None:
        close = line.find(until)
        if close < 0:
            return until
        pos = close + len(until)
    while True:
        m = _TOKEN.search(line, pos)
        if m is None:
            return None
        if m.group("comment"):
            return None
        closing = "*/" if m.group("block") else None
        if m.group("delim") is not None:
            closing = ")" + m.group("delim") + '"'
        pos = m.end()
        if closing is not None:
            close = line.find(closing, pos)
            if close < 0:
                return closing
            pos = close + len(closing)


def _quote(filename: str) -> str:
    if any(c in filename for c in "\r\n\0"):
        raise ValueError(f"a #line file name cannot hold a line break or NUL: {filename!r}")
    return '"' + filename.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_line_directives(rendered_text: str, lines: LineMap | Sequence[int], filename: str) -> str:
    """``rendered_text`` with ``#line N "filename"`` directives, so that the C preprocessor gives
    rendered line ``i`` the number ``lines[i]``.

    A directive is inserted only where the numbering would otherwise be wrong, always on a line
    of its own between two rendered lines, and never where it would not be a directive: not after
    a line ending in a backslash (a macro definition goes on), not inside a block comment or a
    raw string literal. There the numbering is restored at the next line that allows it. After
    ``#else``/``#elif``/``#endif`` it is restored too when a directive was inserted inside the
    conditional (a skipped group ignores it), and after the text's own ``#line`` directives.
    Removing the inserted lines gives back ``rendered_text`` exactly.
    """
    return _directives(rendered_text, lines.lines if isinstance(lines, LineMap) else lines, filename)[0]


def _directives(rendered_text: str, lines: Sequence[int], filename: str) -> tuple[str, list[int | None]]:
    """:func:`with_line_directives`, and the number the preprocessor gives each rendered line."""
    numbers = list(lines)
    spans: list[tuple[int, int, int]] = []  # (start, end of content, end with the break)
    start = 0
    for brk in _BREAK.finditer(rendered_text):
        spans.append((start, brk.start(), brk.end()))
        start = brk.end()
    if start < len(rendered_text):
        spans.append((start, len(rendered_text), len(rendered_text)))
    if len(spans) != len(numbers):
        raise ValueError(f"the text has {len(spans)} lines but the line map {len(numbers)}")
    if any(not isinstance(n, int) or n < 1 or n > 2147483647 for n in numbers):
        raise ValueError("#line numbers must be integers from 1 to 2147483647")
    quoted = _quote(filename)
    out: list[str] = []
    presumed: int | None = None  # the number the preprocessor gives the next line; None: unknown
    state: str | None = None  # lexical state at the start of the next logical line
    depth = 0  # #if nesting
    inserted_in_conditional = False
    logical: list[str] = []  # the physical lines of the logical line being read
    given: list[int | None] = []
    for (begin, content_end, end), number in zip(spans, numbers):
        content = rendered_text[begin:content_end]
        if not logical and state is None and presumed != number:
            out.append(f"#line {number} {quoted}\n")
            presumed = number
            inserted_in_conditional = depth > 0
        out.append(rendered_text[begin:end])
        given.append(presumed)
        presumed = None if presumed is None else presumed + 1
        if _SPLICE.search(content) and end > content_end:
            logical.append(content[: content.rindex("\\")])
            continue
        logical.append(content)
        joined = "".join(logical)
        logical = []
        m = _DIRECTIVE.match(joined) if state is None else None
        header = _HEADER_NAME.match(joined) if m else None
        state = _scan(joined[header.end() :] if header else joined, state)
        if m is None:
            continue
        name = m.group(1)
        if name in _CONDITIONAL_OPEN:
            depth += 1
        elif name in _CONDITIONAL_NEXT:
            if name == "endif":
                depth = max(0, depth - 1)
            if inserted_in_conditional:
                presumed = None  # the directive may have been in a skipped group
                inserted_in_conditional = depth > 0
        elif name == "line" or name[:1].isdigit():
            presumed = None  # the text's own line directive renumbered it
    return "".join(out), given


__all__ = [
    "CompilerSource",
    "LineMap",
    "Place",
    "Segment",
    "compiler_source",
    "line_map",
    "with_line_directives",
]
