"""Inductor's Jinja environment, sandboxed.

Inductor renders with ``jinja2.Environment(undefined=StrictUndefined)`` plus the
``indent_except_first`` filter and otherwise default settings (no ``trim_blocks``, one
trailing newline dropped). We render in a :class:`~jinja2.sandbox.SandboxedEnvironment`
with the same settings: identical output for every template that only reads its
variables, and no way for a template to reach ``__class__``, ``__globals__`` or the
process. Arithmetic that would explode (``10**10**10``, ``"x" * 10**10``) is refused.
"""

from __future__ import annotations

import functools
import io
import operator
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment

MAX_POW_BITS = 4096
MAX_SEQUENCE = 1 << 20


class RenderBudgetError(RuntimeError):
    """A template operation beyond the render budget."""


def indent_except_first(source: str, num_indents: int, indents_spacing: int = 4) -> str:
    """``KernelTemplate.indent_except_first``: indent every line but the first."""
    lines = source.splitlines(True)
    if len(lines) > 1:
        lines[1:] = [(" " * indents_spacing * num_indents) + line for line in lines[1:]]
    return "".join(lines)


def _as_int(value: Any) -> int | None:
    """An integer operand (also sympy's ``Integer`` node sizes), else None."""
    if isinstance(value, (str, bytes, list, tuple, float)):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


class InductorSandbox(SandboxedEnvironment):
    """Inductor's environment settings inside Jinja's sandbox, with bounded arithmetic."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        a, b = _as_int(left), _as_int(right)
        if op == "**":
            if a is not None and b is not None and b > 0:
                if abs(a) > 1 and b * max(abs(a).bit_length(), 1) > MAX_POW_BITS:
                    raise RenderBudgetError(f"{a} ** {b} is too large to compute")
            return operator.pow(left, right)
        for seq, count in ((left, b), (right, a)):
            if isinstance(seq, (str, list, tuple)) and count is not None:
                if len(seq) * count > MAX_SEQUENCE:
                    raise RenderBudgetError(
                        f"a {type(seq).__name__} of length {len(seq)} repeated {count} times is too "
                        f"large (limit {MAX_SEQUENCE} items)"
                    )
        return operator.mul(left, right)


@functools.cache
def environment() -> InductorSandbox:
    """The shared environment (Jinja caches compiled templates per environment)."""
    env = InductorSandbox(undefined=jinja2.StrictUndefined)
    env.filters["indent_except_first"] = indent_except_first
    return env


def inductor_syntax_message(exc: jinja2.TemplateSyntaxError, source: str) -> str:
    """The text of Inductor's ``DetailedTemplateSyntaxError`` for a syntax error."""
    lineno = exc.lineno
    text = f"Error in template at line {lineno}\n"
    text += f"Error message: {exc.message}\n"
    lines = source.split("\n")
    text += "Context:\n"
    for i in range(max(0, lineno - 2), min(len(lines), lineno + 2)):
        marker = "-->" if i == lineno - 1 else "   "
        text += f"{i + 1}: {marker} {lines[i]}\n"
    return text


class _TrackingGenerator(CodeGenerator):
    """Jinja's code generator that also records the names the template looks up
    (what ``jinja2.meta.find_undeclared_variables`` computes, without a second pass)."""

    def __init__(self, environment: jinja2.Environment, stream: io.StringIO) -> None:
        # Without Jinja's constant-folding optimizer: it only precomputes what the render
        # computes anyway (same output), and costs a third of code generation.
        super().__init__(environment, None, None, stream, optimized=False)
        self.undeclared: set[str] = set()

    def enter_frame(self, frame: Any) -> None:
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)


def compile_template(ast: jinja2.nodes.Template) -> tuple[jinja2.Template, set[str]]:
    """``env.from_string(ast)`` and ``meta.find_undeclared_variables(ast)`` in one code
    generation. Raises ``TemplateSyntaxError`` (e.g. an unknown filter) or ``SyntaxError``."""
    env = environment()
    stream = io.StringIO()
    generator = _TrackingGenerator(env, stream)
    generator.visit(ast)
    code = env._compile(stream.getvalue(), "<template>")
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    return template, generator.undeclared
