"""Rendering a template document exactly as Inductor would, recording every hook call."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

import jinja2

from rocm_lsp.core import sizes, symbolic
from rocm_lsp.core.budget import time_budget
from rocm_lsp.core.header import Header, NodeDecl
from rocm_lsp.core.ir import IRNode, make_node
from rocm_lsp.core.jinja_env import RenderBudgetError, environment
from rocm_lsp.core.kernel import HookCall, HookError, TemplateKernel
from rocm_lsp.core.profiles import PROFILES
from rocm_lsp.core.sizes import SizeExpr
from rocm_lsp.core.structure import Outline

RENDER_SECONDS = 2.0
RENDER_MEMORY = 512 << 20  # growth of the process while one render runs
MAX_OUTPUT = 8 * 1024 * 1024
SITE_METHOD = ".rocmlsp_site({})"


@dataclass
class RenderFailure:
    """Why a render stopped: the exception, and the template line it happened on."""

    error: BaseException
    line: int | None  # 1-based template line, when known
    site: int | None  # the hook call site that raised, when known


@dataclass
class Rendered:
    text: str | None
    calls: list[HookCall] = field(default_factory=list)
    failure: RenderFailure | None = None
    kernel: TemplateKernel | None = None


def build_nodes(header: Header, static: bool = False) -> dict[str, IRNode | None]:
    """IR nodes for the header's ``[nodes]`` (``--static`` substitutes ``[shapes]``)."""
    out: dict[str, IRNode | None] = {}
    for name, decl in header.nodes.items():
        out[name] = None if decl.is_none else _node(decl, header.shapes if static else {})
    return out


def _node(decl: NodeDecl, shapes: dict[str, int]) -> IRNode:
    def sub(entry: SizeExpr) -> SizeExpr:
        if not shapes or not (entry.symbols & shapes.keys()):
            return entry
        tree = sizes.substitute(entry.tree, shapes)
        if not sizes.SizeExpr(entry.text, tree).symbols:
            value = sizes.evaluate(tree, {})
            return SizeExpr(str(value), ("int", value))
        return SizeExpr(entry.text, tree)

    assert decl.dtype is not None
    size = [sub(e) for e in decl.size]
    stride = None if decl.stride is None else [sub(e) for e in decl.stride]
    offset = None if decl.offset is None else sub(decl.offset)
    return make_node(decl.name, decl.dtype, size, stride, offset)


def instrument(text: str, outline: Outline) -> str:
    """``text`` with ``.rocmlsp_site(N)`` after ``kernel`` at every called hook site."""
    parts = []
    last = 0
    for site in outline.sites:
        if site.called:
            parts.append(text[last : site.insert_at])
            parts.append(SITE_METHOD.format(site.id))
            last = site.insert_at
    parts.append(text[last:])
    return "".join(parts)


def parse(text: str, outline: Outline | None) -> tuple[jinja2.nodes.Template, bool]:
    """The Jinja AST, instrumented when the outline allows (second value).

    Raises ``TemplateSyntaxError`` for the original text's syntax error.
    """
    env = environment()
    if outline is not None and any(s.called for s in outline.sites):
        try:
            return env.parse(instrument(text, outline)), True
        except jinja2.TemplateSyntaxError:
            pass
    return env.parse(text), False


def compile_template(text: str, outline: Outline | None) -> tuple[jinja2.Template, bool]:
    """The compiled template, instrumented when the outline allows (second value)."""
    ast, instrumented = parse(text, outline)
    return environment().from_string(ast), instrumented


def render(
    template: jinja2.Template,
    header: Header,
    profile_name: str | None = None,
    static: bool = False,
    seconds: float | None = None,
    warm: bool = False,
) -> Rendered:
    """Render with the header's nodes and vars; never raises."""
    profile = PROFILES[profile_name or header.profile]
    kernel = profile.new_kernel(header.kernel_name, header.runtime_args)
    context: dict[str, Any] = {**header.vars, **build_nodes(header, static)}
    result = Rendered(None, kernel.calls, kernel=kernel)
    if warm or any(decl.size and any(e.symbols for e in decl.size) for decl in header.nodes.values()):
        symbolic.warm_up()  # never import sympy under the budget: an interrupted import breaks it
    try:
        with time_budget(seconds or RENDER_SECONDS, RENDER_MEMORY):
            chunks = []
            total = 0
            for chunk in template.generate(kernel=kernel, **context):
                total += len(chunk)
                if total > MAX_OUTPUT:
                    raise RenderBudgetError(f"the rendered text exceeds {MAX_OUTPUT // (1 << 20)} MiB")
                chunks.append(chunk)
        result.text = "".join(chunks)
    except Exception as exc:  # noqa: BLE001 - any error a template expression raises
        result.failure = _failure(exc, kernel)
    return result


def _failure(exc: BaseException, kernel: TemplateKernel) -> RenderFailure:
    site = None
    if isinstance(exc, HookError):
        for call in reversed(kernel.calls):
            if call.error is exc:
                site = call.site
                break
    elif kernel.calls and kernel.calls[-1].result is None and kernel.calls[-1].error is None:
        site = kernel.calls[-1].site  # raised inside a hook body (e.g. an overflow)
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return RenderFailure(exc, line, site)
