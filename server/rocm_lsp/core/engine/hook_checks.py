"""Static checks of hook call sites: every site, in every branch, without rendering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine.header import Header
from rocm_lsp.core.engine.structure import Argument, HookSite, Value
from rocm_lsp.core.model.messages import arity_message, negative_reorder_message, plural, rewrite_message
from rocm_lsp.core.model.profiles import PROFILES, HookSpec, profiles_with_hook
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
                out.extend(_unknown_hook(site, profile))
            continue
        if not site.called:
            continue
        bound = list(_bind(site, spec, out))
        if site.hook == "def_kernel":
            out.extend(_def_kernel(text, header, site, dict(bound), profile))
        elif site.hook == "size":
            out.extend(_size(header, site, dict(bound)))
        for name, arg in bound:
            out.extend(_node_args(header, spec, name, arg))
    return out


def _unknown_hook(site: HookSite, profile: str) -> Iterator[Diagnostic]:
    others = profiles_with_hook(site.hook)
    if others:
        dropped = PROFILES[profile].dropped_hooks.get(site.hook)
        hint = f"; {dropped}" if dropped else ""
        yield make(
            "RL205",
            f"kernel.{site.hook} does not exist in profile {profile}; it exists in {', '.join(others)}{hint}",
            site.name_span,
        )
    else:
        known = ", ".join(PROFILES[profile].hooks)
        yield make(
            "RL205",
            f"kernel has no hook {site.hook!r} in profile {profile}; its hooks are {known}",
            site.name_span,
        )


def _bind(site: HookSite, spec: HookSpec, out: list[Diagnostic]) -> Iterator[tuple[str, Argument]]:
    names = [p.name for p in spec.params]
    seen: set[str] = set()
    position = 0
    for arg in site.arguments:
        if arg.keyword is None:
            if position >= len(names):
                out.append(
                    make("RL207", f"{spec.name}() takes at most {plural(len(names), 'argument')}", arg.span)
                )
                continue
            name = names[position]
            position += 1
        else:
            name = arg.keyword
            if name not in names:
                extra = ""
                if name == "size_args":
                    extra = " (size_args exists in rocm-2.13)"
                out.append(
                    make(
                        "RL207",
                        f"{spec.name}() has no parameter {name!r}; its parameters are "
                        f"{', '.join(names)}{extra}",
                        arg.keyword_span or arg.span,
                    )
                )
                continue
        if name in seen:
            out.append(make("RL207", f"{spec.name}() got {name!r} twice", arg.span))
            continue
        seen.add(name)
        yield name, arg
    for param in spec.params:
        if param.required and param.name not in seen:
            out.append(
                make(
                    "RL206",
                    f"{spec.name}() is missing the required argument {param.name!r} ({param.doc})",
                    site.call_span or site.name_span,
                )
            )


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
    text: str, header: Header, site: HookSite, args: dict[str, Argument], profile: str
) -> Iterator[Diagnostic]:
    inputs, outputs = args.get("inputs"), args.get("outputs")
    n_in = len(inputs.value.items) if inputs and inputs.value.kind in ("list", "tuple") else None
    n_out = len(outputs.value.items) if outputs and outputs.value.kind in ("list", "tuple") else None
    names_arg = args.get("names_str")
    names_value = "" if names_arg is None else _resolve(header, names_arg.value)
    names_span = names_arg.value.span if names_arg else (site.call_span or site.name_span)
    if isinstance(names_value, str):
        names = [x.strip() for x in names_value.strip().split(",")]
        if n_in is not None and n_out is not None and n_in + n_out != len(names):
            yield make("RL201", arity_message(names, n_in, n_out, names_arg is None), names_span)
        elif n_in is not None and n_out is not None:
            yield from _names(header, names, names_span, inputs, outputs)
    yield from _dtypes(header, (inputs, outputs), profile)
    reorder_arg = args.get("input_reorder")
    if reorder_arg is not None and n_in is not None:
        reorder = _resolve(header, reorder_arg.value)
        yield from _reorder(reorder, reorder_arg, n_in, profile)
    yield from _pt_export(text, site, profile)


def _dtypes(header: Header, lists: tuple[Argument | None, ...], profile: str) -> Iterator[Diagnostic]:
    table = PROFILES[profile].dtype_table
    for arg in lists:
        if arg is None or arg.value.kind not in ("list", "tuple"):
            continue
        for item in arg.value.items:
            decl = header.nodes.get(item.literal) if item.kind == "name" else None
            if decl is None or decl.is_none or decl.dtype in table:
                continue
            yield make(
                "RL209",
                f"{decl.name} has dtype {decl.dtype}, which this profile's C++ type table "
                f"({profile}) does not have",
                item.span,
                Related(header.span_of("nodes", decl.name, "dtype") or decl.key_span, "declared here"),
            )


def _names(
    header: Header, names: list[str], span: Span, inputs: Argument | None, outputs: Argument | None
) -> Iterator[Diagnostic]:
    items = [*(inputs.value.items if inputs else ()), *(outputs.value.items if outputs else ())]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if i < len(items) and items[i].kind == "none":
            continue  # an absent node gets no parameter
        if name in seen:
            yield make(
                "RL212",
                f"names_str lists {name!r} twice: both become a C++ parameter called {name!r}",
                span,
            )
        seen.setdefault(name, i)
    for name, item in zip(names, items):
        if item.kind == "name" and item.literal != name and item.literal in header.nodes:
            yield make(
                "RL213",
                f"{item.literal} is passed where names_str says {name!r}: the C++ parameter "
                f"for {item.literal} will be called {name!r}",
                item.span,
            )


def _reorder(reorder: Any, arg: Argument, n_in: int, profile: str) -> Iterator[Diagnostic]:
    if reorder is ... or reorder is None or not isinstance(reorder, list):
        return
    rewrite = PROFILES[profile].reorder_rewrite
    if rewrite is not None and reorder == list(rewrite.before):
        if n_in != len(rewrite.after):
            yield make("RL208", rewrite_message(PROFILES[profile], n_in, "def_kernel"), arg.value.span)
        return
    if len(reorder) != n_in:
        yield make(
            "RL202",
            f"input_reorder has {plural(len(reorder), 'entry', 'entries')} but def_kernel got "
            f"{plural(n_in, 'input')}",
            arg.value.span,
        )
        return
    items = arg.value.items if arg.value.kind in ("list", "tuple") else ()
    bad = False
    for i, idx in enumerate(reorder):
        if not isinstance(idx, int) or isinstance(idx, bool):
            continue
        if -n_in <= idx < 0:
            bad = True
            span = items[i].span if i < len(items) else arg.value.span
            yield make("RL204", negative_reorder_message(idx), span)
        elif not -n_in <= idx < n_in:
            bad = True
            span = items[i].span if i < len(items) else arg.value.span
            yield make(
                "RL203",
                f"input_reorder entry {idx} is out of range for {plural(n_in, 'input')} "
                f"(valid: 0..{n_in - 1})",
                span,
            )
    if not bad and all(isinstance(i, int) for i in reorder):
        if sorted(i % n_in for i in reorder) != list(range(n_in)):
            yield make(
                "RL204",
                f"input_reorder {reorder} is not a permutation of 0..{n_in - 1}: some inputs "
                "are dropped or passed twice",
                arg.value.span,
            )


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


def _size(header: Header, site: HookSite, args: dict[str, Argument]) -> Iterator[Diagnostic]:
    node_arg = args.get("node")
    if node_arg is None or node_arg.value.kind != "name":
        return
    decl = header.nodes.get(node_arg.value.literal)
    if decl is None or decl.is_none:
        return
    rank = len(decl.size)
    for key in ("start_index", "end_index"):
        arg = args.get(key)
        if arg is None or arg.value.kind != "int":
            continue
        idx = arg.value.literal
        if not -rank <= idx < rank:
            yield make(
                "RL215",
                f"{key} {idx} is past the rank {rank} of {decl.name}: Inductor does not "
                "raise, it silently wraps or yields the default",
                arg.value.span,
                Related(decl.key_span, f"{decl.name} has {rank} dimensions"),
            )


def _node_args(header: Header, spec: HookSpec, param: str, arg: Argument) -> Iterator[Diagnostic]:
    """Node parameters given a [vars] value instead of a node."""
    kind = next((p.kind for p in spec.params if p.name == param), None)
    values: tuple[Value, ...] = ()
    if kind == "node":
        values = (arg.value,)
    elif kind == "nodes" and arg.value.kind in ("list", "tuple"):
        values = arg.value.items
    for value in values:
        if value.kind == "name" and value.literal in header.vars:
            yield make(
                "RL210",
                f"{value.literal} is a [vars] value, not a node: declare it in [nodes]",
                value.span,
            )
        elif value.kind in ("str", "int", "bool"):
            yield make("RL210", f"{value.text} is not a node: pass a [nodes] variable or none", value.span)
