"""Completion and signature help at a cursor, from the text alone (works while half-typed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.engine.header import BENCH_KEYS, NODE_KEYS, TOP_LEVEL_KEYS
from rocm_lsp.core.model.dtypes import DTYPES
from rocm_lsp.core.model.profiles import PROFILES, HookSpec

_KERNEL_DOT = re.compile(r"\bkernel\.(\w*)$")
_WORD = re.compile(r"(\w*)$")


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # hook | node | variable | dtype | key | value | attribute
    detail: str
    documentation: str = ""
    insert_text: str | None = None  # a snippet ($1, $0) when set

    @property
    def plain_text(self) -> str:
        """What to insert in a client without snippets: the snippet without its tab stops."""
        return re.sub(r"\$\d", "", self.insert_text) if self.insert_text else self.label

    replace_from: int | None = None  # offset where the replaced word starts


@dataclass(frozen=True)
class SignatureHelp:
    label: str
    documentation: str
    parameters: tuple[tuple[str, str], ...]  # (label, doc)
    active: int


def _snippet(spec: HookSpec) -> str:
    if spec.name == "def_kernel":
        parts = ["inputs=[$1]", "outputs=[$2]"]
        if any(p.name == "size_args" for p in spec.params):
            parts.append("size_args=[$3]")
        parts.append('names_str="$4"')
        return f"def_kernel({', '.join(parts)})$0"
    required = [p for p in spec.params if p.required]
    args = ", ".join(f"${i + 1}" for i in range(len(required)))
    return f"{spec.name}({args})$0"


def completions_at(analysis: Analysis, offset: int) -> list[Completion]:
    text = analysis.text
    before = text[max(0, offset - 400) : offset]
    header = analysis.header
    word = _WORD.search(before)
    start = offset - (len(word.group(1)) if word else 0)
    if header.span is not None and header.span.start < offset <= header.span.end:
        return _header_completions(analysis, offset, start)
    if _in_comment(text, offset):
        return []
    m = _KERNEL_DOT.search(before)
    profile = PROFILES[analysis.profile]
    if m:
        items = [
            Completion(spec.name, "hook", spec.label(), spec.doc, _snippet(spec), start)
            for spec in profile.hooks.values()
        ]
        items += [
            Completion(a, "attribute", f"{profile.name} kernel attribute", replace_from=start)
            for a in sorted(profile.attributes)
        ]
        return items
    if not _in_jinja(text, offset):
        return []
    nodes = [
        Completion(name, "node", "none" if d.is_none else f"{d.dtype} node", replace_from=start)
        for name, d in header.nodes.items()
    ]
    if _in_node_list(before):
        return [*nodes, Completion("none", "value", "an absent input", replace_from=start)]
    variables = [Completion(n, "variable", "[vars]", replace_from=start) for n in header.vars]
    return [
        Completion("kernel", "variable", f"the {profile.name} template kernel", replace_from=start),
        *nodes,
        *variables,
    ]


def _in_jinja(text: str, offset: int) -> bool:
    """Whether ``offset`` is inside ``{{ … }}`` or ``{% … %}`` (by the nearest delimiters)."""
    opened = max(text.rfind("{{", 0, offset), text.rfind("{%", 0, offset))
    closed = max(text.rfind("}}", 0, offset), text.rfind("%}", 0, offset))
    return opened > closed


def _in_comment(text: str, offset: int) -> bool:
    """Whether ``offset`` is inside a ``{# … #}`` comment (by the nearest delimiters)."""
    return text.rfind("{#", 0, offset) > text.rfind("#}", 0, offset)


def _in_node_list(before: str) -> bool:
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        ch = before[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return ch == "[" and re.search(r"\b(inputs|outputs)\s*=\s*$", before[:i]) is not None
            depth -= 1
        elif ch in "{}" and depth == 0:
            return False
    return False


def _header_completions(analysis: Analysis, offset: int, start: int) -> list[Completion]:
    text = analysis.text
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    if re.search(r"\bdtype\s*=\s*\"?\w*$", line):
        accepted = PROFILES[analysis.profile].dtype_table  # what def_kernel can type
        return [Completion(d, "dtype", "torch dtype", replace_from=start) for d in DTYPES if d in accepted]
    profile_value = re.search(r"^\s*profile\s*=\s*\"?([\w.-]*)$", line)
    if profile_value:
        begin = offset - len(profile_value.group(1))
        return [Completion(p.name, "value", p.description, replace_from=begin) for p in PROFILES.values()]
    table = _current_table(text[analysis.header.span.start if analysis.header.span else 0 : line_start])
    if "{" in line and line.count("{") > line.count("}"):
        if table == "nodes":
            return [Completion(k, "key", "node key", replace_from=start) for k in NODE_KEYS]
        return []
    if line.strip() == "" or re.fullmatch(r"\s*\w*", line):
        keys = {"": TOP_LEVEL_KEYS, "bench": BENCH_KEYS}.get(table, ())
        return [
            Completion(k, "key", f"[{table}] key" if table else "header key", replace_from=start)
            for k in keys
        ]
    return []


def _current_table(header_text: str) -> str:
    table = ""
    for m in re.finditer(r"^\s*\[\[?\s*([\w.-]+)\s*\]\]?", header_text, re.M):
        table = m.group(1)
    return table


def signature_help_at(analysis: Analysis, offset: int) -> SignatureHelp | None:
    outline = analysis.outline
    if outline is None:
        return None
    site = None
    for candidate in outline.sites:
        span = candidate.call_span
        if span is not None and candidate.name_span.end < offset < span.end:
            site = candidate if site is None or span.start >= (site.call_span or span).start else site
    if site is None:
        return None
    spec = PROFILES[analysis.profile].hooks.get(site.hook)
    if spec is None:
        return None
    names = [p.name for p in spec.params]
    active = 0
    positional = 0
    for arg in site.arguments:
        if arg.span.end < offset:
            if arg.keyword is None:
                positional += 1
            continue
        if arg.keyword in names:
            active = names.index(arg.keyword)
        else:
            active = min(positional, len(names) - 1)
        break
    else:
        used = [a.keyword for a in site.arguments if a.keyword]
        remaining = [i for i, n in enumerate(names) if n not in used and i >= positional]
        active = remaining[0] if remaining else max(0, len(names) - 1)
    params = tuple((p.name if p.required else f"{p.name}=…", p.doc) for p in spec.params)
    return SignatureHelp(spec.label(), spec.doc, params, active)
