"""The ``{#- rocm-lsp … -#}`` header: TOML that declares nodes, variables and examples.

Parsing never raises: a broken header gives a partial :class:`Header` plus diagnostics
located on the header line (and, where possible, the value) that caused them.

It runs on every keystroke, so every scan here is linear in the header's length: the regexes
below cannot backtrack more than once over a run of characters (each quantifier is followed by
a character it cannot match), and the locator finds value ends in one pass per line.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.model.dtypes import canonical_dtype
from rocm_lsp.core.model.messages import shorten
from rocm_lsp.core.model.profiles import DEFAULT_PROFILE, PROFILES, all_names, canonical_profile
from rocm_lsp.core.model.sizes import SizeExpr, SizeSyntaxError, parse_size
from rocm_lsp.core.text import LineIndex, Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_KERNEL_NAME = "KERNEL_NAME"
TOP_LEVEL_KEYS = ("profile", "kernel_name", "runtime_args", "nodes", "vars", "shapes", "bench")
NODE_KEYS = ("dtype", "size", "stride", "offset")
BENCH_KEYS = ("reference", "rtol", "atol", "flops", "bytes")
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace"})
RESERVED = frozenset({"kernel", "true", "false", "none", "True", "False", "None"})

_HEADER_START = re.compile(r"\{#[-+]?[ \t]*rocm-lsp(?![\w:-])")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY_LINE = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_SPACES = re.compile(r"\s*")
_FIELD = re.compile(r"(?<![A-Za-z0-9_])[0-9]*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*")  # see _fields
_TABLE_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-\"' ")
_SCALAR_STOP = re.compile(r"[,}\]\s]")  # where an unquoted scalar ends
_STRUCTURE = re.compile(r"[\"'\[\]{}]")  # quotes and brackets: what a value's end depends on
_GAP = re.compile(r"[ \t,]+")  # between array elements


_PROFILE_LINE = re.compile(r"\s*profile\s*=\s*\"([\w.-]+)\"\s*(?:#.*)?$")


@dataclass(frozen=True)
class NodeDecl:
    """A ``[nodes]`` entry: a buffer, or ``"none"`` (the variable is bound to None)."""

    name: str
    dtype: str | None
    size: tuple[SizeExpr, ...]
    stride: tuple[SizeExpr, ...] | None
    offset: SizeExpr | None
    key_span: Span

    @property
    def is_none(self) -> bool:
        return self.dtype is None


@dataclass
class Header:
    """What the header declares; spans are offsets into the whole document."""

    present: bool = False
    span: Span | None = None
    profile: str = DEFAULT_PROFILE
    profile_declared: bool = False  # the header names its profile (else the default applies)
    kernel_name: str = DEFAULT_KERNEL_NAME
    runtime_args: list[dict[str, Any]] = field(default_factory=list)
    nodes: dict[str, NodeDecl] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)
    bench: dict[str, Any] = field(default_factory=dict)
    # ("nodes", "X") -> span of the key; ("nodes", "X", "dtype") -> span of the value …
    spans: dict[tuple[str, ...], Span] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    valid_toml: bool = False
    rejected: set[str] = field(default_factory=set)  # declared names whose entry had errors

    @property
    def names(self) -> set[str]:
        """Template variable names the header declares."""
        return set(self.nodes) | set(self.vars)

    def span_of(self, *path: str) -> Span | None:
        """The most precise known span for a header path, falling back to its parents."""
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.span


def find_header(text: str) -> tuple[Span, int, int] | None:
    """``(comment span, body start, body end)`` of the header comment, if the file has one."""
    m = _HEADER_START.search(text)
    if m is None:
        return None
    end = text.find("#}", m.end())
    if end == -1:
        return Span(m.start(), len(text)), m.end(), len(text)
    body_end = end - 1 if text[end - 1] in "-+" and end - 1 >= m.end() else end
    return Span(m.start(), end + 2), m.end(), body_end


def parse_header(text: str, index: LineIndex) -> Header:
    """Parse the header of a template document (an absent header is not an error here)."""
    header = Header()
    found = find_header(text)
    if found is None:
        return header
    span, body_start, body_end = found
    header.present = True
    header.span = span
    first_comment = text.find("{#")
    if first_comment != span.start:
        header.diagnostics.append(
            make(
                "RL114",
                "the rocm-lsp header must be the first comment of the file; another comment comes before it",
                Span(span.start, span.start + 2),
            )
        )
    if text.find("#}", body_start) == -1:
        header.diagnostics.append(
            make(
                "RL101",
                "the header comment is never closed with '#}'",
                Span(span.start, body_start),
            )
        )
        return header
    body = text[body_start:body_end]
    _Reader(header, text, index, body_start, body).read()
    return header


class _Reader:
    def __init__(self, header: Header, text: str, index: LineIndex, start: int, body: str) -> None:
        self.h = header
        self.text = text
        self.index = index
        self.start = start
        self.body = body
        self.first_line = index.position(start)[0]
        self.lines: dict[tuple[str, ...], int] = {}  # path -> document line

    # -- locating ------------------------------------------------------------------------
    def _scan(self) -> list[tuple[int, int]]:
        """Record key spans; report keys declared twice and return their line ranges."""
        table: tuple[str, ...] = ()
        seen: dict[tuple[str, ...], Span] = {}
        duplicates: list[tuple[int, int]] = []
        offset = self.start
        array_index: dict[str, int] = {}
        for raw in self.body.split("\n"):
            line_start = offset
            offset += len(raw) + 1
            stripped = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
            found = _table_line(stripped)
            if found and not _KEY_LINE.match(stripped):
                brackets, name = found
                name = name.strip().strip("\"'")
                if brackets == "[[":
                    array_index[name] = array_index.get(name, -1) + 1
                    table = (name, str(array_index[name]))
                else:
                    table = (name,)
                col = raw.find(name)
                self.h.spans.setdefault(table, Span(line_start + col, line_start + col + len(name)))
                continue
            m = _KEY_LINE.match(raw)
            if not m:
                continue
            key = m.group(1).strip("\"'")
            path = (*table, key)
            key_span = Span(line_start + m.start(1), line_start + m.end(1))
            if path in seen:
                duplicates.append((line_start - self.start, offset - 1 - self.start))
                where = self.index.position(seen[path].start)[0] + 1
                what = f"[{'.'.join(table)}]" if table else "the header"
                self.h.diagnostics.append(
                    make(
                        "RL107",
                        f"{key} is declared twice in {what} (first on line {where})",
                        key_span,
                    )
                )
                continue
            seen[path] = key_span
            self.h.spans[path] = key_span
            self._scan_fields(path, raw, line_start, m.end())
        return duplicates

    def _scan_fields(self, path: tuple[str, ...], raw: str, line_start: int, pos: int) -> None:
        """Spans of ``field = value`` pairs and array elements within one line.

        Fields are found anywhere in the value (inside strings too), each ``name =`` once.
        Element spans are capped at one per character of the line: comma-separated elements
        need two characters each, while values that swallow each other's brackets
        (``a=[b=[c=[…``) could otherwise ask for a number of spans quadratic in the line's length.
        """
        value_text = raw[pos:]
        values = _LineValues(value_text)
        base = line_start + pos
        spans = self.h.spans
        lead = len(value_text) - len(value_text.lstrip())
        spans[path + ("=",)] = Span(base + lead, base + values.end(lead))
        budget = len(value_text) + 64
        for key_start, key_end, vstart in _fields(value_text):
            fpath = path + (value_text[key_start:key_end],)
            spans[fpath + ("@key",)] = Span(base + key_start, base + key_end)
            spans[fpath] = Span(base + vstart, base + values.end(vstart))
            if vstart < len(value_text) and value_text[vstart] == "[":
                elements = values.elements(vstart, budget)
                budget -= len(elements)
                for i, (a, b) in enumerate(elements):
                    spans[fpath + (str(i),)] = Span(base + a, base + b)
        if value_text.startswith("[", lead):
            for i, (a, b) in enumerate(values.elements(lead, budget)):
                spans[path + (str(i),)] = Span(base + a, base + b)

    def _error(self, code: str, message: str, *path: str) -> None:
        span = self.h.span_of(*path) or Span(self.start, self.start)
        self.h.diagnostics.append(make(code, message, span))

    # -- reading -------------------------------------------------------------------------
    def read(self) -> None:
        body = self.body
        duplicates = self._scan()
        if duplicates:  # read on without the second declarations (blanked in one pass)
            pieces: list[str] = []
            at = 0
            for a, b in duplicates:
                pieces += (body[at:a], " " * (b - a))
                at = b
            pieces.append(body[at:])
            body = "".join(pieces)
        try:
            data = tomllib.loads(body)
        except tomllib.TOMLDecodeError as exc:
            self._recover_profile(body)
            message = str(exc)
            m = _TOML_POS.search(message)
            if m:
                line, col = int(m.group(1)) - 1, int(m.group(2)) - 1
                doc_line = self.first_line + line
                base = self.start if line == 0 else self.index.offset(doc_line, 0)
                at = base + col
                line_span = self.index.line_span(self.index.position(at)[0])
                span = Span(at, min(max(at + 1, at), line_span.end)) if at < line_span.end else line_span
                message = _TOML_POS.sub(f"(header line {doc_line + 1})", message)
            else:
                span = self.h.span or Span(0, 0)
            self.h.diagnostics.append(make("RL101", f"header is not valid TOML: {message}", span))
            return
        except RecursionError:  # tomllib reads nested arrays and inline tables recursively
            self._unreadable("arrays or inline tables nest too deeply")
            return
        except ValueError as exc:  # e.g. Python's limit on the digits of an integer
            self._unreadable("an integer has too many digits" if "digits" in str(exc) else shorten(str(exc)))
            return
        self.h.valid_toml = True
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self._error(
                    "RL103",
                    f"unknown header key {key!r}; known keys: {', '.join(TOP_LEVEL_KEYS)}",
                    key,
                )
        self._read_profile(data)
        self._read_kernel_name(data)
        self._read_runtime_args(data)
        self._read_nodes(data.get("nodes", {}))
        self._read_vars(data.get("vars", {}))
        self._read_shapes(data.get("shapes", {}))
        self._read_bench(data.get("bench", {}))
        self._check_shapes_cover_symbols(data)

    def _recover_profile(self, body: str) -> None:
        """Keep a ``profile = "…"`` line above the first table when the rest is not valid TOML
        (half-typed headers keep their profile's hover, completion and hooks)."""
        for line in body.splitlines():
            if line.lstrip().startswith("["):
                return
            m = _PROFILE_LINE.match(line)
            name = canonical_profile(m.group(1)) if m else None
            if name is not None:
                self.h.profile = name
                self.h.profile_declared = True
                return

    def _unreadable(self, why: str) -> None:
        self.h.diagnostics.append(
            make("RL101", f"header is not valid TOML: {why}", self.h.span or Span(0, 0))
        )

    def _read_profile(self, data: dict) -> None:
        profile = data.get("profile", DEFAULT_PROFILE)
        name = canonical_profile(profile)
        if name is None:
            known = ", ".join(all_names())
            self._error("RL106", f"unknown profile {profile!r}; known profiles: {known}", "profile", "=")
            return
        self.h.profile = name
        self.h.profile_declared = "profile" in data

    def _read_kernel_name(self, data: dict) -> None:
        name = data.get("kernel_name", DEFAULT_KERNEL_NAME)
        if not isinstance(name, str) or not _IDENT.match(name):
            self._error("RL102", f"kernel_name must be a C identifier, got {name!r}", "kernel_name", "=")
            return
        self.h.kernel_name = name

    def _read_runtime_args(self, data: dict) -> None:
        if "runtime_args" not in data:
            return
        args = data["runtime_args"]
        if not isinstance(args, list):
            self._error(
                "RL102",
                'runtime_args must be a list like [{ name = "kBatch", ty = "int32_t", value = 1 }]',
                "runtime_args",
                "=",
            )
            return
        for i, arg in enumerate(args):
            ok = (
                isinstance(arg, dict)
                and isinstance(arg.get("name"), str)
                and _IDENT.match(arg["name"])
                and isinstance(arg.get("ty"), str)
            )
            if not ok:
                self._error(
                    "RL102",
                    f"runtime_args[{i}] needs a C identifier `name` and a C++ type `ty`",
                    "runtime_args",
                    str(i),
                )
                continue
            self.h.runtime_args.append({"name": arg["name"], "ty": arg["ty"], "value": arg.get("value")})
        if self.h.runtime_args and not PROFILES[self.h.profile].runtime_args:
            takes = next(p.name for p in PROFILES.values() if p.runtime_args)
            self._error(
                "RL103",
                f"the {self.h.profile} profile has no runtime arguments: runtime_args is ignored (use "
                f'profile = "{takes}")',
                "runtime_args",
            )

    def _check_name(self, table: str, name: str) -> bool:
        if not _IDENT.match(name):
            self._error("RL102", f"{name!r} is not a valid template variable name", table, name)
            return False
        if name in RESERVED or name in JINJA_GLOBALS:
            what = "the template kernel" if name == "kernel" else "a Jinja name"
            self._error("RL107", f"{name!r} is already {what}; choose another name", table, name)
            return False
        return True

    def _read_nodes(self, nodes: Any) -> None:
        if not isinstance(nodes, dict):
            self._error("RL102", "[nodes] must be a table", "nodes")
            return
        for name, value in nodes.items():
            if not self._check_name("nodes", name):
                continue
            key_span = self.h.span_of("nodes", name) or Span(0, 0)
            if value == "none":
                self.h.nodes[name] = NodeDecl(name, None, (), None, None, key_span)
                continue
            if not isinstance(value, dict):
                self._error(
                    "RL102",
                    f'node {name} must be "none" or a table like {{ dtype = "float16", size = [64, 32] }}',
                    "nodes",
                    name,
                    "=",
                )
                self.h.rejected.add(name)
                continue
            decl = self._read_node(name, value, key_span)
            if decl is not None:
                self.h.nodes[name] = decl
            else:
                self.h.rejected.add(name)

    def _read_node(self, name: str, value: dict, key_span: Span) -> NodeDecl | None:
        for key in value:
            if key not in NODE_KEYS:
                self._error(
                    "RL103",
                    f"unknown key {key!r} in node {name}; known: {', '.join(NODE_KEYS)}",
                    "nodes",
                    name,
                    key,
                    "@key",
                )
        ok = True
        dtype_value = value.get("dtype")
        dtype = canonical_dtype(dtype_value) if isinstance(dtype_value, str) else None
        if dtype_value is None:
            self._error("RL102", f"node {name} needs a dtype", "nodes", name)
            ok = False
        elif dtype is not None and dtype not in PROFILES[self.h.profile].dtypes:
            profile = PROFILES[self.h.profile]
            newer = [p.name for p in PROFILES.values() if dtype in p.dtypes]
            self._error(
                "RL104",
                f"dtype {dtype} does not exist in torch {profile.torch} (profile {profile.name}); "
                f"profiles that have it: {', '.join(newer)}",
                "nodes",
                name,
                "dtype",
            )
            ok = False
        elif dtype is None:
            self._error(
                "RL104",
                f"unknown dtype {dtype_value!r} for node {name}; use a torch dtype name such "
                "as float16, bfloat16, float32, int8",
                "nodes",
                name,
                "dtype",
            )
            ok = False
        size = self._read_dims(name, value, "size", required=True)
        stride = self._read_dims(name, value, "stride", required=False)
        if size is not None and stride is not None and len(stride) != len(size):
            self._error(
                "RL105",
                f"node {name} has {len(size)} sizes but {len(stride)} strides",
                "nodes",
                name,
                "stride",
            )
            ok = False
        offset = None
        if "offset" in value:
            offset = self._read_entry(name, value["offset"], ("nodes", name, "offset"))
            ok = ok and offset is not None
        if not ok or size is None or (stride is None and "stride" in value):
            return None
        return NodeDecl(name, dtype, tuple(size), None if stride is None else tuple(stride), offset, key_span)

    def _read_dims(self, name: str, value: dict, key: str, required: bool) -> list[SizeExpr] | None:
        if key not in value:
            if required:
                self._error("RL102", f"node {name} needs a {key} list", "nodes", name)
            return None
        dims = value[key]
        if not isinstance(dims, list):
            self._error(
                "RL105",
                f"{key} of node {name} must be a list of integers or expression strings",
                "nodes",
                name,
                key,
            )
            return None
        out = []
        for i, entry in enumerate(dims):
            parsed = self._read_entry(name, entry, ("nodes", name, key, str(i)))
            if parsed is None:
                return None
            out.append(parsed)
        return out

    def _read_entry(self, name: str, entry: Any, path: tuple[str, ...]) -> SizeExpr | None:
        try:
            parsed = parse_size(entry)
        except SizeSyntaxError as exc:
            code = "RL303" if exc.too_large else "RL105"
            shown = shorten(repr(entry))
            self._error(code, f"bad {path[2]} entry {shown} of node {name}: {exc}", *path)
            return None
        if parsed.constant is not None and parsed.constant < 0:
            self._error("RL105", f"{path[2]} entries of node {name} must not be negative", *path)
            return None
        return parsed

    def _read_vars(self, variables: Any) -> None:
        if not isinstance(variables, dict):
            self._error("RL102", "[vars] must be a table", "vars")
            return
        for name, value in variables.items():
            if not self._check_name("vars", name):
                continue
            if name in self.h.nodes:
                line = self.index.position(self.h.nodes[name].key_span.start)[0] + 1
                self._error(
                    "RL107",
                    f"{name} is declared in [nodes] (line {line}) and in [vars]",
                    "vars",
                    name,
                )
                continue
            self.h.vars[name] = value

    def _read_shapes(self, shapes: Any) -> None:
        if not isinstance(shapes, dict):
            self._error("RL102", "[shapes] must be a table of symbol = positive integer", "shapes")
            return
        for name, value in shapes.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                self._error(
                    "RL305",
                    f"shape {name} must be a positive integer (symbols are positive), got {value!r}",
                    "shapes",
                    name,
                    "=",
                )
                continue
            self.h.shapes[name] = value

    def _read_bench(self, bench: Any) -> None:
        if not isinstance(bench, dict):
            self._error("RL102", "[bench] must be a table", "bench")
            return
        for key, value in bench.items():
            if key not in BENCH_KEYS:
                self._error(
                    "RL103",
                    f"unknown [bench] key {key!r}; known: {', '.join(BENCH_KEYS)}",
                    "bench",
                    key,
                )
                continue
            if key == "reference" and not isinstance(value, str):
                self._error("RL102", "reference must be a torch expression string", "bench", key, "=")
                continue
            if key in ("rtol", "atol") and (
                not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0
            ):
                self._error("RL102", f"{key} must be a non-negative number", "bench", key, "=")
                continue
            if key in ("flops", "bytes"):
                try:
                    value = parse_size(value)
                except SizeSyntaxError as exc:
                    self._error("RL105", f"bad {key} expression {value!r}: {exc}", "bench", key, "=")
                    continue
            self.h.bench[key] = value

    def _check_shapes_cover_symbols(self, data: dict) -> None:
        if "shapes" not in data:
            return
        reported: set[str] = set(data["shapes"]) if isinstance(data["shapes"], dict) else set()
        known = set(self.h.shapes)
        for decl in self.h.nodes.values():
            for key, entries in (("size", decl.size), ("stride", decl.stride or ())):
                for i, entry in enumerate(entries):
                    for sym in sorted(entry.symbols - known - reported):
                        reported.add(sym)
                        self._error(
                            "RL304",
                            f"symbol {sym} has no example value in [shapes]: compile, benchmark "
                            "and --static need one",
                            "nodes",
                            decl.name,
                            key,
                            str(i),
                        )


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern``, which always matches at ``pos`` here, ends."""
    found = pattern.match(text, pos)
    assert found is not None
    return found.end()


def _table_line(line: str) -> tuple[str, str] | None:
    """``(brackets, name)`` of a ``[table]`` or ``[[array]]`` line, in one pass.

    The result is what ``^\\s*(\\[\\[?)\\s*([A-Za-z0-9_.\\-"' ]+?)\\s*\\]\\]?`` matches (its groups
    1 and 2); that regex backtracks cubically on ``[`` and a run of spaces. The name is the
    shortest run of name characters after the spaces that is followed, past more spaces, by
    ``]``; when the spaces reach ``]`` directly, the regex gives one of them back as the name.
    """
    n = len(line)
    i = _match_end(_SPACES, line, 0)
    if i >= n or line[i] != "[":
        return None
    brackets = "[[" if line.startswith("[[", i) else "["
    after = i + len(brackets)
    start = _match_end(_SPACES, line, after)
    end = start
    next_solid = start  # the first non-space at or after ``end``
    while end < n and line[end] in _TABLE_NAME_CHARS:
        end += 1
        if next_solid < end:
            next_solid = _match_end(_SPACES, line, end)
        if next_solid < n and line[next_solid] == "]":
            return brackets, line[start:end]
    if start < n and line[start] == "]" and " " in line[after:start]:
        return brackets, " "
    return None


def _fields(text: str) -> Iterator[tuple[int, int, int]]:
    """``(name start, name end, value start)`` of each ``name = value`` in ``text``.

    The matches of ``re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*", text)``, which retried
    at every letter of a name not followed by ``=`` (quadratic in the name's length). ``_FIELD``
    tries once per run of name characters, from its first letter as that regex's first match
    in the run would (leading digits cannot start a name).
    """
    for m in _FIELD.finditer(text):
        yield m.start(1), m.end(1), m.end()


class _LineValues:
    """Ends of the TOML values of one line, for any start offset, from one pass over the line.

    The rules are the locator's (not TOML's, since the line may be broken): a string ends at the
    next same quote (or the line's end), an array or inline table at the bracket of either kind
    that brings the depth back to zero (skipping strings), and a scalar at ``,``, ``}``, ``]``
    or a space. The ends of all strings and brackets come from one right-to-left pass over the
    line's quotes and brackets, the ends of scalars from the list of stop characters; each
    query is then a lookup, never a rescan of the rest of the line.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends: dict[int, int] | None = None  # quote or opener offset -> end of its value
        self._stops: list[int] | None = None
        self._gaps: dict[int, int] = {}  # start of a run of spaces, tabs and commas -> its end

    def _structure(self) -> dict[int, int]:
        """The end of every string, array and inline table, as a scan from its start finds it.

        A scan from mark ``k`` (a quote or bracket) jumps from a quote to the next same quote
        and from an opener to the closer that matches it, so ``unmatched[k]``, the first closer
        it leaves open, follows from the marks to its right.
        """
        text = self.text
        marks = [m.start() for m in _STRUCTURE.finditer(text)]
        count = len(marks)
        unmatched = [-1] * (count + 1)  # -1: none, the scan runs to the end of the line
        last = {'"': -1, "'": -1}
        ends: dict[int, int] = {}
        for k in range(count - 1, -1, -1):
            at = marks[k]
            ch = text[at]
            if ch in "\"'":
                j = last[ch]
                last[ch] = k
                unmatched[k] = -1 if j < 0 else unmatched[j + 1]
            elif ch in "]}":
                unmatched[k] = k
                continue
            else:
                j = unmatched[k + 1]
                unmatched[k] = -1 if j < 0 else unmatched[j + 1]
            ends[at] = len(text) if j < 0 else marks[j] + 1
        self._ends = ends
        return ends

    def end(self, start: int) -> int:
        """End of the value starting at ``start``."""
        text = self.text
        if start >= len(text):
            return start
        if text[start] in "\"'[{":
            return (self._ends if self._ends is not None else self._structure())[start]
        if self._stops is None:
            self._stops = [m.start() for m in _SCALAR_STOP.finditer(text)]
        i = bisect_left(self._stops, start)
        return self._stops[i] if i < len(self._stops) else len(text)

    def elements(self, start: int, limit: int) -> list[tuple[int, int]]:
        """Spans of (at most ``limit``) top-level elements of the array opening at ``start``."""
        text = self.text
        gaps = self._gaps
        out: list[tuple[int, int]] = []
        i = start + 1
        while i < len(text) and len(out) < limit:
            # Elements end where a gap starts, so gaps are entered at their start: skipping
            # each once and remembering its end keeps nested arrays from rescanning it.
            if text[i] in " \t,":
                skip = gaps.get(i)
                if skip is None:
                    skip = gaps[i] = _match_end(_GAP, text, i)
                i = skip
            if i >= len(text) or text[i] == "]":
                break
            end = self.end(i)
            if end <= i:
                break
            out.append((i, end))
            i = end
        return out
