"""Static checks of hook call sites: every site, in every branch, without rendering.

The rules are :mod:`rocm_lsp.core.rules`' (the hooks call the same ones at render time); this
module reads literal values from the outline, calls them, and places each finding's
:class:`Locator` on the call's source with :func:`locate`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine.header import Header
from rocm_lsp.core.engine.structure import Argument, HookSite, Value
from rocm_lsp.core.model.profiles import PROFILES, HookSpec, unknown_hook
from rocm_lsp.core.rules import arguments, def_kernel, size, values
from rocm_lsp.core.rules.finding import Finding, Locator
from rocm_lsp.core.text import Span, blank_comments

_PT_EXPORT_BEFORE = re.compile(r"PT_EXPORT\s*$")


def check_sites(text: str, header: Header, sites: tuple[HookSite, ...], profile: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    spec_table = PROFILES[profile].hooks
    guards = [(s.hook, s.guard) for s in sites if s.tested and s.guard is not None]
    for site in sites:
        spec = spec_table.get(site.hook)
        if spec is None and site.hook in PROFILES[profile].attributes:
            continue
        if spec is None:
            guarded = site.tested or any(
                hook == site.hook and span.contains(site.name_span.start) for hook, span in guards
            )
            if not guarded:  # `{% if kernel.x is defined %}…{% endif %}` guards portable code
                out.append(_place(unknown_hook(site.hook, profile), site, None))
            continue
        if not site.called:
            continue
        binding = arguments.bind(
            spec.name, spec.params, [a.keyword for a in site.arguments], _elsewhere(spec.name, profile)
        )
        out.extend(_place(f, site, spec) for f in binding.findings)
        bound = {name: site.arguments[i] for name, i in binding.bound}
        if site.hook == "def_kernel":
            out.extend(_def_kernel(text, header, site, spec, bound, profile, binding.meant))
        elif site.hook == "size":
            out.extend(_size(header, site, spec, bound))
        for name, arg in bound.items():
            out.extend(_place(f, site, spec) for f in _node_args(header, spec, name, arg))
    return out


@functools.cache  # profiles are fixed: once per (hook, profile), not per call site
def _elsewhere(hook: str, profile: str) -> Mapping[str, str]:
    """For each parameter other profiles' ``hook`` has and this one's lacks: those profiles."""
    mine = {p.name for p in PROFILES[profile].hooks[hook].params}
    out: dict[str, list[str]] = {}
    for other in PROFILES.values():
        spec = other.hooks.get(hook)
        for param in spec.params if spec else ():
            if param.name not in mine:
                out.setdefault(param.name, []).append(other.name)
    return MappingProxyType({k: ", ".join(v) for k, v in out.items()})


def locate(site: HookSite, spec: HookSpec | None, where: Locator) -> Span:
    """The span of the part of the call a rule's finding names."""
    default = site.call_span or site.name_span
    if where.position is not None and 0 <= where.position < len(site.arguments):
        arg = site.arguments[where.position]
        return (arg.keyword_span or arg.span) if where.keyword else arg.span
    if where.node is not None:
        for arg in site.arguments:
            for item in (arg.value, *arg.value.items):
                if item.kind == "name" and item.literal == where.node:
                    return item.span
        return default
    names = [p.name for p in spec.params] if spec else []
    if where.arg is None or where.arg not in names:
        return default
    found = site.argument(where.arg, names.index(where.arg))
    if found is None:
        return default
    if where.element is not None and found.value.kind in ("list", "tuple"):
        items = found.value.items
        if 0 <= where.element < len(items):
            return items[where.element].span
    return found.value.span


def _place(finding: Finding, site: HookSite, spec: HookSpec | None, *related: Related) -> Diagnostic:
    span = locate(site, spec, finding.where) if spec or finding.where != Locator() else site.name_span
    return make(finding.code, finding.message, span, *related)


def _resolve(header: Header, value: Value) -> Any:
    """A Python value for a literal (or a [vars] name); ``...`` when unknown."""
    if value.kind in ("str", "int", "bool"):
        return value.literal
    if value.kind == "none":
        return None
    if value.kind in ("list", "tuple"):
        items = [_resolve(header, v) for v in value.items]
        return ... if any(i is ... for i in items) else items
    if value.kind == "name" and value.literal in header.vars:
        return header.vars[value.literal]
    return ...


def _def_kernel(
    text: str,
    header: Header,
    site: HookSite,
    spec: HookSpec,
    args: dict[str, Argument],
    profile: str,
    meant: frozenset[str],
) -> Iterator[Diagnostic]:
    inputs, outputs = args.get("inputs"), args.get("outputs")
    n_in = len(inputs.value.items) if inputs and inputs.value.kind in ("list", "tuple") else None
    n_out = len(outputs.value.items) if outputs and outputs.value.kind in ("list", "tuple") else None
    names_arg = args.get("names_str")
    names_value = "" if names_arg is None else _resolve(header, names_arg.value)
    found: list[Finding] = []
    misspelt = names_arg is None and "names_str" in meant  # its RL207 says so: no "no names_str"
    if isinstance(names_value, str) and n_in is not None and n_out is not None and not misspelt:
        names = [x.strip() for x in names_value.strip().split(",")]
        arity = def_kernel.names_arity(names, n_in, n_out, omitted=names_arg is None)
        if arity is not None:
            found.append(arity)
        else:
            items = [*(inputs.value.items if inputs else ()), *(outputs.value.items if outputs else ())]
            passed = [i.literal if i.kind == "name" and i.literal in header.nodes else None for i in items]
            found.extend(def_kernel.names_match(names, passed, [i.kind == "none" for i in items]))
    reorder_arg = args.get("input_reorder")
    if reorder_arg is not None and n_in is not None:
        found.extend(_reorder(_resolve(header, reorder_arg.value), n_in, profile))
    yield from (_place(f, site, spec) for f in found)
    yield from _dtypes(header, site, spec, (inputs, outputs), profile)
    yield from _pt_export(text, site, profile)


def _dtypes(
    header: Header, site: HookSite, spec: HookSpec, lists: tuple[Argument | None, ...], profile: str
) -> Iterator[Diagnostic]:
    table = PROFILES[profile].dtype_table
    for arg in lists:
        if arg is None or arg.value.kind not in ("list", "tuple"):
            continue
        for item in arg.value.items:
            decl = header.nodes.get(item.literal) if item.kind == "name" else None
            if decl is None or decl.dtype is None or decl.dtype in table:
                continue
            declared = Related(header.span_of("nodes", decl.name, "dtype") or decl.key_span, "declared here")
            finding = def_kernel.dtype_missing(decl.name, decl.dtype, profile)
            yield make(finding.code, finding.message, item.span, declared)


def _reorder(reorder: Any, n_in: int, profile: str) -> Iterable[Finding]:
    if reorder is ... or not isinstance(reorder, list):
        return ()
    rewrite = PROFILES[profile].reorder_rewrite
    before, after = (rewrite.before, rewrite.after) if rewrite else (None, ())
    effective = def_kernel.rewritten_reorder(reorder, before, after)
    rewritten = effective is not reorder
    assert isinstance(effective, list)
    length = def_kernel.reorder_length(
        len(effective), n_in, rewritten, PROFILES[profile].torch, before or (), after
    )
    if length is not None:
        return (length,)
    return () if rewritten else def_kernel.reorder_entries(effective, n_in)


def _pt_export(text: str, site: HookSite, profile: str) -> Iterator[Diagnostic]:
    tag = text[site.tag_span.start : site.tag_span.end]
    if not tag.startswith("{{") or site.call_span is None:
        return
    inner = tag[2:-2].strip("-+ \t\n")
    if inner != text[site.call_span.start : site.call_span.end]:
        return  # def_kernel inside a larger expression: not the exported signature line
    before = blank_comments(text[: site.tag_span.start])
    m = _PT_EXPORT_BEFORE.search(before)
    if m is not None:
        line_start = before.rfind("\n", 0, m.start()) + 1
        if "//" in before[line_start : m.start()]:
            m = None  # the word is inside a C++ comment
    written = m is not None
    if PROFILES[profile].exports_pt_export and m is not None:
        yield make(
            "RL211",
            "the seed's def_kernel already starts with PT_EXPORT: this one makes it "
            "`PT_EXPORT PT_EXPORT int …`",
            Span(m.start(), m.start() + len("PT_EXPORT")),
        )
    elif not PROFILES[profile].exports_pt_export and not written:
        yield make(
            "RL211",
            "rocm-2.13's def_kernel returns `int NAME(…)` without PT_EXPORT: write PT_EXPORT "
            "before it, or the symbol is not exported from the shared library",
            site.attribute_span,
        )


def _size(header: Header, site: HookSite, spec: HookSpec, args: dict[str, Argument]) -> Iterator[Diagnostic]:
    node_arg = args.get("node")
    if node_arg is None or node_arg.value.kind != "name":
        return
    decl = header.nodes.get(node_arg.value.literal)
    if decl is None or decl.is_none:
        return
    start, end = args.get("start_index"), args.get("end_index")
    if start is None or start.value.kind != "int" or (end is not None and end.value.kind != "int"):
        return
    default = args.get("default_value")
    shown = (
        default.value.text if default else next(p.default for p in spec.params if p.name == "default_value")
    )
    rank = len(decl.size)
    end_index = None if end is None else end.value.literal
    finding = size.size_range(decl.name, rank, start.value.literal, end_index, shown)
    if finding is not None:
        yield _place(finding, site, spec, Related(decl.key_span, f"{decl.name} has {rank} dimensions"))


def _node_args(header: Header, spec: HookSpec, param: str, arg: Argument) -> Iterator[Finding]:
    """Node parameters given a [vars] value or a literal instead of a node."""
    kind = next((p.kind for p in spec.params if p.name == param), None)
    if kind == "node":
        items: tuple[tuple[int | None, Value], ...] = ((None, arg.value),)
    elif kind == "nodes" and arg.value.kind in ("list", "tuple"):
        items = tuple(enumerate(arg.value.items))
    else:
        return
    for element, value in items:
        if value.kind == "name" and value.literal in header.vars:
            yield values.not_a_node(param, element, "", value.literal, is_var=True)
        elif value.kind in ("str", "int", "bool"):
            yield values.not_a_node(param, element, value.kind, value.text)
