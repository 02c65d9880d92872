"""The ``{#- rocm-lsp … -#}`` header: TOML that declares nodes, variables and examples.

Parsing never raises: a broken header gives a partial :class:`Header` plus diagnostics
located on the header line (and, where possible, the value) that caused them.

tomllib reads the values (and words the message of a TOML syntax error); tree-sitter-toml's
syntax tree locates every table, key, value, array element and inline-table entry, across
lines and at any depth, and keeps what its error recovery can of a half-typed header. It runs
on every keystroke, so it stays linear in the header's length: tree-sitter parses in one pass,
the walk over its tree is iterative and records paths of at most ``_MAX_DEPTH`` parts, and
the two inputs tomllib reads slowly are refused before it sees them (see ``_refused``).
"""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, Severity, make
from rocm_lsp.core.engine.structure import ByteOffsets
from rocm_lsp.core.model.dtypes import DTYPE_ALIASES, DTYPES, canonical_dtype
from rocm_lsp.core.model.messages import shorten
from rocm_lsp.core.model.profiles import DEFAULT_PROFILE, PROFILES, all_names, canonical_profile
from rocm_lsp.core.model.sizes import SizeExpr, SizeSyntaxError, parse_size
from rocm_lsp.core.suggest import did_you_mean
from rocm_lsp.core.text import LineIndex, Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_KERNEL_NAME = "KERNEL_NAME"
TOP_LEVEL_KEYS = ("profile", "kernel_name", "runtime_args", "nodes", "vars", "shapes", "bench", "tune")
TABLES = ("nodes", "vars", "shapes", "bench", "tune")
NODE_KEYS = ("dtype", "size", "stride", "offset")
BENCH_KEYS = ("reference", "baseline", "rtol", "atol", "flops", "bytes")
TUNE_VALUE_TYPES = (bool, int, float, str)  # what a [tune] candidate may be
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace"})
RESERVED = frozenset({"kernel", "true", "false", "none", "True", "False", "None"})

_HEADER_START = re.compile(r"\{#[-+]?[ \t]*rocm-lsp(?![\w:-])")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_NOT_LINE_BREAK = re.compile(r"[^\r\n]")
_KEY_TYPES = frozenset({"bare_key", "quoted_key", "dotted_key"})
_CONTAINERS = frozenset({"array", "inline_table"})
_MAX_DEPTH = 32  # parts of a recorded path; deeper values fall back to their parents' spans
_PROFILE_LINE = re.compile(r"\s*profile\s*=\s*\"([\w.-]+)\"\s*(?:#.*)?$")
_KEY_LINE = re.compile(r"^[ \t]*[\"']?([A-Za-z_]\w*)[\"']?[ \t]*=", re.M)  # `name =` starting a line


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
    # [tune]: each tuned [vars] name -> its candidate values, in the header's order
    tune: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # A table's key or a key = value pair: ("nodes", "X") -> the key, (…, "=") -> the value;
    # in an inline table: ("nodes", "X", "dtype") -> the value, (…, "@key") -> the key (and
    # (…, "=") the value again); array elements by index: ("nodes", "X", "size", "0").
    spans: dict[tuple[str, ...], Span] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    valid_toml: bool = False
    unclosed: bool = False  # the header comment is never closed (RL101)
    # Names the header means to declare but does not, each with the finding that says why:
    # ``rejected``, a [nodes] entry with an error (its message names the node); ``blocked``, a
    # name an error hides (unreadable TOML, a misnamed table: the message does not name it).
    rejected: dict[str, Diagnostic] = field(default_factory=dict)
    blocked: dict[str, Diagnostic] = field(default_factory=dict)

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


def cached_header(text: str, index: LineIndex) -> Header:
    """:func:`parse_header`, reused: its result depends on the text up to the end of the
    header's last line only (its spans and findings lie there), and the last few are kept, so an
    edit below the header (most keystrokes) parses no TOML. Callers never change a Header."""
    found = find_header(text)
    if found is None:
        return Header()
    line_end = text.find("\n", found[0].end)
    return _header_of(text if line_end == -1 else text[:line_end])


@functools.lru_cache(maxsize=16)
def _header_of(head: str) -> Header:
    return parse_header(head, LineIndex(head))


def parse_header(text: str, index: LineIndex) -> Header:
    """Parse the header of a template document (an absent header is not an error here)."""
    found = find_header(text)
    return Header() if found is None else _parse_header(text, index, found)


def _parse_header(text: str, index: LineIndex, found: tuple[Span, int, int]) -> Header:
    header = Header()
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
        header.unclosed = True
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
        self.data = body.encode("utf-8", "surrogatepass")  # what tree-sitter parses
        self.offset = ByteOffsets(body, self.data)  # its offsets -> characters of the body
        self.refused: str | None = None  # why tomllib is not given the body

    # -- locating ------------------------------------------------------------------------
    def _scan(self) -> list[tuple[int, int]]:
        """Record the spans of tables, keys and values from the syntax tree; report keys
        declared twice and return the body ranges of their second declarations."""
        table: tuple[str, ...] | None = ()
        name = ""
        arrays: dict[tuple[str, ...], int] = {}  # [[array]] path -> index of its latest table
        seen: dict[tuple[str, ...], Span] = {}
        duplicates: list[tuple[int, int]] = []
        broken = False  # past a syntax error, whose recovery may hide a table: no RL107
        root = _toml()[0].parse(self.data).root_node
        self.refused = self._refused(root)
        stack = root.children[::-1]
        while stack:  # tables, their pairs, and what error recovery wrapped them in
            node = stack.pop()
            if node.type in ("table", "table_array_element", "ERROR"):
                if node.type != "ERROR":
                    table, name = self._table(node, arrays)
                broken = broken or table is None or node.type == "ERROR"
                stack += node.children[::-1]
                continue
            keys, value = self._parts(node)
            if table is None or keys is None or len(table) + len(keys) > _MAX_DEPTH:
                continue
            path = table + tuple(key for key, _ in keys)
            key_span = keys[-1][1]
            if path in seen:
                if broken:
                    continue
                span = self._span(node)
                duplicates.append((span.start - self.start, span.end - self.start))
                where = self.index.position(seen[path].start)[0] + 1
                what = f"[{name}]" if table else "the header"
                key = ".".join(key for key, _ in keys)
                message = f"{key} is declared twice in {what} (first on line {where})"
                self.h.diagnostics.append(make("RL107", message, key_span))
                continue
            seen[path] = key_span
            broken = broken or node.has_error
            for i, (_, span) in enumerate(keys[:-1], start=len(table) + 1):
                self.h.spans.setdefault(path[:i], span)
            self.h.spans[path] = key_span
            if value is not None:
                self.h.spans[path + ("=",)] = self._span(value)
                self._values(path, value)
        return duplicates

    def _refused(self, root: Any) -> str | None:
        """Why tomllib should not read the body: an integer past Python's digit limit (tomllib
        rejects it, after a regex match that slows sharply on runs of 200,000 digits and more),
        or a dotted key of more than ``_MAX_DEPTH`` parts (it reads one in time quadratic in
        the parts)."""
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        for run in re.finditer(rb"(?<![0-9])[0-9]{%d}" % (limit + 1), self.data) if limit else ():
            if root.descendant_for_byte_range(run.start(), run.start()).type == "integer":
                return "an integer has too many digits"
        if self.body.count(".") >= _MAX_DEPTH:  # the parts of a dotted key nest to the left
            from tree_sitter import QueryCursor

            keys = QueryCursor(_toml()[1]).captures(root).get("key", ())
            if max(Counter(key.start_byte for key in keys).values(), default=0) >= _MAX_DEPTH:
                return f"a dotted key has more than {_MAX_DEPTH} parts"
        return None

    def _table(self, node: Any, arrays: dict[tuple[str, ...], int]) -> tuple[tuple[str, ...] | None, str]:
        """The path of a ``[table]`` or ``[[array]]`` (None if it has no key) and its name;
        records the span of each part of its key."""
        key = next((child for child in node.named_children if child.type in _KEY_TYPES), None)
        keys = None if key is None else self._keys(key)
        if keys is None:
            return None, ""
        path: tuple[str, ...] = ()
        for i, (part, span) in enumerate(keys, start=1):
            path += (part,)
            if i == len(keys) and node.type == "table_array_element":
                self.h.spans.setdefault(path, span)
                arrays[path] = arrays.get(path, -1) + 1
            if path in arrays:  # a table in (or the next table of) an array: in its latest table
                path += (str(arrays[path]),)
            self.h.spans.setdefault(path, span)
        return path, ".".join(part for part, _ in keys)

    def _values(self, path: tuple[str, ...], value: Any) -> None:
        """Spans of the elements of arrays and of the entries of inline tables in a value."""
        spans = self.h.spans
        stack = [(path, value)]
        while stack:
            path, node = stack.pop()
            if len(path) >= _MAX_DEPTH:
                continue
            if node.type == "array":
                items = (child for child in node.named_children if child.type not in ("comment", "ERROR"))
                for i, item in enumerate(items):
                    spans[path + (str(i),)] = self._span(item)
                    if item.type in _CONTAINERS:
                        stack.append((path + (str(i),), item))
            elif node.type == "inline_table":
                for pair in node.named_children:
                    keys, entry = self._parts(pair)
                    if keys is None or len(path) + len(keys) > _MAX_DEPTH:
                        continue
                    inner = path + tuple(key for key, _ in keys)
                    for i, (_, span) in enumerate(keys, start=len(path) + 1):
                        spans.setdefault(inner[:i] + ("@key",), span)
                    spans[inner + ("@key",)] = keys[-1][1]
                    if entry is not None:
                        spans[inner] = spans[inner + ("=",)] = self._span(entry)
                        if entry.type in _CONTAINERS:
                            stack.append((inner, entry))

    def _parts(self, pair: Any) -> tuple[list[tuple[str, Span]] | None, Any]:
        """The key parts and the value node (if any) of a ``pair`` node; (None, None) otherwise."""
        if pair.type != "pair":
            return None, None
        kids = pair.named_children
        keys = self._keys(kids[0]) if kids and kids[0].type in _KEY_TYPES else None
        return keys, kids[1] if len(kids) > 1 else None

    def _keys(self, key: Any) -> list[tuple[str, Span]] | None:
        """``(name, span)`` of each part of a bare, quoted or dotted key; None past
        ``_MAX_DEPTH`` parts (a dotted key nests to the left: ``((a.b).c)``)."""
        parts: list[Any] = []
        while key.type == "dotted_key" and len(parts) <= _MAX_DEPTH:
            kids = key.named_children
            if len(kids) != 2:
                return None
            parts.append(kids[1])
            key = kids[0]
        if len(parts) > _MAX_DEPTH:
            return None
        parts.append(key)
        parts.reverse()
        spans = [self._span(part) for part in parts]
        return [(self._key_name(part, span), span) for part, span in zip(parts, spans)]

    def _key_name(self, key: Any, span: Span) -> str:
        text = self.text[span.start : span.end]
        if key.type != "quoted_key":
            return text
        if text.startswith('"') and "\\" in text:  # escapes: as tomllib reads them
            try:
                return str(tomllib.loads(f"k = {text}")["k"])
            except ValueError:
                pass
        return text[1:-1]

    def _span(self, node: Any) -> Span:
        return Span(self.start + self.offset(node.start_byte), self.start + self.offset(node.end_byte))

    def _error(self, code: str, message: str, *path: str) -> Diagnostic:
        span = self.h.span_of(*path) or Span(self.start, self.start)
        self.h.diagnostics.append(make(code, message, span))
        return self.h.diagnostics[-1]

    # -- reading -------------------------------------------------------------------------
    def read(self) -> None:
        body = self.body
        duplicates = self._scan()
        if self.refused is not None:
            self._unreadable(self.refused)
            return
        if duplicates:  # read on without the second declarations (blanked, line breaks kept)
            pieces: list[str] = []
            at = 0
            for a, b in duplicates:
                pieces += (body[at:a], _NOT_LINE_BREAK.sub(" ", body[a:b]))
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
            self._block_all(make("RL101", f"header is not valid TOML: {message}", span))
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
                self._unknown_key(key, data[key])
        self._read_profile(data)
        self._read_kernel_name(data)
        self._read_runtime_args(data)
        self._read_nodes(data.get("nodes", {}))
        self._read_vars(data.get("vars", {}))
        self._read_shapes(data.get("shapes", {}))
        self._read_bench(data.get("bench", {}))
        self._read_tune(data.get("tune", {}))
        self._check_shapes_cover_symbols(data)

    def _unknown_key(self, key: str, value: Any) -> None:
        """RL103 for a top-level key the header does not know. The names it holds — a table's
        keys, or the key itself (a node or variable written above every table) — are
        declared nowhere: the finding hides them."""
        if isinstance(value, dict):
            message = f"unknown header table [{key}]; known tables: {', '.join(TABLES)}"
            cause = self._error("RL103", message + did_you_mean(key, TABLES), key)
            names = list(value)
        else:
            message = f"unknown header key {key!r}; known keys: {', '.join(TOP_LEVEL_KEYS)}"
            cause = self._error("RL103", message + did_you_mean(key, TOP_LEVEL_KEYS), key)
            names = [key]
        for name in names:
            if _IDENT.match(name) and name not in RESERVED:
                self.h.blocked.setdefault(name, cause)

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
        self._block_all(make("RL101", f"header is not valid TOML: {why}", self.h.span or Span(0, 0)))

    def _block_all(self, cause: Diagnostic) -> None:
        """Report an unreadable header: every name it seems to declare is hidden by ``cause`` —
        the keys its syntax tree holds, and any ``name =`` that starts a line (error recovery
        can lose the rest of a table)."""
        self.h.diagnostics.append(cause)
        seen = [path[-1] for path in self.h.spans if len(path) <= 2]
        for name in seen + _KEY_LINE.findall(self.body):
            if _IDENT.match(name) and name not in RESERVED and name not in TOP_LEVEL_KEYS:
                self.h.blocked.setdefault(name, cause)

    def _read_profile(self, data: dict) -> None:
        profile = data.get("profile", DEFAULT_PROFILE)
        name = canonical_profile(profile)
        if name is None:
            known = ", ".join(all_names())
            hint = did_you_mean(profile, all_names()) if isinstance(profile, str) else ""
            self._error(
                "RL106", f"unknown profile {profile!r}; known profiles: {known}{hint}", "profile", "="
            )
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
                self.h.rejected[name] = self._error(
                    "RL102",
                    f'node {name} must be "none" or a table like {{ dtype = "float16", size = [64, 32] }}',
                    "nodes",
                    name,
                    "=",
                )
                continue
            before = len(self.h.diagnostics)
            decl = self._read_node(name, value, key_span)
            if decl is not None:
                self.h.nodes[name] = decl
            else:  # the entry's first error says why the node does not exist
                errors = (d for d in self.h.diagnostics[before:] if d.severity is Severity.ERROR)
                self.h.rejected[name] = next(errors, self.h.diagnostics[-1])

    def _read_node(self, name: str, value: dict, key_span: Span) -> NodeDecl | None:
        for key in value:
            if key not in NODE_KEYS:
                self._error(
                    "RL103",
                    f"unknown key {key!r} in node {name}; known: {', '.join(NODE_KEYS)}"
                    + did_you_mean(key, NODE_KEYS),
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
                "=",
            )
            ok = False
        elif dtype is None:
            known = (*(d for d in DTYPES if d in PROFILES[self.h.profile].dtypes), *DTYPE_ALIASES)
            self._error(
                "RL104",
                f"unknown dtype {dtype_value!r} for node {name}; use a torch dtype name such "
                "as float16, bfloat16, float32, int8"
                + (
                    did_you_mean(dtype_value.removeprefix("torch."), known)
                    if isinstance(dtype_value, str)
                    else ""
                ),
                "nodes",
                name,
                "dtype",
                "=",
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
                "=",
            )
            ok = False
        offset = None
        if "offset" in value:
            offset = self._read_entry(name, value["offset"], ("nodes", name, "offset", "="))
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
                "=",
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
                    f"unknown [bench] key {key!r}; known: {', '.join(BENCH_KEYS)}"
                    + did_you_mean(key, BENCH_KEYS),
                    "bench",
                    key,
                )
                continue
            if key in ("reference", "baseline") and not isinstance(value, str):
                self._error("RL102", f"{key} must be a torch expression string", "bench", key, "=")
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

    def _read_tune(self, tune: Any) -> None:
        if not isinstance(tune, dict):
            self._error("RL102", "[tune] must be a table of [vars] name = [candidate values]", "tune")
            return
        for name, values in tune.items():
            if name not in self.h.vars:
                self._error(
                    "RL102",
                    f"[tune] {name} is not declared in [vars]: declare it there with the value used "
                    "when not tuning" + did_you_mean(name, list(self.h.vars)),
                    "tune",
                    name,
                )
                continue
            default = self.h.vars[name]
            kind = "number" if _is_number(default) else type(default).__name__
            if not isinstance(values, list) or not values:
                self._error(
                    "RL102", f"[tune] {name} must be a non-empty array of candidate values", "tune", name, "="
                )
                continue
            for i, value in enumerate(values):
                if not isinstance(default, TUNE_VALUE_TYPES) or not isinstance(value, TUNE_VALUE_TYPES):
                    problem = f"candidates must be booleans, numbers or strings, got {shorten(repr(value))}"
                elif _is_number(default) != _is_number(value) or (
                    not _is_number(value) and type(value) is not type(default)
                ):
                    problem = f"candidate {shorten(repr(value))} is not a {kind}, as [vars] {name} is"
                elif value in values[:i] and type(value) in {type(v) for v in values[:i] if v == value}:
                    problem = f"candidate {shorten(repr(value))} is listed twice"
                else:
                    continue
                self._error("RL102", f"[tune] {name}: {problem}", "tune", name, str(i))
                break
            else:
                self.h.tune[name] = tuple(values)

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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@functools.cache
def _toml() -> tuple[Any, Any]:
    """tree-sitter-toml's parser, and a query for the parts of dotted keys."""
    import tree_sitter_toml
    from tree_sitter import Language, Parser, Query

    language = Language(tree_sitter_toml.language())
    return Parser(language), Query(language, "(dotted_key) @key")
