"""One Python module parsed with tree-sitter-python (error tolerant; never imported or run):
its top-level constants, classes (bases, attributes, methods) and ``from … import`` names,
plus the small tree-sitter helpers the rest of the package reads nodes with — bindings,
string literals and literal constants."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rocm_lsp.core.engine.structure import ByteOffsets
from rocm_lsp.core.pymodules.source_map import SourceMap, decode_literal
from rocm_lsp.core.text import Span

Node = Any  # tree_sitter.Node

_PATTERNS = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "tuple",
        "list",
        "parenthesized_expression",
        "expression_list",
        "as_pattern_target",
    }
)
_TARGET_FIELDS = {
    "assignment": "left",
    "augmented_assignment": "left",
    "for_statement": "left",
    "for_in_clause": "left",
    "named_expression": "name",
}


@functools.cache
def _parser() -> Any:
    import tree_sitter_python
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_python.language()))


@dataclass
class Class:
    name: str
    bases: list[str]
    attrs: dict[str, Node]
    methods: set[str]


class Module:
    """One parsed module: its constants, classes and imports."""

    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label
        data = text.encode("utf-8", "surrogatepass")
        self.off = ByteOffsets(text, data)
        self.root = _parser().parse(data).root_node
        self.consts: dict[str, Node | None] = {}
        self.classes: dict[str, Class] = {}
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (module, name there)
        self._scan(self.root, top=True)

    def span(self, node: Node) -> Span:
        return Span(self.off(node.start_byte), self.off(node.end_byte))

    def src(self, node: Node) -> str:
        s = self.span(node)
        return self.text[s.start : s.end]

    def _scan(self, block: Node, top: bool) -> None:
        for child in block.named_children:
            node = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if node is None:
                continue
            if node.type == "class_definition" and top:
                self._class(node)
            elif node.type == "expression_statement" and top:
                for statement in node.named_children:
                    for name, value in bindings(statement):
                        self.consts[name] = value  # None: rebound some other way (`+=`)
            elif node.type == "import_from_statement":
                self._import(node)
            elif node.type in ("if_statement", "try_statement", "else_clause", "except_clause", "block"):
                self._scan(node, top=False)  # imports under `if TYPE_CHECKING:` / `try:`

    def _import(self, node: Node) -> None:
        module = node.child_by_field_name("module_name")
        if module is None:
            return
        where = self.src(module)
        for name in node.children_by_field_name("name"):
            if name.type == "aliased_import":
                orig, alias = name.child_by_field_name("name"), name.child_by_field_name("alias")
                if orig is not None and alias is not None:
                    self.imports[self.src(alias)] = (where, self.src(orig))
            else:
                self.imports[self.src(name)] = (where, self.src(name))

    def _class(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None:
            return
        bases = []
        supers = node.child_by_field_name("superclasses")
        for base in supers.named_children if supers is not None else ():
            if base.type == "identifier":
                bases.append(self.src(base))
            elif base.type == "attribute":
                attr = base.child_by_field_name("attribute")
                if attr is not None:
                    bases.append(self.src(attr))
        cls = Class(self.src(name), bases, {}, set())
        for child in body.named_children:
            item = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if item is None:
                continue
            if item.type == "expression_statement":
                for attr, value in _assignments(item):
                    cls.attrs[attr] = value
            elif item.type == "function_definition":
                fname = item.child_by_field_name("name")
                if fname is not None:
                    cls.methods.add(self.src(fname))
        self.classes[cls.name] = cls


# -- nodes ----------------------------------------------------------------------------------


def node_key(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def unwrap(node: Node) -> Node:
    """``node`` without the parentheses around it."""
    for _ in range(64):
        if node is None or node.type != "parenthesized_expression":
            return node
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def calls(root: Node) -> Iterator[Node]:
    """Every call under ``root``, in source order."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call":
            yield node
        stack.extend(reversed(node.children))


def is_string(node: Node) -> bool:
    node = unwrap(node)
    return node is not None and node.type in ("string", "concatenated_string")


def string_value(mod: Module, node: Node) -> tuple[str, SourceMap] | None:
    """The value of a string literal (also implicitly concatenated) and its source map."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        pieces = [node]
    elif node.type == "concatenated_string":
        pieces = [c for c in node.named_children if c.type == "string"]
        if not pieces or any(c.type not in ("string", "comment") for c in node.named_children):
            return None
    else:
        return None
    if any(c.type == "interpolation" for piece in pieces for c in piece.named_children):
        return None
    return decode_literal(mod.text, [mod.span(piece) for piece in pieces])


def constant(mod: Module, node: Node) -> tuple[bool, Any]:
    """``(True, value)`` for a literal ``True``/``False``/``None``, integer or string."""
    node = unwrap(node)
    kind = node.type if node is not None else ""
    if kind in ("true", "false"):
        return True, kind == "true"
    if kind == "none":
        return True, None
    if kind == "integer":
        try:
            return True, int(mod.src(node).replace("_", ""), 0)
        except ValueError:
            return False, None
    if kind in ("string", "concatenated_string"):
        decoded = string_value(mod, node)
        return (True, decoded[0]) if decoded is not None else (False, None)
    return False, None


# -- bindings -------------------------------------------------------------------------------


def _assignments(statement: Node) -> Iterator[tuple[str, Node]]:
    """``name = value`` (also ``a = b = value`` and ``name: T = value``) in a statement."""
    for node in statement.named_children:
        if node.type != "assignment":
            continue
        targets = []
        while node is not None and node.type == "assignment":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                targets.append(left)
            node = node.child_by_field_name("right")
        if node is None:
            continue
        for target in targets:
            yield target.text.decode("utf-8", "replace"), node


def bindings(node: Node) -> list[tuple[str, Node | None]]:
    """The names one node binds: ``(name, value)`` for ``name = value`` (and chains), and
    ``(name, None)`` for every other binding (``+=``, unpacking, loops, ``as``, walrus…)."""
    kind = node.type
    if kind == "assignment":
        if node.parent is not None and node.parent.type == "assignment":
            return []  # the inner link of `a = b = value`: its chain's head reports it
        return [(name, value) for name, value in _assignments_of(node)]
    if kind in ("global_statement", "nonlocal_statement"):
        return [
            (c.text.decode("utf-8", "replace"), None) for c in node.named_children if c.type == "identifier"
        ]
    if kind == "as_pattern_target" or kind in _TARGET_FIELDS:
        target = node if kind == "as_pattern_target" else node.child_by_field_name(_TARGET_FIELDS[kind])
        return [(name, None) for name in _identifiers(target)]
    return []


def _assignments_of(node: Node) -> list[tuple[str, Node | None]]:
    out: list[tuple[str, Node | None]] = []
    targets = []
    while node is not None and node.type == "assignment":
        left = node.child_by_field_name("left")
        if left is not None:
            targets.append(left)
        node = node.child_by_field_name("right")
    for target in targets:
        if target.type == "identifier":
            out.append((target.text.decode("utf-8", "replace"), node))
        else:  # unpacking: `a, b = …`
            out.extend((name, None) for name in _identifiers(target))
    return out


def _identifiers(target: Node | None) -> list[str]:
    """The names a binding target binds (``a``, ``a, (b, *c)``; not ``x.attr`` or ``x[i]``)."""
    if target is None:
        return []
    if target.type == "identifier":
        return [target.text.decode("utf-8", "replace")]
    if target.type in _PATTERNS:
        return [name for child in target.named_children for name in _identifiers(child)]
    return []


__all__ = [
    "Class",
    "Module",
    "Node",
    "bindings",
    "calls",
    "constant",
    "is_string",
    "node_key",
    "string_value",
    "unwrap",
]
