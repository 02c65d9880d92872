"""Which string literal(s) an expression can be: names through function locals, module
constants and ``from … import`` (in modules read through a :data:`ModuleReader`), and
``self.attr`` through the class, its bases and the subclasses that override it.

Resolution never guesses: a parameter, a name bound twice or a value that is not a plain
assignment resolves to nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from rocm_lsp.core.engine.jinja_checks import MAX_TEMPLATE_BYTES
from rocm_lsp.core.pymodules.module_model import Class, Module, Node, bindings, is_string, node_key, unwrap

log = logging.getLogger(__name__)

ModuleReader = Callable[[str], "str | None"]
"""Text of a module named in an import (``pkg.mod`` or ``.mod``), or None: how base classes
and constants defined next to the analysed module are found (``check`` reads the same
directory)."""

_MAX_DEPTH = 8  # resolution steps (name -> name -> attribute …) and foreign modules deep
_NESTED_SCOPES = ("function_definition", "class_definition", "lambda")


@dataclass(frozen=True)
class Scope:
    """Where an expression sits: its enclosing functions (innermost first) and class."""

    functions: tuple[Node, ...]
    cls: Class | None
    method: str | None
    self_name: str | None


_TOP = Scope((), None, None, None)


@dataclass
class Target:
    """A string that a ``_template_from_string`` argument resolves to."""

    module: Module
    node: Node
    name: str


def scope_at(mod: Module, node: Node) -> Scope:
    """The scope ``node`` sits in (the class only when ``node`` is inside one of its methods)."""
    functions = []
    cls = None
    method = None
    self_name = None
    current = node.parent
    while current is not None:
        if current.type == "function_definition":
            functions.append(current)
        elif current.type == "class_definition" and cls is None:
            name = current.child_by_field_name("name")
            cls = mod.classes.get(mod.src(name)) if name is not None else None
            if cls is not None and functions:
                fn = functions[-1]
                fname = fn.child_by_field_name("name")
                method = mod.src(fname) if fname is not None else None
                params = fn.child_by_field_name("parameters")
                first = (
                    next((p for p in params.named_children if p.type == "identifier"), None)
                    if params
                    else None
                )
                self_name = mod.src(first) if first is not None else None
            break
        current = current.parent
    return Scope(tuple(functions), cls, method, self_name)


def function_name(mod: Module, fn: Node) -> str:
    name = fn.child_by_field_name("name")
    return mod.src(name) if name is not None else "<function>"


def is_parameter(mod: Module, fn: Node, name: str) -> bool:
    params = fn.child_by_field_name("parameters")
    if params is None:
        return False
    for p in params.named_children:
        ident = p if p.type == "identifier" else p.child_by_field_name("name")
        if ident is None and p.named_children:
            ident = p.named_children[0]
        if ident is not None and ident.type == "identifier" and mod.src(ident) == name:
            return True
    return False


def uses(mod: Module, fn: Node, name: str) -> int:
    """How often ``name`` appears as a variable in ``fn`` (nested scopes included)."""
    count = 0
    stack = [fn.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "identifier" and mod.src(node) == name:
            parent = node.parent
            is_attr = (
                parent is not None
                and parent.type == "attribute"
                and parent.child_by_field_name("attribute") == node
            )
            is_key = (
                parent is not None
                and parent.type == "keyword_argument"
                and parent.child_by_field_name("name") == node
            )
            if not (is_attr or is_key):
                count += 1
        stack.extend(node.children)
    return count


def _is_subclass(mod: Module, cls: Class, ancestor: str) -> bool:
    stack, seen = list(cls.bases), set()
    while stack:
        base = stack.pop()
        if base == ancestor:
            return True
        if base in seen or base not in mod.classes:
            continue
        seen.add(base)
        stack.extend(mod.classes[base].bases)
    return False


class Resolver:
    """Resolves expressions of one analysis; other modules are read (once) through ``read_module``."""

    def __init__(self, read_module: ModuleReader | None) -> None:
        self.read_module = read_module
        self.foreign: dict[str, Module | None] = {}
        self._locals_cache: dict[tuple[int, int], list[tuple[str, Node | None]]] = {}

    def _load(self, module: str) -> Module | None:
        """Another module, through ``read_module`` (parsed once per analysis)."""
        if self.read_module is None or not module.strip("."):
            return None
        if module not in self.foreign:
            self.foreign[module] = None  # guards cycles while it loads
            try:
                text = self.read_module(module)
            except Exception:  # noqa: BLE001 - an unreadable neighbour is just unknown (and logged)
                log.warning("cannot read module %s imported by a template module", module, exc_info=True)
                text = None
            if text is not None and "\x00" not in text and len(text) <= MAX_TEMPLATE_BYTES:
                self.foreign[module] = Module(text, module.rsplit(".", 1)[-1] + ".py")
        return self.foreign[module]

    def resolve(self, mod: Module, expr: Node, scope: Scope, depth: int = 0) -> list[Target]:
        """The string literals an expression can be (``[]`` when unknown)."""
        expr = unwrap(expr)
        if expr is None or depth > _MAX_DEPTH:
            return []
        if expr.type in ("string", "concatenated_string"):
            label = f"{function_name(mod, scope.functions[0])}.<literal>" if scope.functions else "<literal>"
            return [Target(mod, expr, label)]
        if expr.type == "identifier":
            name = mod.src(expr)
            for fn in scope.functions:
                if is_parameter(mod, fn, name):
                    return []
                bound, value = self.local_value(mod, fn, name, expr.start_byte)
                if bound:
                    return (
                        []
                        if value is None
                        else self._named(mod, value, f"{function_name(mod, fn)}.{name}", scope, depth)
                    )
            if name in mod.consts:
                value = mod.consts[name]
                return [] if value is None else self._named(mod, value, name, _TOP, depth)
            if name in mod.imports:
                where, orig = mod.imports[name]
                other = self._load(where)
                if other is not None and other.consts.get(orig) is not None:
                    return self._named(other, other.consts[orig], f"{other.label}:{orig}", _TOP, depth)
            return []
        if expr.type == "attribute":
            obj, attr = expr.child_by_field_name("object"), expr.child_by_field_name("attribute")
            if obj is None or attr is None or obj.type != "identifier":
                return []
            owner, name = mod.src(obj), mod.src(attr)
            if scope.cls is not None and owner == scope.self_name:
                return self._class_attr(mod, scope.cls, name, scope.method, depth)
            if owner in mod.classes:
                return self._class_attr(mod, mod.classes[owner], name, None, depth)
        return []

    def _named(self, mod: Module, value: Node, label: str, scope: Scope, depth: int) -> list[Target]:
        """A variable's value: the literal itself (named after the variable), or what it names."""
        if is_string(value):
            return [Target(mod, value, label)]
        return self.resolve(mod, value, scope, depth + 1)

    def _class_attr(self, mod: Module, cls: Class, attr: str, method: str | None, depth: int) -> list[Target]:
        """``self.attr`` in a method of ``cls``: the attribute ``cls`` sees (its own or a
        base's), and every override by a subclass of the module that inherits ``method``."""
        found = []
        hit = self._lookup(mod, cls.name, attr, set(), 0)
        if hit is not None:
            owner_mod, owner, value = hit
            label = f"{owner.name}.{attr}" if owner_mod is mod else f"{owner_mod.label}:{owner.name}.{attr}"
            found += self._named(owner_mod, value, label, _TOP, depth)
        if method is not None:
            for other in mod.classes.values():
                if other is cls or attr not in other.attrs or method in other.methods:
                    continue
                if _is_subclass(mod, other, cls.name):
                    found += self._named(mod, other.attrs[attr], f"{other.name}.{attr}", _TOP, depth)
        return found

    def _lookup(
        self, mod: Module, cls_name: str, attr: str, seen: set[tuple[str, str]], depth: int
    ) -> tuple[Module, Class, Node] | None:
        if (mod.label, cls_name) in seen or depth > _MAX_DEPTH:
            return None
        seen.add((mod.label, cls_name))
        cls = mod.classes.get(cls_name)
        if cls is None:
            if cls_name in mod.imports:
                where, orig = mod.imports[cls_name]
                other = self._load(where)
                if other is not None:
                    return self._lookup(other, orig, attr, seen, depth + 1)
            return None
        if attr in cls.attrs:
            return mod, cls, cls.attrs[attr]
        for base in cls.bases:
            hit = self._lookup(mod, base, attr, seen, depth + 1)
            if hit is not None:
                return hit
        return None

    def local_value(self, mod: Module, fn: Node, name: str, before: int) -> tuple[bool, Node | None]:
        """Whether ``fn`` binds ``name`` (not in nested scopes), and the value when that is
        known: one plain assignment before ``before``. Two assignments, ``+=``, a loop target
        and the like make it unknown (``(True, None)``): we never guess which one runs."""
        bound = [value for target, value in self.local_bindings(mod, fn) if target == name]
        if not bound:
            return False, None
        if len(bound) == 1 and bound[0] is not None and bound[0].start_byte < before:
            return True, bound[0]
        return True, None

    def local_bindings(self, mod: Module, fn: Node) -> list[tuple[str, Node | None]]:
        """Every binding in ``fn``'s body: ``(name, value)``, value None when not a plain one."""
        key = node_key(fn)
        if key not in self._locals_cache:
            found: list[tuple[str, Node | None]] = []
            body = fn.child_by_field_name("body")
            stack = [body] if body is not None else []
            while stack:
                node = stack.pop()
                if node.type in _NESTED_SCOPES:
                    continue
                found.extend(bindings(node))
                stack.extend(reversed(node.named_children))
            self._locals_cache[key] = found
        return self._locals_cache[key]


__all__ = [
    "ModuleReader",
    "Resolver",
    "Scope",
    "Target",
    "function_name",
    "is_parameter",
    "scope_at",
    "uses",
]
