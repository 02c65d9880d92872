"""Hover in Inductor's Python template modules: what a ``{{ name }}`` receives from each
``render`` call, and the signature a Python ``kernel.def_kernel(...)`` call would produce
for an example problem (fp16, row-major GEMM-like shapes), labelled as an example."""

from __future__ import annotations

from typing import Any

from rocm_lsp.core.engine.structure import HookSite, Value
from rocm_lsp.core.features.hover import Hover
from rocm_lsp.core.model.ir import make_node
from rocm_lsp.core.model.kernel import HookError
from rocm_lsp.core.model.profiles import PROFILES
from rocm_lsp.core.model.sizes import SizeExpr
from rocm_lsp.core.pymodules.results import PythonAnalysis

EXAMPLE_SHAPE = (128, 64)  # every example node: fp16, 128 x 64, row-major


def hover_python(analysis: PythonAnalysis, offset: int) -> Hover | None:
    site = analysis.kernel_call_at(offset)
    if site is not None and site.name_span.contains(offset):
        return Hover(_example_signature(analysis, site), site.call_span or site.name_span)
    template = analysis.template_at(offset)
    if template is None:
        return None
    ref = template.name_at(offset)
    if ref is None:
        return None
    passed = template.passed(ref.name)
    if not passed:
        if any(call.open for call in template.calls):
            return Hover(f"`{ref.name}`: not passed by name; it may come from a `**` expansion", ref.span)
        return Hover(f"`{ref.name}`: no `render` call passes it", ref.span)
    lines = [f"`{ref.name}` in `{template.name}` is rendered with:"]
    for call, arg in passed:
        line = analysis.index.position(call.span.start)[0] + 1
        lines.append(f"- line {line}: `{ref.name}={arg.value}`")
    return Hover("\n".join(lines), ref.span)


def _example_signature(analysis: PythonAnalysis, site: HookSite) -> str:
    """Run the profile's def_kernel on example nodes named after the Python arguments."""
    profile = PROFILES[analysis.profile]
    kernel: Any = profile.new_kernel("KERNEL_NAME", [])  # the profile's era class: its hooks
    size = [SizeExpr(str(n), ("int", n)) for n in EXAMPLE_SHAPE]
    kwargs: dict = {}
    positional = ["inputs", "outputs"]
    for i, arg in enumerate(site.arguments):
        key = arg.keyword or (positional[i] if i < len(positional) else None)
        if key is None:
            continue
        value = _example_value(arg.value, size)
        if value is ...:
            return (
                f"*Example signature unavailable: `{key}` is not a literal here.*\n\n"
                f"`{profile.hooks['def_kernel'].label()}`"
            )
        kwargs[key] = value
    try:
        signature = kernel.def_kernel(**kwargs)
    except HookError as exc:
        return f"**Inductor raises here** (example nodes): {exc.message}"
    except TypeError as exc:
        return f"**Inductor raises here** (example nodes): {exc}"
    shape = "x".join(str(n) for n in EXAMPLE_SHAPE)
    return (
        f"```cpp\n{signature}\n```\n\n*Example*: every node float16 {shape}, row-major "
        f"({profile.name}); the real signature depends on the graph's nodes."
        + (f"\n\nProfile {profile.name}: {analysis.profile_reason}." if analysis.profile_reason else "")
    )


def _example_value(value: Value, size: list[SizeExpr]) -> object:
    if value.kind in ("list", "tuple"):
        items = [_example_value(v, size) for v in value.items]
        return ... if any(i is ... for i in items) else items
    if value.kind == "name":
        return make_node(str(value.literal), "float16", size)
    if value.kind == "none":
        return None
    if value.kind in ("str", "int", "bool"):
        return value.literal
    return ...
