"""Inductor's own Python template modules, read statically.

PyTorch keeps most ROCm templates in Python modules (``torch/_inductor/codegen/rocm/ck_*.py``):
Jinja strings in class attributes, module constants or locals, rendered from Python with
``self._template_from_string(self.gemm_template).render(name=value, …)``, with
``kernel.def_kernel(…)`` called in Python and passed in as ``kernel_definition``.

:func:`analyze_python` reads such a module with tree-sitter-python (error tolerant, never
imports or runs it), binds every ``.render(…)`` call to the string(s) it renders and checks:

- each template string's Jinja syntax (``RL110``) and any hook calls inside it (``RL2xx``);
- names a template reads that a render call does not pass (``RL501``), per call, leaving out
  ``{% if flag %}`` branches the call disables with a literal (``flag=False``) and names
  guarded by ``is defined``; a call with a ``**mapping`` we cannot read is *open* and never
  gets RL501;
- keyword arguments a template never reads (``RL502``) and ones passed twice (``RL503``);
- ``kernel.def_kernel(…)`` calls in Python with literal arguments: the hook checks of
  template files (``RL201``–``RL208``, ``RL206`` for the 2.13 ``size_args``).

Findings sit at the exact place in the ``.py`` text: offsets inside a string literal are
mapped through its prefix, quotes, escapes and implicit concatenation (:class:`SourceMap`).
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine import hook_checks
from rocm_lsp.core.engine.analysis import (
    MAX_TEMPLATE_BYTES,
    Analysis,
    _compile_error,
    _loop_scopes,
    _syntax,
    too_deep,
)
from rocm_lsp.core.engine.header import JINJA_GLOBALS, Header
from rocm_lsp.core.engine.jinja_env import compile_template, environment, undeclared_names
from rocm_lsp.core.engine.structure import Argument, HookSite, NameRef, Value, _Offsets, outline
from rocm_lsp.core.model.profiles import DEFAULT_PYTHON_PROFILE, canonical_profile
from rocm_lsp.core.text import LineIndex, Span

DEFAULT_PROFILE = DEFAULT_PYTHON_PROFILE
TEMPLATE_FACTORY = "_template_from_string"

ModuleReader = Callable[[str], "str | None"]
"""Text of a module named in an import (``pkg.mod`` or ``.mod``), or None: how base classes
and constants defined next to the analysed module are found (``check`` reads the same
directory)."""

_JINJA_MARK = re.compile(r"\{\{|\{%")
_ASSIGNED_STRING = re.compile(r"^[ \t]*\w+\s*(?::[^=\n]*)?=\s*\(?\s*[rRuUfF]{0,2}(?:\"|')", re.M)
# A module for ROCm's template kernel: only there are `def_kernel` and the hooks rocm-2.13's.
_ROCM_NAMES = re.compile(r"\bROCm\w*(?:Template|Kernel)\w*\b|\bCK\w*Template\b")
_FORMATTED = re.compile(r"(\w+)\.format(?:_map)?\(")
_SUPPRESS = re.compile(r"#-?\s*rocm-lsp:\s*ignore\[([A-Z0-9,\s]+)\]")
_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}
_MAX_DEPTH = 8  # resolution steps (name -> name -> attribute …) and foreign modules deep
_NESTED_SCOPES = ("function_definition", "class_definition", "lambda")


def holds_templates(text: str) -> bool:
    """Cheap textual pre-filter for directory walks: might this module hold Inductor templates?"""
    if TEMPLATE_FACTORY in text or ".def_kernel(" in text:
        return True
    return _JINJA_MARK.search(text) is not None and _ASSIGNED_STRING.search(text) is not None


# -- where a string's characters are in the file ----------------------------------------


@dataclass(frozen=True)
class SourceMap:
    """Where each character of a string literal's *value* sits in the Python text.

    ``segments`` are ``(value_start, value_length, file_start, file_length)``: a run copied
    verbatim has equal lengths; an escape (``\\n``, ``{{`` in an f-string, a line
    continuation) maps its one (or zero) value characters onto its whole source.
    """

    segments: tuple[tuple[int, int, int, int], ...]
    length: int  # of the value
    end: int  # file offset just past the last character (before the closing quote)

    def _segment(self, i: int) -> tuple[int, int, int, int] | None:
        k = bisect.bisect_right(self.segments, i, key=lambda s: s[0]) - 1
        while k >= 0 and self.segments[k][1] == 0:
            k -= 1
        return self.segments[k] if k >= 0 else None

    def to_file(self, i: int) -> int:
        """File offset of value character ``i`` (``length`` maps to the end)."""
        if i >= self.length or not self.segments:
            return self.end
        seg = self._segment(max(i, 0))
        if seg is None:
            return self.segments[0][2]
        vs, vn, fs, fn = seg
        return fs + (i - vs) if vn == fn else fs

    def span_to_file(self, span: Span) -> Span:
        start = self.to_file(span.start)
        if span.end <= span.start:
            return Span(start, start)
        seg = self._segment(min(span.end, self.length) - 1)
        if seg is None:
            return Span(start, start)
        vs, vn, fs, fn = seg
        end = fs + (min(span.end, self.length) - 1 - vs) + 1 if vn == fn else fs + fn
        return Span(start, max(end, start))

    def to_value(self, offset: int) -> int | None:
        """Value index of a file offset inside the literal, or None outside it."""
        if offset == self.end:
            return self.length
        for vs, vn, fs, fn in self.segments:
            if fs <= offset < fs + fn:
                return vs + (offset - fs if vn == fn else 0)
        return None


class _MapBuilder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.segments: list[list[int]] = []

    def copy(self, ch: str, file_at: int) -> None:
        last = self.segments[-1] if self.segments else None
        if (
            last
            and last[1] == last[3]
            and last[0] + last[1] == len(self.chars)
            and last[2] + last[3] == file_at
        ):
            last[1] += 1
            last[3] += 1
        else:
            self.segments.append([len(self.chars), 1, file_at, 1])
        self.chars.append(ch)

    def escape(self, value: str, file_at: int, file_len: int) -> None:
        self.segments.append([len(self.chars), len(value), file_at, file_len])
        self.chars.extend(value)


def _decode_piece(text: str, start: int, end: int, out: _MapBuilder) -> int | None:
    """Decode one ``string`` literal ``text[start:end]`` into ``out``; its body end, or None
    for bytes/template strings, f-strings with placeholders, broken literals."""
    src = text[start:end]
    n = 0
    while n < len(src) and src[n] in "rRbBuUfFtT":
        n += 1
    prefix = src[:n].lower()
    if "b" in prefix or "t" in prefix:
        return None
    rest = src[n:]
    quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
    if quote not in ('"', "'", '"""', "'''") or len(rest) < 2 * len(quote) or not rest.endswith(quote):
        return None
    raw, fmt = "r" in prefix, "f" in prefix
    i, stop = start + n + len(quote), end - len(quote)
    while i < stop:
        c = text[i]
        if c == "\r":  # Python reads CRLF and CR as one newline
            width = 2 if i + 1 < stop and text[i + 1] == "\n" else 1
            out.escape("\n", i, width)
            i += width
        elif c == "\\" and raw:
            out.copy(c, i)  # kept, and so is the character after it (handled next)
            i += 1
        elif c == "\\" and i + 1 < stop:
            escaped = _escape(text, i, stop, out)
            if escaped is None:
                return None
            i += escaped
        elif fmt and c in "{}":
            if i + 1 < stop and text[i + 1] == c:
                out.escape(c, i, 2)
                i += 2
            else:
                return None  # a placeholder (or a stray brace): not a constant string
        else:
            out.copy(c, i)
            i += 1
    return stop


def _escape(text: str, i: int, stop: int, out: _MapBuilder) -> int | None:
    """One backslash escape of a non-raw literal at ``text[i]``; its source width."""
    nxt = text[i + 1]
    if nxt == "\n":
        out.escape("", i, 2)
        return 2
    if nxt == "\r":
        width = 3 if text.startswith("\r\n", i + 1) else 2
        out.escape("", i, width)
        return width
    if nxt in _SIMPLE_ESCAPES:
        out.escape(_SIMPLE_ESCAPES[nxt], i, 2)
        return 2
    if nxt in "01234567":
        j = i + 1
        while j < min(stop, i + 4) and text[j] in "01234567":
            j += 1
        out.escape(chr(int(text[i + 1 : j], 8)), i, j - i)
        return j - i
    if nxt in _HEX_DIGITS:
        digits = text[i + 2 : i + 2 + _HEX_DIGITS[nxt]]
        if len(digits) != _HEX_DIGITS[nxt] or i + 2 + len(digits) > stop:
            return None
        try:
            out.escape(chr(int(digits, 16)), i, 2 + len(digits))
        except ValueError:
            return None
        return 2 + len(digits)
    if nxt == "N":
        close = text.find("}", i, stop)
        if not text.startswith("{", i + 2) or close == -1:
            return None
        try:
            out.escape(unicodedata.lookup(text[i + 3 : close]), i, close + 1 - i)
        except KeyError:
            return None
        return close + 1 - i
    out.copy("\\", i)  # an unknown escape keeps its backslash
    return 1


# -- results ---------------------------------------------------------------------------


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


def _unreadable(text: str, reason: str) -> PythonAnalysis:
    diag = make("RL100", reason, Span(0, 0))
    return PythonAnalysis(text, LineIndex(text), (), (), (), (diag,))


def analyze_python(
    text: str, profile: str | None = None, read_module: ModuleReader | None = None, profile_reason: str = ""
) -> PythonAnalysis:
    """Analyse a Python module's Inductor templates; never raises, never runs the code."""
    if "\x00" in text:
        return _unreadable(text, "file contains a NUL byte: it is binary, not Python source")
    if len(text) > MAX_TEMPLATE_BYTES:
        return _unreadable(text, f"file is larger than {MAX_TEMPLATE_BYTES >> 20} MiB: not analysed")
    profile = canonical_profile(profile) or DEFAULT_PROFILE
    try:
        found = _Analyzer(text, profile, read_module).run()
    except Exception:  # noqa: BLE001 - a module we cannot follow gives no findings, never a crash
        found = PythonAnalysis(text, LineIndex(text), (), (), (), (), profile)
    return dataclasses.replace(found, profile_reason=profile_reason)


# -- the module model -------------------------------------------------------------------

Node = Any  # tree_sitter.Node


@functools.cache
def _parser() -> Any:
    import tree_sitter_python
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_python.language()))


def _key(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def _unwrap(node: Node) -> Node:
    for _ in range(64):
        if node is None or node.type != "parenthesized_expression":
            return node
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


@dataclass
class _Class:
    name: str
    bases: list[str]
    attrs: dict[str, Node]
    methods: set[str]


class _Module:
    """One parsed module: its constants, classes and imports."""

    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label
        data = text.encode("utf-8", "surrogatepass")
        self.off = _Offsets(text, data)
        self.root = _parser().parse(data).root_node
        self.consts: dict[str, Node | None] = {}
        self.classes: dict[str, _Class] = {}
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (module, name there)
        self._scan(self.root, top=True)

    def span(self, node: Node) -> Span:
        return Span(self.off(node.start_byte), self.off(node.end_byte))

    def src(self, node: Node) -> str:
        s = self.span(node)
        return self.text[s.start : s.end]

    def _scan(self, block: Node, top: bool) -> None:
        for child in block.named_children:
            node = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if node is None:
                continue
            if node.type == "class_definition" and top:
                self._class(node)
            elif node.type == "expression_statement" and top:
                for statement in node.named_children:
                    for name, value in _bindings(statement):
                        self.consts[name] = value  # None: rebound some other way (`+=`)
            elif node.type == "import_from_statement":
                self._import(node)
            elif node.type in ("if_statement", "try_statement", "else_clause", "except_clause", "block"):
                self._scan(node, top=False)  # imports under `if TYPE_CHECKING:` / `try:`

    def _import(self, node: Node) -> None:
        module = node.child_by_field_name("module_name")
        if module is None:
            return
        where = self.src(module)
        for name in node.children_by_field_name("name"):
            if name.type == "aliased_import":
                orig, alias = name.child_by_field_name("name"), name.child_by_field_name("alias")
                if orig is not None and alias is not None:
                    self.imports[self.src(alias)] = (where, self.src(orig))
            else:
                self.imports[self.src(name)] = (where, self.src(name))

    def _class(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None:
            return
        bases = []
        supers = node.child_by_field_name("superclasses")
        for base in supers.named_children if supers is not None else ():
            if base.type == "identifier":
                bases.append(self.src(base))
            elif base.type == "attribute":
                attr = base.child_by_field_name("attribute")
                if attr is not None:
                    bases.append(self.src(attr))
        cls = _Class(self.src(name), bases, {}, set())
        for child in body.named_children:
            item = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if item is None:
                continue
            if item.type == "expression_statement":
                for attr, value in _assignments(item):
                    cls.attrs[attr] = value
            elif item.type == "function_definition":
                fname = item.child_by_field_name("name")
                if fname is not None:
                    cls.methods.add(self.src(fname))
        self.classes[cls.name] = cls


def _assignments(statement: Node) -> Iterator[tuple[str, Node]]:
    """``name = value`` (also ``a = b = value`` and ``name: T = value``) in a statement."""
    for node in statement.named_children:
        if node.type != "assignment":
            continue
        targets = []
        while node is not None and node.type == "assignment":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                targets.append(left)
            node = node.child_by_field_name("right")
        if node is None:
            continue
        for target in targets:
            yield target.text.decode("utf-8", "replace"), node


_PATTERNS = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "tuple",
        "list",
        "parenthesized_expression",
        "expression_list",
        "as_pattern_target",
    }
)
_TARGET_FIELDS = {
    "assignment": "left",
    "augmented_assignment": "left",
    "for_statement": "left",
    "for_in_clause": "left",
    "named_expression": "name",
}


def _bindings(node: Node) -> list[tuple[str, Node | None]]:
    """The names one node binds: ``(name, value)`` for ``name = value`` (and chains), and
    ``(name, None)`` for every other binding (``+=``, unpacking, loops, ``as``, walrus…)."""
    kind = node.type
    if kind == "assignment":
        if node.parent is not None and node.parent.type == "assignment":
            return []  # the inner link of `a = b = value`: its chain's head reports it
        return [(name, value) for name, value in _assignments_of(node)]
    if kind in ("global_statement", "nonlocal_statement"):
        return [
            (c.text.decode("utf-8", "replace"), None) for c in node.named_children if c.type == "identifier"
        ]
    if kind == "as_pattern_target" or kind in _TARGET_FIELDS:
        target = node if kind == "as_pattern_target" else node.child_by_field_name(_TARGET_FIELDS[kind])
        return [(name, None) for name in _identifiers(target)]
    return []


def _assignments_of(node: Node) -> list[tuple[str, Node | None]]:
    out: list[tuple[str, Node | None]] = []
    targets = []
    while node is not None and node.type == "assignment":
        left = node.child_by_field_name("left")
        if left is not None:
            targets.append(left)
        node = node.child_by_field_name("right")
    for target in targets:
        if target.type == "identifier":
            out.append((target.text.decode("utf-8", "replace"), node))
        else:  # unpacking: `a, b = …`
            out.extend((name, None) for name in _identifiers(target))
    return out


def _identifiers(target: Node | None) -> list[str]:
    """The names a binding target binds (``a``, ``a, (b, *c)``; not ``x.attr`` or ``x[i]``)."""
    if target is None:
        return []
    if target.type == "identifier":
        return [target.text.decode("utf-8", "replace")]
    if target.type in _PATTERNS:
        return [name for child in target.named_children for name in _identifiers(child)]
    return []


def _string_value(mod: _Module, node: Node) -> tuple[str, SourceMap] | None:
    """The value of a string literal (also implicitly concatenated) and its source map."""
    node = _unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        pieces = [node]
    elif node.type == "concatenated_string":
        pieces = [c for c in node.named_children if c.type == "string"]
        if not pieces or any(c.type not in ("string", "comment") for c in node.named_children):
            return None
    else:
        return None
    out = _MapBuilder()
    end = 0
    for piece in pieces:
        if any(c.type == "interpolation" for c in piece.named_children):
            return None
        span = mod.span(piece)
        stop = _decode_piece(mod.text, span.start, span.end, out)
        if stop is None:
            return None
        end = stop
    segments = tuple((s[0], s[1], s[2], s[3]) for s in out.segments)
    return "".join(out.chars), SourceMap(segments, len(out.chars), end)


@dataclass
class _Scope:
    """Where an expression sits: its enclosing functions (innermost first) and class."""

    functions: list[Node]
    cls: _Class | None
    method: str | None
    self_name: str | None


@dataclass
class _Target:
    """A string that a ``_template_from_string`` argument resolves to."""

    module: _Module
    node: Node
    name: str


@dataclass
class _Jinja:
    """What Jinja says about one template text."""

    text: str
    index: LineIndex
    diagnostics: list[Diagnostic]  # in template offsets
    referenced: frozenset[str] | None
    names: tuple[NameRef, ...]  # in template offsets
    assigned: frozenset[str] = frozenset()
    tested: frozenset[str] = frozenset()  # operands of `is defined` / `is undefined`


@dataclass
class _Template:
    target: _Target
    value: str
    source: SourceMap
    jinja: _Jinja
    local: bool
    calls: list[RenderCall] = field(default_factory=list)
    bound: bool = False  # reached from a `_template_from_string(…)` argument


# -- the analysis -----------------------------------------------------------------------


class _Analyzer:
    def __init__(self, text: str, profile: str, read_module: ModuleReader | None) -> None:
        self.text = text
        self.profile = profile
        self.read_module = read_module
        self.module = _Module(text, "")
        self.index = LineIndex(text)
        # hooks and def_kernel are checked only where the kernel is ROCm's (CUTLASS and C++
        # templates have a `kernel` with other hooks)
        self.rocm = _ROCM_NAMES.search(text) is not None
        # a string used with str.format() is a format string, whatever braces it holds
        self.formatted = set(_FORMATTED.findall(text))
        self.foreign: dict[str, _Module | None] = {}
        self.templates: dict[tuple[str, int, int], _Template] = {}
        self.renders: list[tuple[RenderCall, list[_Template]]] = []
        self.kernel_calls: list[HookSite] = []
        self.diags: list[Diagnostic] = []
        self._locals_cache: dict[tuple[int, int], list[tuple[str, Node | None]]] = {}

    # modules ------------------------------------------------------------------------

    def _load(self, module: str) -> _Module | None:
        """Another module, through ``read_module`` (parsed once per analysis)."""
        if self.read_module is None or not module.strip("."):
            return None
        if module not in self.foreign:
            self.foreign[module] = None  # guards cycles while it loads
            try:
                text = self.read_module(module)
            except Exception:  # noqa: BLE001 - an unreadable neighbour is just unknown
                text = None
            if text is not None and "\x00" not in text and len(text) <= MAX_TEMPLATE_BYTES:
                self.foreign[module] = _Module(text, module.rsplit(".", 1)[-1] + ".py")
        return self.foreign[module]

    # templates ----------------------------------------------------------------------

    def _template(self, target: _Target, jinja_only: bool = False) -> _Template | None:
        """The template a string literal holds (``jinja_only``: only if it looks like Jinja)."""
        key = (target.module.label, *_key(target.node))
        if key in self.templates:
            return self.templates[key]
        decoded = _string_value(target.module, target.node)
        if decoded is None or (jinja_only and not _JINJA_MARK.search(decoded[0])):
            return None
        value, source = decoded
        profile = self.profile if self.rocm else None
        template = _Template(target, value, source, _jinja(value, profile), target.module is self.module)
        self.templates[key] = template
        return template

    def run(self) -> PythonAnalysis:
        mod = self.module
        for name, value in mod.consts.items():
            if _is_string(value) and name not in self.formatted:
                self._template(_Target(mod, value, name), jinja_only=True)
        for cls in mod.classes.values():
            for attr_name, value in cls.attrs.items():
                if _is_string(value) and attr_name not in self.formatted:
                    self._template(_Target(mod, value, f"{cls.name}.{attr_name}"), jinja_only=True)
        for call in _calls(mod.root):
            func = call.child_by_field_name("function")
            if func is None:
                continue
            attr = func.child_by_field_name("attribute") if func.type == "attribute" else None
            callee = attr if attr is not None else func if func.type == "identifier" else None
            name = mod.src(callee) if callee is not None else ""
            if name == TEMPLATE_FACTORY:
                arg = _first_arg(call)
                if arg is not None:
                    for target in self._resolve(mod, arg, _scope(mod, call), 0):
                        template = self._template(target)
                        if template is not None:
                            template.bound = True
            elif name == "render" and attr is not None:
                self._render(call, func, attr)
            elif (
                name == "def_kernel"
                and attr is not None
                and self.rocm
                and _is_kernel(mod.src(func.child_by_field_name("object")))
            ):
                self._def_kernel(call, func, attr)
        return self._finish()

    # resolution ---------------------------------------------------------------------

    def _resolve(self, mod: _Module, expr: Node, scope: _Scope, depth: int) -> list[_Target]:
        """The string literals an expression can be (``[]`` when unknown)."""
        expr = _unwrap(expr)
        if expr is None or depth > _MAX_DEPTH:
            return []
        if expr.type in ("string", "concatenated_string"):
            label = f"{_function_name(mod, scope.functions[0])}.<literal>" if scope.functions else "<literal>"
            return [_Target(mod, expr, label)]
        if expr.type == "identifier":
            name = mod.src(expr)
            for fn in scope.functions:
                if _is_parameter(mod, fn, name):
                    return []
                bound, value = self._local(mod, fn, name, expr.start_byte)
                if bound:
                    return (
                        []
                        if value is None
                        else self._named(mod, value, f"{_function_name(mod, fn)}.{name}", scope, depth)
                    )
            if name in mod.consts:
                value = mod.consts[name]
                return (
                    []
                    if value is None
                    else self._named(mod, value, name, _Scope([], None, None, None), depth)
                )
            if name in mod.imports:
                where, orig = mod.imports[name]
                other = self._load(where)
                if other is not None and other.consts.get(orig) is not None:
                    top = _Scope([], None, None, None)
                    return self._named(other, other.consts[orig], f"{other.label}:{orig}", top, depth)
            return []
        if expr.type == "attribute":
            obj, attr = expr.child_by_field_name("object"), expr.child_by_field_name("attribute")
            if obj is None or attr is None or obj.type != "identifier":
                return []
            owner, name = mod.src(obj), mod.src(attr)
            if scope.cls is not None and owner == scope.self_name:
                return self._class_attr(mod, scope.cls, name, scope.method, depth)
            if owner in mod.classes:
                return self._class_attr(mod, mod.classes[owner], name, None, depth)
        return []

    def _named(self, mod: _Module, value: Node, label: str, scope: _Scope, depth: int) -> list[_Target]:
        """A variable's value: the literal itself (named after the variable), or what it names."""
        if _is_string(value):
            return [_Target(mod, value, label)]
        return self._resolve(mod, value, scope, depth + 1)

    def _class_attr(
        self, mod: _Module, cls: _Class, attr: str, method: str | None, depth: int
    ) -> list[_Target]:
        """``self.attr`` in a method of ``cls``: the attribute ``cls`` sees (its own or a
        base's), and every override by a subclass of the module that inherits ``method``."""
        found = []
        top = _Scope([], None, None, None)
        hit = self._lookup(mod, cls.name, attr, set(), 0)
        if hit is not None:
            owner_mod, owner, value = hit
            label = f"{owner.name}.{attr}" if owner_mod is mod else f"{owner_mod.label}:{owner.name}.{attr}"
            found += self._named(owner_mod, value, label, top, depth)
        if method is not None:
            for other in mod.classes.values():
                if other is cls or attr not in other.attrs or method in other.methods:
                    continue
                if _is_subclass(mod, other, cls.name):
                    found += self._named(mod, other.attrs[attr], f"{other.name}.{attr}", top, depth)
        return found

    def _lookup(
        self, mod: _Module, cls_name: str, attr: str, seen: set[tuple[str, str]], depth: int
    ) -> tuple[_Module, _Class, Node] | None:
        if (mod.label, cls_name) in seen or depth > _MAX_DEPTH:
            return None
        seen.add((mod.label, cls_name))
        cls = mod.classes.get(cls_name)
        if cls is None:
            if cls_name in mod.imports:
                where, orig = mod.imports[cls_name]
                other = self._load(where)
                if other is not None:
                    return self._lookup(other, orig, attr, seen, depth + 1)
            return None
        if attr in cls.attrs:
            return mod, cls, cls.attrs[attr]
        for base in cls.bases:
            hit = self._lookup(mod, base, attr, seen, depth + 1)
            if hit is not None:
                return hit
        return None

    def _local(self, mod: _Module, fn: Node, name: str, before: int) -> tuple[bool, Node | None]:
        """Whether ``fn`` binds ``name`` (not in nested scopes), and the value when that is
        known: one plain assignment before ``before``. Two assignments, ``+=``, a loop target
        and the like make it unknown (``(True, None)``): we never guess which one runs."""
        bound = [value for target, value in self._locals(mod, fn) if target == name]
        if not bound:
            return False, None
        if len(bound) == 1 and bound[0] is not None and bound[0].start_byte < before:
            return True, bound[0]
        return True, None

    def _locals(self, mod: _Module, fn: Node) -> list[tuple[str, Node | None]]:
        """Every binding in ``fn``'s body: ``(name, value)``, value None when not a plain one."""
        key = _key(fn)
        if key not in self._locals_cache:
            found: list[tuple[str, Node | None]] = []
            body = fn.child_by_field_name("body")
            stack = [body] if body is not None else []
            while stack:
                node = stack.pop()
                if node.type in _NESTED_SCOPES:
                    continue
                found.extend(_bindings(node))
                stack.extend(reversed(node.named_children))
            self._locals_cache[key] = found
        return self._locals_cache[key]

    # render calls -------------------------------------------------------------------

    def _render(self, call: Node, func: Node, attr: Node) -> None:
        mod = self.module
        receiver = _unwrap(func.child_by_field_name("object"))
        scope = _scope(mod, call)
        source = None
        if receiver is not None and receiver.type == "call" and _is_factory(mod, receiver):
            source = _first_arg(receiver)
        elif receiver is not None and receiver.type == "identifier":
            name = mod.src(receiver)
            for fn in scope.functions:
                if _is_parameter(mod, fn, name):
                    break
                bound, value = self._local(mod, fn, name, receiver.start_byte)
                value = _unwrap(value)
                if bound:
                    if value is not None and value.type == "call" and _is_factory(mod, value):
                        source = _first_arg(value)
                    break
        if source is None:
            return
        targets = [
            t for t in (self._template(x) for x in self._resolve(mod, source, scope, 0)) if t is not None
        ]
        if not targets:
            return
        args, is_open, duplicates = self._render_args(call, scope)
        render = RenderCall(
            mod.span(call), mod.span(attr), tuple(args), is_open, tuple(t.target.name for t in targets)
        )
        for template in targets:
            template.calls.append(render)
        self.renders.append((render, targets))
        self.diags.extend(duplicates)

    def _render_args(self, call: Node, scope: _Scope) -> tuple[list[RenderArg], bool, list[Diagnostic]]:
        mod = self.module
        arglist = call.child_by_field_name("arguments")
        args: list[RenderArg] = []
        # a half-typed argument list (a syntax error inside it) may pass anything yet
        is_open = arglist is None or arglist.has_error
        for child in arglist.named_children if arglist is not None else ():
            if child.type == "comment":
                continue
            if child.type == "keyword_argument":
                key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                if key is not None and value is not None:
                    args.append(_render_arg(mod, mod.src(key), key, value))
                continue
            if child.type == "dictionary_splat":
                inner = _unwrap(child.named_children[0]) if child.named_children else None
            elif child.type in ("list_splat", "parenthesized_list_splat"):
                is_open = True
                continue
            else:
                inner = _unwrap(child)  # render({...}) takes a mapping positionally
            read = self._mapping(inner, scope, call)
            if read is None:
                is_open = True
            else:
                args.extend(read)
        duplicates = []
        seen: dict[str, RenderArg] = {}
        for arg in args:
            if arg.name in seen:
                first = seen[arg.name]
                duplicates.append(
                    make(
                        "RL503",
                        f"{arg.name} is passed to render twice: Python raises TypeError (got multiple "
                        "values for keyword argument)",
                        arg.span,
                        Related(first.span, "first passed here"),
                    )
                )
            else:
                seen[arg.name] = arg
        return args, is_open, duplicates

    def _mapping(self, node: Node, scope: _Scope, call: Node, depth: int = 0) -> list[RenderArg] | None:
        """The names a ``**mapping`` passes, when they can be read; else None."""
        mod = self.module
        if node is None or depth > 2:
            return None
        if node.type == "dictionary":
            out = []
            for pair in node.named_children:
                if pair.type == "comment":
                    continue
                if pair.type != "pair":
                    return None  # a nested **splat
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                decoded = _string_value(mod, key) if key is not None else None
                if decoded is None or value is None:
                    return None
                out.append(_render_arg(mod, decoded[0], key, value))
            return out
        if node.type == "call":
            func = node.child_by_field_name("function")
            arglist = node.child_by_field_name("arguments")
            if func is None or mod.src(func) != "dict" or arglist is None:
                return None
            out = []
            for child in arglist.named_children:
                if child.type == "comment":
                    continue
                if child.type != "keyword_argument":
                    return None
                key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                if key is None or value is None:
                    return None
                out.append(_render_arg(mod, mod.src(key), key, value))
            return out
        if node.type == "identifier" and scope.functions:
            name = mod.src(node)
            fn = scope.functions[0]
            assigned = [v for t, v in self._locals(mod, fn) if t == name]
            # read only a mapping that is built once and touched nowhere else
            if len(assigned) != 1 or _uses(mod, fn, name) != 2:
                return None
            return self._mapping(_unwrap(assigned[0]), scope, call, depth + 1)
        return None

    # def_kernel in Python -------------------------------------------------------------

    def _def_kernel(self, call: Node, func: Node, attr: Node) -> None:
        mod = self.module
        arglist = call.child_by_field_name("arguments")
        if arglist is None or arglist.has_error:
            return  # half-typed: wait until it parses
        raw: list[tuple[str | None, Node, Node, Node | None]] = []  # keyword, arg, value, key
        for child in arglist.named_children:
            if child.type == "comment":
                continue
            if child.type in ("list_splat", "dictionary_splat", "parenthesized_list_splat"):
                return  # *args / **kwargs: the binding is unknown
            if child.type == "keyword_argument":
                key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                if key is None or value is None:
                    return
                raw.append((mod.src(key), child, value, key))
            else:
                raw.append((None, child, child, None))
        conditions = {
            mod.src(_unwrap(v).named_children[1])
            for _, _, v, _ in raw
            if _unwrap(v).type == "conditional_expression" and len(_unwrap(v).named_children) == 3
        }
        # `inputs=[X, W, B] if B is not None else [X, W]` with `names_str="…" if B is not
        # None else "…"`: one condition, so check both ways it can go
        choices: tuple[int | None, ...] = (0, 2) if len(conditions) == 1 else (None,)
        object_node = func.child_by_field_name("object")
        insert_at = mod.off(object_node.end_byte) if object_node is not None else mod.off(func.start_byte)
        sites = []
        for choice in choices:
            arguments = []
            for keyword, arg, value, key in raw:
                val = _python_value(mod, value, choice)
                span = mod.span(arg)
                arguments.append(Argument(keyword, span, val, mod.span(key) if key is not None else None))
            site = HookSite(
                id=-1,
                hook="def_kernel",
                name_span=mod.span(attr),
                attribute_span=mod.span(func),
                insert_at=insert_at,
                call_span=mod.span(call),
                arguments=tuple(arguments),
                tag_span=mod.span(call),  # not a `{{ … }}`: no PT_EXPORT check
            )
            sites.append(site)
            self.diags.extend(hook_checks.check_sites(self.text, Header(), (site,), self.profile))
        self.kernel_calls.append(sites[0])

    # findings -----------------------------------------------------------------------

    def _finish(self) -> PythonAnalysis:
        mod = self.module
        # a Jinja-looking string nothing here renders is checked only in a template module
        templates_here = self.rocm or TEMPLATE_FACTORY in self.text
        local = [t for t in self.templates.values() if t.local and (t.bound or templates_here)]
        for template in local:
            for d in template.jinja.diagnostics:
                self.diags.append(_shift(d, template.source))
            self.diags.extend(self._undefined_local(template))
        for render, targets in self.renders:
            self.diags.extend(self._unused(render, targets))
            for template in targets:
                if not template.local:
                    self.diags.extend(self._undefined_foreign(render, template))
        diags = _suppress(self.text, _dedupe(self.diags))
        results = tuple(
            TemplateString(
                t.target.name,
                mod.span(_unwrap(t.target.node)),
                t.value,
                t.source,
                tuple(t.calls),
                t.jinja.referenced,
                tuple(NameRef(r.name, t.source.span_to_file(r.span)) for r in t.jinja.names),
            )
            for t in sorted(local, key=lambda t: t.target.node.start_byte)
        )
        return PythonAnalysis(
            self.text,
            self.index,
            results,
            tuple(r for r, _ in self.renders),
            tuple(self.kernel_calls),
            tuple(diags),
            self.profile,
        )

    def _missing(self, template: _Template, render: RenderCall) -> dict[str, set[int]]:
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

    def _undefined_local(self, template: _Template) -> list[Diagnostic]:
        """RL501 at each live use of a name some closed render call does not pass."""
        by_name: dict[str, list[tuple[RenderCall, set[int]]]] = {}
        for render in template.calls:
            for name, lines in self._missing(template, render).items():
                by_name.setdefault(name, []).append((render, lines))
        if not by_name:
            return []
        jinja = template.jinja
        scopes = _loop_scopes(jinja.text)
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
            message = _missing_message(
                self.index, name, [c for c, _ in calls], jinja.referenced or frozenset()
            )
            related = [Related(c.name_span, "rendered here") for c, _ in calls]
            for ref in refs:
                out.append(make("RL501", message, template.source.span_to_file(ref.span), *related))
        return out

    def _undefined_foreign(self, render: RenderCall, template: _Template) -> list[Diagnostic]:
        """RL501 at the render call, for a template defined in another module."""
        missing = sorted(self._missing(template, render))
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

    def _unused(self, render: RenderCall, targets: list[_Template]) -> list[Diagnostic]:
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


# -- Jinja ------------------------------------------------------------------------------


def _jinja(text: str, profile: str | None) -> _Jinja:
    """Parse and compile one template text: syntax findings, names read, and the hook checks
    of ``profile`` (None: none)."""
    index = LineIndex(text)
    tree = outline(text)
    analysis = Analysis(text, index, Header(), tree, profile or DEFAULT_PROFILE)
    diags: list[Diagnostic] = []
    try:
        ast = environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return _Jinja(text, index, [_syntax(analysis, exc)], None, tree.names)
    except RecursionError:
        return _Jinja(text, index, [too_deep()], None, tree.names)
    analysis.ast = ast
    if profile is not None:
        diags.extend(hook_checks.check_sites(text, Header(), tree.sites, profile))
    try:
        try:
            _, referenced = compile_template(ast)
        except jinja2.TemplateSyntaxError as exc:  # e.g. an unknown filter
            diags.append(_syntax(analysis, exc))
            referenced = undeclared_names(ast)
        except SyntaxError as exc:  # Python's, e.g. "keyword argument repeated"
            diags.extend(_compile_error(analysis, exc, diags))
            referenced = undeclared_names(ast)
        assigned = {m.name for m in ast.find_all(nodes.Macro)}
        for assign in ast.find_all((nodes.Assign, nodes.AssignBlock)):
            assert isinstance(assign, (nodes.Assign, nodes.AssignBlock))
            targets = [assign.target, *assign.target.find_all(nodes.Name)]
            assigned |= {t.name for t in targets if isinstance(t, nodes.Name)}
        tested = {
            t.node.name
            for t in ast.find_all(nodes.Test)
            if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name)
        }
    except RecursionError:  # Jinja's compiler recurses per nesting level, as Inductor's would
        return _Jinja(text, index, [*diags, too_deep()], None, tree.names)
    referenced = set(referenced) - JINJA_GLOBALS
    return _Jinja(
        text, index, diags, frozenset(referenced), tree.names, frozenset(assigned), frozenset(tested)
    )


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


# -- helpers ----------------------------------------------------------------------------


def _calls(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call":
            yield node
        stack.extend(reversed(node.children))


def _is_string(node: Node) -> bool:
    node = _unwrap(node)
    return node is not None and node.type in ("string", "concatenated_string")


def _first_arg(call: Node) -> Node | None:
    arglist = call.child_by_field_name("arguments")
    if arglist is None:
        return None
    for child in arglist.named_children:
        if child.type == "comment":
            continue
        if child.type == "keyword_argument":
            key = child.child_by_field_name("name")
            if key is not None and key.text == b"source":
                return child.child_by_field_name("value")
            continue
        return child if child.type not in ("list_splat", "dictionary_splat") else None
    return None


def _is_factory(mod: _Module, call: Node) -> bool:
    func = call.child_by_field_name("function")
    if func is None:
        return False
    if func.type == "identifier":
        return mod.src(func) == TEMPLATE_FACTORY
    attr = func.child_by_field_name("attribute") if func.type == "attribute" else None
    return attr is not None and mod.src(attr) == TEMPLATE_FACTORY


def _is_kernel(receiver: str) -> bool:
    """``kernel.def_kernel``, ``self.kernel.def_kernel``: a template kernel, not ``super()``."""
    last = receiver.rsplit(".", 1)[-1]
    return re.fullmatch(r"\w*kernel\w*", last, re.I) is not None


def _scope(mod: _Module, node: Node) -> _Scope:
    functions = []
    cls = None
    method = None
    self_name = None
    current = node.parent
    while current is not None:
        if current.type == "function_definition":
            functions.append(current)
        elif current.type == "class_definition" and cls is None:
            name = current.child_by_field_name("name")
            cls = mod.classes.get(mod.src(name)) if name is not None else None
            if cls is not None and functions:
                fn = functions[-1]
                fname = fn.child_by_field_name("name")
                method = mod.src(fname) if fname is not None else None
                params = fn.child_by_field_name("parameters")
                first = (
                    next((p for p in params.named_children if p.type == "identifier"), None)
                    if params
                    else None
                )
                self_name = mod.src(first) if first is not None else None
            break
        current = current.parent
    return _Scope(functions, cls, method, self_name)


def _function_name(mod: _Module, fn: Node) -> str:
    name = fn.child_by_field_name("name")
    return mod.src(name) if name is not None else "<function>"


def _is_parameter(mod: _Module, fn: Node, name: str) -> bool:
    params = fn.child_by_field_name("parameters")
    if params is None:
        return False
    for p in params.named_children:
        ident = p if p.type == "identifier" else p.child_by_field_name("name")
        if ident is None and p.named_children:
            ident = p.named_children[0]
        if ident is not None and ident.type == "identifier" and mod.src(ident) == name:
            return True
    return False


def _uses(mod: _Module, fn: Node, name: str) -> int:
    """How often ``name`` appears as a variable in ``fn`` (nested scopes included)."""
    count = 0
    stack = [fn.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "identifier" and mod.src(node) == name:
            parent = node.parent
            is_attr = (
                parent is not None
                and parent.type == "attribute"
                and parent.child_by_field_name("attribute") == node
            )
            is_key = (
                parent is not None
                and parent.type == "keyword_argument"
                and parent.child_by_field_name("name") == node
            )
            if not (is_attr or is_key):
                count += 1
        stack.extend(node.children)
    return count


def _is_subclass(mod: _Module, cls: _Class, ancestor: str) -> bool:
    stack, seen = list(cls.bases), set()
    while stack:
        base = stack.pop()
        if base == ancestor:
            return True
        if base in seen or base not in mod.classes:
            continue
        seen.add(base)
        stack.extend(mod.classes[base].bases)
    return False


def _constant(mod: _Module, node: Node) -> tuple[bool, Any]:
    node = _unwrap(node)
    kind = node.type if node is not None else ""
    if kind in ("true", "false"):
        return True, kind == "true"
    if kind == "none":
        return True, None
    if kind == "integer":
        try:
            return True, int(mod.src(node).replace("_", ""), 0)
        except ValueError:
            return False, None
    if kind in ("string", "concatenated_string"):
        decoded = _string_value(mod, node)
        return (True, decoded[0]) if decoded is not None else (False, None)
    return False, None


def _render_arg(mod: _Module, name: str, key: Node, value: Node) -> RenderArg:
    constant, literal = _constant(mod, value)
    return RenderArg(name, mod.span(key), mod.span(value), mod.src(value), constant, literal)


def _python_value(mod: _Module, node: Node, choice: int | None, depth: int = 0) -> Value:
    """A Python argument as the hook checks see Jinja's: names, lists, literals."""
    node = _unwrap(node)
    span, text = mod.span(node), mod.src(node)
    kind = node.type
    if depth > 32:
        return Value("other", span, text)
    if kind == "conditional_expression" and len(node.named_children) == 3 and choice is not None:
        return _python_value(mod, node.named_children[choice], None, depth + 1)
    if kind == "identifier":
        return Value("name", span, text, literal=text)
    if kind in ("list", "tuple"):
        children = [c for c in node.named_children if c.type != "comment"]
        if any(c.type in ("list_splat", "list_comprehension") for c in children):
            return Value("other", span, text)
        return Value(kind, span, text, tuple(_python_value(mod, c, None, depth + 1) for c in children))
    if kind in ("string", "concatenated_string"):
        decoded = _string_value(mod, node)
        if decoded is not None:
            return Value("str", span, text, literal=decoded[0])
        return Value("other", span, text)
    if kind == "none":
        return Value("none", span, text)
    if kind in ("true", "false"):
        return Value("bool", span, text, literal=kind == "true")
    constant, literal = _constant(mod, node)
    if kind == "integer" and constant:
        return Value("int", span, text, literal=literal)
    if kind == "unary_operator" and text.startswith("-") and node.named_children:
        inner = node.named_children[-1]
        ok, value = _constant(mod, inner)
        if inner.type == "integer" and ok:
            return Value("int", span, text, literal=-value)
    return Value("other", span, text)


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


def _shift(d: Diagnostic, source: SourceMap) -> Diagnostic:
    return Diagnostic(
        d.code,
        d.severity,
        d.message,
        source.span_to_file(d.span),
        tuple(Related(source.span_to_file(r.span), r.message) for r in d.related),
    )


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in diags:
        key = (d.code, d.span.start, d.span.end, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    out.sort(key=lambda d: (d.span.start, d.code))
    return out


def _suppress(text: str, diags: list[Diagnostic]) -> list[Diagnostic]:
    """``# rocm-lsp: ignore[RL502]`` (or ``{# … #}`` inside a template) on the finding's line."""
    if "rocm-lsp" not in text:
        return diags
    index = LineIndex(text)
    silenced: dict[int, set[str]] = {}
    for m in _SUPPRESS.finditer(text):
        codes = {c.strip() for c in m.group(1).split(",") if c.strip()}
        silenced.setdefault(index.position(m.start())[0], set()).update(codes)
    return [d for d in diags if d.code not in silenced.get(index.position(d.span.start)[0], ())]


__all__ = [
    "ModuleReader",
    "PythonAnalysis",
    "RenderArg",
    "RenderCall",
    "SourceMap",
    "TemplateString",
    "analyze_python",
    "holds_templates",
]
