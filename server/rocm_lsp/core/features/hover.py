"""Hover text: what a hook expands to, what a node or header key is, a variable's value.

Markdown in editor terms; the code block of a hook hover holds exactly the string the
hook returned during ``rocm-lsp render``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from rocm_lsp.core.engine.analysis import Analysis
from rocm_lsp.core.engine.header import NodeDecl
from rocm_lsp.core.engine.structure import HookSite
from rocm_lsp.core.model.kernel import HookCall
from rocm_lsp.core.model.profiles import PROFILES, profiles_with_hook
from rocm_lsp.core.text import Span

MAX_LINES = 40
PREVIEW_HINT = "run the **Preview C++** lens for the whole file"

HEADER_KEYS = {
    "profile": "Which Inductor version's hook semantics render this file: `seed` (the older "
    "ROCmTemplateKernel, default) or `rocm-2.13` (torch 2.13).",
    "kernel_name": "The kernel's C++ name, as Inductor passes it to the template kernel "
    "(default `KERNEL_NAME`, Inductor's placeholder before the name is final).",
    "runtime_args": "rocm-2.13 runtime arguments: `{ name, ty, value }` each; they follow "
    "`size_args` in the signature, and the wrapper passes `value`.",
    "nodes": "Every IR node the template sees, by variable name: "
    '`{ dtype, size, stride?, offset? }`, or `"none"` for an absent optional input.',
    "vars": "Any other template variables, as TOML values.",
    "shapes": "Example values for size symbols, used by `--static`, compile and benchmark.",
    "bench": "What the Benchmark lens checks and reports: `reference`, `rtol`, `atol`, `flops`.",
    "dtype": "A torch dtype name (`float16`, `bfloat16`, `float32`, `int8`, …).",
    "size": 'Sizes: integers or integer expressions over symbols (`"s0"`, `"2*s1 + 1"`).',
    "stride": "Strides, same form as `size` (default: contiguous, row-major).",
    "offset": "Storage offset in elements (default 0).",
    "reference": "A torch expression over node names; the kernel's outputs must match it.",
    "rtol": "Relative tolerance of the reference check.",
    "atol": "Absolute tolerance of the reference check.",
    "flops": "Floating-point operations per call, an expression over symbols.",
}


@dataclass(frozen=True)
class Hover:
    markdown: str
    span: Span


def hover_at(analysis: Analysis, offset: int) -> Hover | None:
    """The hover at ``offset``, or None where there is nothing to say."""
    outline = analysis.outline
    if outline is None:
        return None
    header = analysis.header
    if header.span is not None and header.span.contains(offset):
        return _header_hover(analysis, offset)
    site = outline.site_at(offset)
    if site is not None and (site.name_span.contains(offset) or site.attribute_span.contains(offset)):
        return _site_hover(analysis, site)
    ref = outline.name_at(offset)
    if ref is not None:
        if ref.name in header.nodes:
            return Hover(_node_markdown(analysis, header.nodes[ref.name]), ref.span)
        if ref.name in header.vars:
            value = json.dumps(header.vars[ref.name], ensure_ascii=False)
            return Hover(f"`{ref.name}` = `{value}` (from `[vars]`)", ref.span)
        assigned = set_literals(analysis).get(ref.name)
        if assigned:
            lines = ", ".join(str(line) for line, _ in assigned)
            values = sorted({value for _, value in assigned})
            where = f"`{{% set %}}` on line{'s' if len(assigned) > 1 else ''} {lines}"
            shown = " or ".join(f"`{v}`" for v in values)
            return Hover(f"`{ref.name}` = {shown} ({where})", ref.span)
        if ref.name == "kernel":
            profile = PROFILES[analysis.profile]
            hooks = ", ".join(f"`{h}`" for h in profile.hooks)
            why = f"; {analysis.profile_reason}" if analysis.profile_reason else ""
            text = f"**kernel**: the {profile.name} template kernel (torch {profile.torch}{why})"
            return Hover(f"{text}; hooks: {hooks}", ref.span)
    if site is not None:
        return _site_hover(analysis, site)
    return None


MAX_LITERAL = 200  # characters of a literal shown in a hover


def _literal(node: nodes.Node, depth: int = 0) -> Any:
    """The value of a literal expression (constants, lists, tuples, dicts, negated numbers),
    read from the AST without evaluating anything; raises ValueError for anything else."""
    if depth > 8:
        raise ValueError
    if isinstance(node, nodes.Const) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, nodes.Neg) and isinstance(node.node, nodes.Const):
        value = node.node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, (nodes.List, nodes.Tuple)) and len(node.items) <= 64:
        return [_literal(item, depth + 1) for item in node.items]
    if isinstance(node, nodes.Dict) and len(node.items) <= 64:
        return {str(_literal(p.key, depth + 1)): _literal(p.value, depth + 1) for p in node.items}
    raise ValueError


def set_literals(analysis: Analysis) -> dict[str, list[tuple[int, str]]]:
    """Per name, the ``{% set name = <literal> %}`` assignments: (line, value as JSON)."""
    found: dict[str, list[tuple[int, str]]] = {}
    if analysis.ast is None:
        return found
    for assign in analysis.ast.find_all(nodes.Assign):
        if not isinstance(assign.target, nodes.Name):
            continue
        try:
            value = json.dumps(_literal(assign.node), ensure_ascii=False)
        except (ValueError, OverflowError):
            continue
        if len(value) > MAX_LITERAL:
            value = value[:MAX_LITERAL] + "…"
        found.setdefault(assign.target.name, []).append((assign.lineno, value))
    return found


def site_result(analysis: Analysis, site: HookSite) -> tuple[list[HookCall], str | None]:
    """The executed calls of a site and the text it expanded to (None if it never ran)."""
    calls = analysis.calls_at(site)
    for call in calls:
        if call.result is not None:
            return calls, str(call.result)
    return calls, None


def _cap(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    if len(lines) <= MAX_LINES:
        return text, 0
    return "\n".join(lines[:MAX_LINES]), len(lines) - MAX_LINES


def _site_hover(analysis: Analysis, site: HookSite) -> Hover:
    span = site.call_span or site.attribute_span
    profile = PROFILES[analysis.profile]
    spec = profile.hooks.get(site.hook)
    if spec is None:
        if site.hook in profile.attributes:
            return Hover(f"`kernel.{site.hook}`: an attribute of the {profile.name} template kernel", span)
        others = profiles_with_hook(site.hook)
        where = f"; it exists in {', '.join(others)}" if others else ""
        return Hover(f"`kernel.{site.hook}` does not exist in profile {profile.name}{where}.", span)
    calls, result = site_result(analysis, site)
    parts: list[str] = []
    if result is not None:
        shown, more = _cap(result)
        parts.append(f"```cpp\n{shown}\n```")
        if more:
            parts.append(f"*… {more} more lines: {PREVIEW_HINT}.*")
    elif calls and calls[0].error is not None:
        parts.append(f"**Inductor raises here:** {calls[0].error.message}")
    else:
        parts.append(_not_rendered(analysis, site, calls))
    parts.append(f"`{spec.label()}` — {spec.doc}")
    if calls and result is not None:
        parts.extend(_explain(analysis, site, calls[0]))
        distinct = {c.result for c in calls}
        if len(calls) > 1:
            what = "the same result" if len(distinct) == 1 else f"{len(distinct)} different results"
            parts.append(f"Rendered {len(calls)} times ({what}); the first is shown.")
        concrete = analysis.calls_at(site, concrete=True)
        if concrete and concrete[0].result is not None and concrete[0].result != result:
            values = ", ".join(f"{k}={v}" for k, v in sorted(analysis.header.shapes.items()))
            short, more = _cap(str(concrete[0].result))
            parts.append(f"With `[shapes]` ({values}):\n```cpp\n{short}\n```")
    return Hover("\n\n".join(parts), span)


def _not_rendered(analysis: Analysis, site: HookSite, calls: list[HookCall]) -> str:
    """Why a hook site shows no expansion: it returned None, else what stopped the render (or
    kept the template from compiling), else the render completed and skipped it."""
    failure = analysis.rendered.failure if analysis.rendered is not None else None
    if failure is not None and failure.site == site.id:
        calls = calls[:-1]  # the last call of the render raised (not a hook error: e.g. an undefined node)
    if calls:
        return "*Rendered: the hook returned `None` (Jinja prints `None`).*"
    stopped = analysis.stopped
    if stopped is not None:
        line = analysis.index.position(stopped.span.start)[0] + 1
        what = "Not rendered" if analysis.rendered is not None else "No render"
        return f"*{what}:* {stopped.code} {stopped.message} (line {line})"
    return "*Not rendered with the header's values (a branch that is not taken).*"


def _explain(analysis: Analysis, site: HookSite, call: HookCall) -> list[str]:
    out: list[str] = []
    if call.hook == "def_kernel":
        rows = [
            f"- `{ctype} {inner}` ← {_origin(analysis, outer)}" for ctype, inner, outer in call.parameters
        ]
        if rows:
            out.append("**Parameters** (in order):\n" + "\n".join(rows))
        out.append(_wrapper_call(analysis, call))
    if call.renamed:
        renames = ", ".join(f"`{sym}` → `{ks}`" for sym, ks in call.renamed.items())
        out.append(f"Size symbols that became kernel arguments here: {renames}.")
    for note in call.notes:
        out.append(f"⚠ {note.code}: {note.message}")
    return out


def _origin(analysis: Analysis, outer: str) -> str:
    decl = analysis.header.nodes.get(outer)
    if decl is not None and not decl.is_none:
        sizes = ", ".join(str(e) for e in decl.size)
        return f"node `{outer}` ({decl.dtype}, [{sizes}])"
    return f"size symbol `{outer}`"


def _wrapper_call(analysis: Analysis, call: HookCall) -> str:
    """How Inductor's Python wrapper calls the kernel: the other side of the ABI."""
    args = [f"c_void_p({outer}.data_ptr())" for _, _, outer in call.parameters]
    note = ""
    if PROFILES[analysis.profile].scalar_call_args:
        for decl in call.arguments.get("size_args") or []:
            name = str(decl).split()[-1] if str(decl).split() else str(decl)
            args.append(f"c_int({name})")
        kernel = analysis.rendered.kernel if analysis.rendered else None
        args.extend(repr(v) for v in getattr(kernel, "runtime_arg_values", []))
    elif any(outer not in analysis.header.nodes for _, _, outer in call.parameters):
        note = (
            "\n\nThe seed's `call_kernel` wraps size arguments in `c_void_p(….data_ptr())` "
            "too; Inductor of that era passed them that way."
        )
    args.append("None")  # workspace_size: NULL, this is not the size query
    args.append("None")  # workspace: allocated only when the size query returns > 0
    body = ",\n    ".join(args)
    name = analysis.header.kernel_name
    return f"**Inductor's wrapper calls it as:**\n```python\n{name}(\n    {body},\n)\n```{note}"


def _node_markdown(analysis: Analysis, decl: NodeDecl) -> str:
    if decl.is_none:
        return f"**{decl.name}**: `None` (an absent optional input; hooks skip it)"
    sizes = ", ".join(str(e) for e in decl.size)
    strides = "contiguous" if decl.stride is None else "[" + ", ".join(str(e) for e in decl.stride) + "]"
    offset = f", offset {decl.offset}" if decl.offset is not None and str(decl.offset) != "0" else ""
    table = PROFILES[analysis.profile].dtype_table
    ctype = table.get(decl.dtype or "", None)
    param = None
    if analysis.rendered is not None:
        for call in analysis.rendered.calls:
            for ptype, inner, outer in call.parameters:
                if outer == decl.name:
                    param = f"`{ptype} {inner}`"
    lines = [
        f"**{decl.name}**: {decl.dtype}, size [{sizes}], stride {strides}{offset}",
        f"C++ element type: `{ctype}`" if ctype else f"no C++ type for {decl.dtype} in {analysis.profile}",
    ]
    if param:
        lines.append(f"C++ parameter: {param}")
    return "\n\n".join(lines)


def _header_hover(analysis: Analysis, offset: int) -> Hover | None:
    spans = analysis.header.spans
    best: tuple[tuple[str, ...], Span] | None = None
    for path, span in spans.items():
        if span.contains(offset) and path[-1] not in ("=",) and (best is None or span.start >= best[1].start):
            best = (path, span)
    if best is None:
        return None
    path, span = best
    keys = [p for p in path if p not in ("@key",) and not p.isdigit()]
    for key in reversed(keys):
        if key in HEADER_KEYS:
            return Hover(f"**{key}**: {HEADER_KEYS[key]}", span)
        if len(keys) >= 2 and keys[0] == "nodes" and key in analysis.header.nodes:
            return Hover(_node_markdown(analysis, analysis.header.nodes[key]), span)
    return None
