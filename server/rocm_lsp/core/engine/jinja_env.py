"""Inductor's Jinja environment, sandboxed.

Inductor renders with ``jinja2.Environment(undefined=StrictUndefined)`` plus the
``indent_except_first`` filter and otherwise default settings (no ``trim_blocks``, one
trailing newline dropped). We render in a :class:`~jinja2.sandbox.SandboxedEnvironment`
with the same settings: identical output for every template that only reads its
variables, and no way for a template to reach ``__class__``, ``__globals__`` or the
process. Arithmetic that would explode (``10**10**10``, ``"x" * 10**10``) is refused.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import marshal
from collections import OrderedDict
from dataclasses import dataclass
from types import CodeType
from typing import Any, Protocol

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from rocm_lsp.core.engine.sandbox_limits import (
    RenderBudgetError,
    as_int,
    bounded_filters,
    check_binop,
    check_call,
    check_size,
)
from rocm_lsp.core.engine.sandbox_policy import allowed_attribute, refusal
from rocm_lsp.core.model.kernel import HookError, SiteView, TemplateKernel
from rocm_lsp.core.model.profiles import unknown_hook

__all__ = [
    "CodeStore",
    "RenderBudgetError",
    "compile_template",
    "environment",
    "skeleton_key",
    "template_code",
    "template_data",
    "template_from_code",
    "template_lines",
    "undeclared_names",
    "use_code_store",
]
MAX_LIPSUM = 1000  # paragraphs or words per paragraph of ``lipsum()``
DATA_TABLE = "rocmlsp_data"  # the generated module's name for the template's text between tags
MEMORY_ENTRIES = 64  # compiled templates kept in this process (a few versions of each open file)


def indent_except_first(source: str, num_indents: int, indents_spacing: int = 4) -> str:
    """``KernelTemplate.indent_except_first``: indent every line but the first."""
    lines = source.splitlines(True)
    if len(lines) > 1:
        lines[1:] = [(" " * indents_spacing * num_indents) + line for line in lines[1:]]
    return "".join(lines)


class InductorSandbox(SandboxedEnvironment):
    """Inductor's environment settings inside Jinja's sandbox, with an allow-list of what a
    template may reach (:mod:`sandbox_policy`: checked before an attribute is read) and
    bounded arithmetic, strings and sequences (:mod:`sandbox_limits`)."""

    intercepted_binops = frozenset({"**", "*", "+", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return allowed_attribute(obj, attr) and super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if allowed_attribute(obj, attribute):
            return super().getattr(obj, attribute)
        if isinstance(obj, type):  # ``dict['x']`` would be a generic alias, not an item
            return self._refused(obj, attribute)
        try:
            return obj[attribute]  # as Jinja reads a missing attribute: an item (dict keys)
        except (TypeError, LookupError):
            return self._refused(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, type):
            return self._refused(obj, str(argument)) if isinstance(argument, str) else self.undefined(obj=obj)
        if isinstance(argument, str) and not allowed_attribute(obj, argument):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self._refused(obj, argument)
        return super().getitem(obj, argument)

    def _refused(self, obj: Any, name: str) -> Any:
        why = refusal(obj, name)
        if why is None and isinstance(obj, (TemplateKernel, SiteView)):
            # Undefined as in Inductor (``is defined`` is false), but using it raises RL205.
            return self.undefined(obj=obj, name=name, exc=functools.partial(_missing_hook, obj, name))  # type: ignore[arg-type]
        if why is None:
            return self.undefined(obj=obj, name=name)
        return self.undefined(why, name=name, obj=obj, exc=SecurityError)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        check_binop(op, left, right)
        return check_size(super().call_binop(context, op, left, right), f"{op!r}")

    def call(__self, __context: Any, __obj: Any, /, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        args = check_call(__obj, args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs), "a call")

    @staticmethod
    def bounded_concat(value: str) -> str:
        """The result of ``a ~ b`` (see ``_TrackingGenerator.visit_Concat``)."""
        return check_size(value, "'~'")


def _missing_hook(kernel: TemplateKernel | SiteView, hook: str, inductor_message: str) -> HookError:
    """The error for using ``kernel.<hook>`` that the profile's kernel does not have."""
    return HookError.of(unknown_hook(hook, kernel.profile.name), "UndefinedError", inductor_message)


def _lipsum(lipsum: Any) -> Any:
    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:  # noqa: A002
        if any((as_int(v) or 0) > MAX_LIPSUM for v in (n, min, max)):
            raise RenderBudgetError(f"lipsum() beyond {MAX_LIPSUM} paragraphs or words")
        return lipsum(n, html, min, max)

    return bounded


@functools.cache
def environment() -> InductorSandbox:
    """The shared environment (Jinja caches compiled templates per environment)."""
    env = InductorSandbox(undefined=jinja2.StrictUndefined)
    env.filters["indent_except_first"] = indent_except_first
    env.filters = bounded_filters(env.filters)
    env.globals["lipsum"] = _lipsum(env.globals["lipsum"])
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


class _DataRef(int):
    """An entry of the data table, where Jinja's code generator would write a constant."""


class _Unplaced(Exception):
    """Code generation met a node outside the skeleton's walk: its line cannot be a slot."""


class _TrackingGenerator(CodeGenerator):
    """Jinja's code generator that also records the names the template looks up
    (what ``jinja2.meta.find_undeclared_variables`` computes, without a second pass), reads the
    template's text between tags from a table and, given ``slots``, writes a line table of node
    slots (the node's place in the skeleton's walk) where Jinja writes template lines, so that
    the code serves every template of the same skeleton, however its lines fall."""

    def __init__(
        self,
        environment: jinja2.Environment,
        stream: io.StringIO,
        data_index: dict[int, int] | None = None,
        slots: dict[int, int] | None = None,
    ) -> None:
        # Without Jinja's constant-folding optimizer: it only precomputes what the render
        # computes anyway (same output), and costs a third of code generation.
        super().__init__(environment, None, None, stream, optimized=False)
        self.undeclared: set[str] = set()
        # ``id(TemplateData node) -> its index in the data table``: the text between tags is read
        # from the table, not written into the code (so edits of that text reuse the code)
        self.data_index = data_index
        self.slots = slots

    def newline(self, node: nodes.Node | None = None, extra: int = 0) -> None:
        if node is None or self.slots is None:
            return super().newline(node, extra)
        # Jinja records ``node.lineno`` when it differs from the last one recorded; a slot is
        # recorded every time, so that the table maps each code line to the same template line
        # as Jinja's, whatever the lines of the template that reuses the code
        self._new_lines = max(self._new_lines, 1 + extra)
        slot = self.slots.get(id(node))
        if slot is None:
            raise _Unplaced(type(node).__name__)
        self._write_debug_info = slot
        return None

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> Any:
        if isinstance(node, nodes.TemplateData) and self.data_index is not None:
            node.as_const(frame.eval_ctx)  # Impossible in a volatile context, as in Jinja's own
            return _DataRef(self.data_index[id(node)])
        return super()._output_child_to_const(node, frame, finalize)

    def _output_const_repr(self, group: Any) -> str:
        items = list(group)
        if self.data_index is None or not any(isinstance(c, _DataRef) for c in items):
            return super()._output_const_repr(items)
        parts = [f"{DATA_TABLE}[{c}]" if isinstance(c, _DataRef) else repr(str(c)) for c in items]
        return parts[0] if len(parts) == 1 else f"''.join(({', '.join(parts)},))"

    def visit_TemplateData(self, node: nodes.TemplateData, frame: Frame) -> None:
        if self.data_index is None:
            return super().visit_TemplateData(node, frame)
        ref = f"{DATA_TABLE}[{self.data_index[id(node)]}]"
        try:
            value = node.as_const(frame.eval_ctx)
        except nodes.Impossible:
            self.write(f"(Markup if context.eval_ctx.autoescape else identity)({ref})")
            return None
        self.write(f"Markup({ref})" if isinstance(value, Markup) else ref)
        return None

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # ``a ~ b`` grows strings without an operator the sandbox intercepts: check each result.
        self.write("environment.bounded_concat(")
        super().visit_Concat(node, frame)
        self.write(")")

    def enter_frame(self, frame: Any) -> None:
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)


class CodeStore(Protocol):
    """Where compiled templates outlive the process (``check``'s on-disk store)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


@dataclass(frozen=True)
class _Compiled:
    code: CodeType
    marshalled: bytes
    undeclared: frozenset[str]


_memory: OrderedDict[str, _Compiled] = OrderedDict()  # each operation atomic: no lock needed
_store: CodeStore | None = None
_reuse = True


def use_code_store(store: CodeStore | None, reuse: bool = True) -> None:
    """Keep compiled templates in ``store`` too (None: in this process's memory only);
    ``reuse=False``: compile every template afresh, its text as constants (``check
    --no-cache``: a first run of distinct files, which no reuse would help)."""
    global _store, _reuse
    _store, _reuse = store, reuse


def skeleton_key(ast: jinja2.nodes.Template) -> str:
    """What the generated code depends on: every node with its fields, but not the text of
    ``TemplateData`` (read from the data table) nor the lines (read from the line table) but
    those Jinja writes into messages. Equal keys, equal code."""
    return _skeleton(ast).key


@dataclass(frozen=True)
class _Skeleton:
    key: str
    data: list[nodes.TemplateData]  # in the order of the walk: the data table's order
    walked: list[nodes.Node]  # every node in the order of the walk: a slot is an index here


def _skeleton(ast: jinja2.nodes.Template) -> _Skeleton:
    """:func:`skeleton_key`, with the ``TemplateData`` nodes and every node, in one walk."""
    out: list[Any] = []
    data: list[nodes.TemplateData] = []
    walked: list[nodes.Node] = []
    stack: list[Any] = [ast]
    while stack:
        item = stack.pop()
        if isinstance(item, nodes.Node):
            out.append(type(item).__name__)
            walked.append(item)
            if _line_in_code(item):
                out.append(item.lineno)
            if type(item) is nodes.TemplateData:
                data.append(item)
            else:
                stack.extend(getattr(item, name, None) for name in reversed(item.fields))
        elif isinstance(item, list):
            out.append(len(item))
            stack.extend(reversed(item))
        else:
            out.append((type(item).__name__, item))
    return _Skeleton(hashlib.sha256(repr(out).encode("utf-8", "surrogateescape")).hexdigest(), data, walked)


def _line_in_code(node: nodes.Node) -> bool:
    """Whether Jinja writes the node's line into the generated code itself (a message naming
    "line N": ``a if b`` without ``else``, ``from … import``): then the line is part of the
    skeleton. Every other line is only in the line table (``debug_info``)."""
    return isinstance(node, nodes.FromImport) or (isinstance(node, nodes.CondExpr) and node.expr2 is None)


def compile_template(ast: jinja2.nodes.Template) -> tuple[jinja2.Template, set[str]]:
    """``env.from_string(ast)`` and ``meta.find_undeclared_variables(ast)`` in one code
    generation, reused for every template with the same :func:`skeleton_key` (in this process,
    and in the code store when one is set). Raises ``TemplateSyntaxError`` (e.g. an unknown
    filter) or ``SyntaxError``."""
    if not _reuse:
        return _afresh(ast)
    skeleton = _skeleton(ast)
    data = tuple(node.data for node in skeleton.data)
    compiled = _cached(skeleton.key)
    if compiled is None:
        data_index = {id(node): i for i, node in enumerate(skeleton.data)}
        try:
            compiled = _generate(ast, data_index, {id(node): i for i, node in enumerate(skeleton.walked)})
        except _Unplaced:  # pragma: no cover - Jinja's generator writes lines of the tree's nodes only
            return _afresh(ast)
        _remember(skeleton.key, compiled, stored=False)
    template = _template(compiled.code, compiled.marshalled, data)
    template._debug_info = _placed(template._debug_info, skeleton.walked)
    return template, set(compiled.undeclared)


def _afresh(ast: jinja2.nodes.Template) -> tuple[jinja2.Template, set[str]]:
    """Compiled as Jinja does, its text and lines in the code (not reused: ``check --no-cache``)."""
    fresh = _generate(ast, None, None)
    return _template(fresh.code, fresh.marshalled, ()), set(fresh.undeclared)


def _placed(slot_table: str, walked: list[nodes.Node]) -> str:
    """A line table of slots (``slot=code line&…``) as Jinja's (``template line=code line&…``)."""
    if not slot_table:
        return slot_table
    pairs = (entry.partition("=") for entry in slot_table.split("&"))
    return "&".join(f"{walked[int(slot)].lineno}={code_line}" for slot, _, code_line in pairs)


def _generate(
    ast: jinja2.nodes.Template, data_index: dict[int, int] | None, slots: dict[int, int] | None
) -> _Compiled:
    """Jinja's code for ``ast`` (its text read from the data table unless ``data_index`` is
    None, its line table of ``slots`` unless None) and the names it reads."""
    env = environment()
    stream = io.StringIO()
    generator = _TrackingGenerator(env, stream, data_index, slots)
    generator.visit(ast)
    code = env._compile(stream.getvalue(), "<template>")
    return _Compiled(code, marshal.dumps(code), frozenset(generator.undeclared))


def _cached(key: str) -> _Compiled | None:
    found = _memory.get(key)
    if found is not None:
        with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
            _memory.move_to_end(key)
        return found
    store = _store
    if store is None:
        return None
    marshalled = store.get(key)
    if marshalled is None:
        return None
    try:
        code, undeclared = marshal.loads(marshalled)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(code, CodeType) or not isinstance(undeclared, frozenset):
        return None
    compiled = _Compiled(code, marshal.dumps(code), undeclared)
    _remember(key, compiled, stored=True)
    return compiled


def _remember(key: str, compiled: _Compiled, stored: bool) -> None:
    _memory[key] = compiled
    with contextlib.suppress(KeyError):  # emptied by another thread meanwhile
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)
    store = _store
    if store is not None and not stored:
        store.put(key, marshal.dumps((compiled.code, compiled.undeclared)))


def _template(code: CodeType, marshalled: bytes, data: tuple[str, ...]) -> jinja2.Template:
    """``Template.from_code``, with the data table among the generated module's globals."""
    env = environment()
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    # the module's functions read the table at render time, from the module's namespace
    template.root_render_func.__globals__[DATA_TABLE] = data
    template._rocmlsp_code = marshalled  # type: ignore[attr-defined]
    template._rocmlsp_data = data  # type: ignore[attr-defined]
    return template


def template_code(template: jinja2.Template) -> bytes:
    """The marshalled code of a template from :func:`compile_template` (what a render process
    runs: code generated by Jinja from the template text, never the text's own Python)."""
    code = getattr(template, "_rocmlsp_code", None)
    if code is None:
        raise ValueError("the template was not compiled by compile_template")
    return code


def template_lines(template: jinja2.Template) -> str:
    """The line table of a template (Jinja's ``debug_info``: ``template line=code line&…``), which
    maps a render error to its template line."""
    return template._debug_info


def template_data(template: jinja2.Template) -> tuple[str, ...]:
    """The data table of a template from :func:`compile_template`: its text between tags."""
    data = getattr(template, "_rocmlsp_data", None)
    if data is None:
        raise ValueError("the template was not compiled by compile_template")
    return data


def template_from_code(code: bytes, data: tuple[str, ...], lines: str) -> jinja2.Template:
    """The template :func:`template_code`, :func:`template_data` and :func:`template_lines`
    describe, in this process's environment."""
    template = _template(marshal.loads(code), code, data)
    template._debug_info = lines
    return template


def _stand_in(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def undeclared_names(ast: jinja2.nodes.Template) -> set[str]:
    """The names ``ast`` looks up (``meta.find_undeclared_variables``), also for a template
    that does not compile: unknown filters and tests get stand-ins (Jinja's compiler stops
    at them), and after any other compile error every name read and never assigned counts."""
    env: jinja2.Environment = environment()
    filters = {f.name for f in ast.find_all(nodes.Filter)} - env.filters.keys()
    tests = {t.name for t in ast.find_all(nodes.Test)} - env.tests.keys()
    if filters or tests:
        env = env.overlay()
        env.filters = {**env.filters, **dict.fromkeys(filters, _stand_in)}
        env.tests = {**env.tests, **dict.fromkeys(tests, _stand_in)}
    generator = _TrackingGenerator(env, io.StringIO())
    try:
        generator.visit(ast)
    except jinja2.TemplateSyntaxError:
        names = list(ast.find_all(nodes.Name))
        assigned = {n.name for n in names if n.ctx != "load"} | {m.name for m in ast.find_all(nodes.Macro)}
        return {n.name for n in names if n.ctx == "load"} - assigned - env.globals.keys()
    return generator.undeclared
