"""The calls that tie Python to a template: ``self._template_from_string(src).render(…)`` —
which source a ``render`` call renders and the names it passes (keywords and the keys of a
``**{…}`` or ``**dict(…)`` it can read, RL503 for one passed twice) — and
``kernel.def_kernel(…)`` called in Python, as hook sites the template hook checks accept."""

from __future__ import annotations

import re

from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.engine.structure import Argument, HookSite, Value
from rocm_lsp.core.pymodules.module_model import Module, Node, constant, string_value, unwrap
from rocm_lsp.core.pymodules.results import RenderArg
from rocm_lsp.core.pymodules.scope import Resolver, Scope, is_parameter, uses

TEMPLATE_FACTORY = "_template_from_string"


def first_arg(call: Node) -> Node | None:
    """The first positional argument of a call (or its ``source=`` keyword)."""
    arglist = call.child_by_field_name("arguments")
    if arglist is None:
        return None
    for child in arglist.named_children:
        if child.type == "comment":
            continue
        if child.type == "keyword_argument":
            key = child.child_by_field_name("name")
            if key is not None and key.text == b"source":
                return child.child_by_field_name("value")
            continue
        return child if child.type not in ("list_splat", "dictionary_splat") else None
    return None


def _is_factory(mod: Module, call: Node) -> bool:
    func = call.child_by_field_name("function")
    if func is None:
        return False
    if func.type == "identifier":
        return mod.src(func) == TEMPLATE_FACTORY
    attr = func.child_by_field_name("attribute") if func.type == "attribute" else None
    return attr is not None and mod.src(attr) == TEMPLATE_FACTORY


def is_kernel(receiver: str) -> bool:
    """``kernel.def_kernel``, ``self.kernel.def_kernel``: a template kernel, not ``super()``."""
    last = receiver.rsplit(".", 1)[-1]
    return re.fullmatch(r"\w*kernel\w*", last, re.I) is not None


# -- render calls ---------------------------------------------------------------------------


def rendered_source(resolver: Resolver, mod: Module, func: Node, scope: Scope) -> Node | None:
    """The ``_template_from_string`` argument a ``receiver.render`` call renders: the
    receiver is that factory call, or a local assigned it once."""
    receiver = unwrap(func.child_by_field_name("object"))
    if receiver is not None and receiver.type == "call" and _is_factory(mod, receiver):
        return first_arg(receiver)
    if receiver is not None and receiver.type == "identifier":
        name = mod.src(receiver)
        for fn in scope.functions:
            if is_parameter(mod, fn, name):
                break
            bound, value = resolver.local_value(mod, fn, name, receiver.start_byte)
            value = unwrap(value)
            if bound:
                if value is not None and value.type == "call" and _is_factory(mod, value):
                    return first_arg(value)
                break
    return None


def render_args(
    resolver: Resolver, mod: Module, call: Node, scope: Scope
) -> tuple[list[RenderArg], bool, list[Diagnostic]]:
    """The names a render call passes, whether it is open (may pass names we cannot read)
    and RL503 for each name passed twice."""
    arglist = call.child_by_field_name("arguments")
    args: list[RenderArg] = []
    # a half-typed argument list (a syntax error inside it) may pass anything yet
    is_open = arglist is None or arglist.has_error
    for child in arglist.named_children if arglist is not None else ():
        if child.type == "comment":
            continue
        if child.type == "keyword_argument":
            key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if key is not None and value is not None:
                args.append(_render_arg(mod, mod.src(key), key, value))
            continue
        if child.type == "dictionary_splat":
            inner = unwrap(child.named_children[0]) if child.named_children else None
        elif child.type in ("list_splat", "parenthesized_list_splat"):
            is_open = True
            continue
        else:
            inner = unwrap(child)  # render({...}) takes a mapping positionally
        read = _mapping(resolver, mod, inner, scope)
        if read is None:
            is_open = True
        else:
            args.extend(read)
    duplicates = []
    seen: dict[str, RenderArg] = {}
    for arg in args:
        if arg.name in seen:
            first = seen[arg.name]
            duplicates.append(
                make(
                    "RL503",
                    f"{arg.name} is passed to render twice: Python raises TypeError (got multiple "
                    "values for keyword argument)",
                    arg.span,
                    Related(first.span, "first passed here"),
                )
            )
        else:
            seen[arg.name] = arg
    return args, is_open, duplicates


def _render_arg(mod: Module, name: str, key: Node, value: Node) -> RenderArg:
    is_constant, literal = constant(mod, value)
    return RenderArg(name, mod.span(key), mod.span(value), mod.src(value), is_constant, literal)


def _mapping(
    resolver: Resolver, mod: Module, node: Node, scope: Scope, depth: int = 0
) -> list[RenderArg] | None:
    """The names a ``**mapping`` passes, when they can be read; else None."""
    if node is None or depth > 2:
        return None
    if node.type == "dictionary":
        out = []
        for pair in node.named_children:
            if pair.type == "comment":
                continue
            if pair.type != "pair":
                return None  # a nested **splat
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            decoded = string_value(mod, key) if key is not None else None
            if decoded is None or value is None:
                return None
            out.append(_render_arg(mod, decoded[0], key, value))
        return out
    if node.type == "call":
        func = node.child_by_field_name("function")
        arglist = node.child_by_field_name("arguments")
        if func is None or mod.src(func) != "dict" or arglist is None:
            return None
        out = []
        for child in arglist.named_children:
            if child.type == "comment":
                continue
            if child.type != "keyword_argument":
                return None
            key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if key is None or value is None:
                return None
            out.append(_render_arg(mod, mod.src(key), key, value))
        return out
    if node.type == "identifier" and scope.functions:
        name = mod.src(node)
        fn = scope.functions[0]
        assigned = [v for t, v in resolver.local_bindings(mod, fn) if t == name]
        # read only a mapping that is built once and touched nowhere else
        if len(assigned) != 1 or uses(mod, fn, name) != 2:
            return None
        return _mapping(resolver, mod, unwrap(assigned[0]), scope, depth + 1)
    return None


# -- def_kernel in Python -------------------------------------------------------------------


def def_kernel_sites(mod: Module, call: Node, func: Node, attr: Node) -> list[HookSite]:
    """A ``kernel.def_kernel(…)`` call as hook sites: one, or two when its arguments share
    one ``… if cond else …`` (each way it can go); none while its arguments are unknown."""
    arglist = call.child_by_field_name("arguments")
    if arglist is None or arglist.has_error:
        return []  # half-typed: wait until it parses
    raw: list[tuple[str | None, Node, Node, Node | None]] = []  # keyword, arg, value, key
    for child in arglist.named_children:
        if child.type == "comment":
            continue
        if child.type in ("list_splat", "dictionary_splat", "parenthesized_list_splat"):
            return []  # *args / **kwargs: the binding is unknown
        if child.type == "keyword_argument":
            key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if key is None or value is None:
                return []
            raw.append((mod.src(key), child, value, key))
        else:
            raw.append((None, child, child, None))
    conditions = {
        mod.src(unwrap(v).named_children[1])
        for _, _, v, _ in raw
        if unwrap(v).type == "conditional_expression" and len(unwrap(v).named_children) == 3
    }
    # `inputs=[X, W, B] if B is not None else [X, W]` with `names_str="…" if B is not
    # None else "…"`: one condition, so check both ways it can go
    choices: tuple[int | None, ...] = (0, 2) if len(conditions) == 1 else (None,)
    object_node = func.child_by_field_name("object")
    insert_at = mod.off(object_node.end_byte) if object_node is not None else mod.off(func.start_byte)
    sites = []
    for choice in choices:
        arguments = []
        for keyword, arg, value, key in raw:
            val = _python_value(mod, value, choice)
            span = mod.span(arg)
            arguments.append(Argument(keyword, span, val, mod.span(key) if key is not None else None))
        sites.append(
            HookSite(
                id=-1,
                hook="def_kernel",
                name_span=mod.span(attr),
                attribute_span=mod.span(func),
                insert_at=insert_at,
                call_span=mod.span(call),
                arguments=tuple(arguments),
                tag_span=mod.span(call),  # not a `{{ … }}`: no PT_EXPORT check
            )
        )
    return sites


def _python_value(mod: Module, node: Node, choice: int | None, depth: int = 0) -> Value:
    """A Python argument as the hook checks see Jinja's: names, lists, literals."""
    node = unwrap(node)
    span, text = mod.span(node), mod.src(node)
    kind = node.type
    if depth > 32:
        return Value("other", span, text)
    if kind == "conditional_expression" and len(node.named_children) == 3 and choice is not None:
        return _python_value(mod, node.named_children[choice], None, depth + 1)
    if kind == "identifier":
        return Value("name", span, text, literal=text)
    if kind in ("list", "tuple"):
        children = [c for c in node.named_children if c.type != "comment"]
        if any(c.type in ("list_splat", "list_comprehension") for c in children):
            return Value("other", span, text)
        return Value(kind, span, text, tuple(_python_value(mod, c, None, depth + 1) for c in children))
    if kind in ("string", "concatenated_string"):
        decoded = string_value(mod, node)
        if decoded is not None:
            return Value("str", span, text, literal=decoded[0])
        return Value("other", span, text)
    if kind == "none":
        return Value("none", span, text)
    if kind in ("true", "false"):
        return Value("bool", span, text, literal=kind == "true")
    is_constant, literal = constant(mod, node)
    if kind == "integer" and is_constant:
        return Value("int", span, text, literal=literal)
    if kind == "unary_operator" and text.startswith("-") and node.named_children:
        inner = node.named_children[-1]
        ok, value = constant(mod, inner)
        if inner.type == "integer" and ok:
            return Value("int", span, text, literal=-value)
    return Value("other", span, text)


__all__ = [
    "TEMPLATE_FACTORY",
    "def_kernel_sites",
    "first_arg",
    "is_kernel",
    "render_args",
    "rendered_source",
]
