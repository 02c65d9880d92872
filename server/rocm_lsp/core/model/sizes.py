"""Size expressions from the header, parsed by a safe grammar (never ``eval``/``sympify``).

Grammar (integers over symbols, as Inductor's ShapeEnv produces them)::

    expr   := term (("+" | "-") term)*
    term   := unary ("*" unary)*
    unary  := "-" unary | power
    power  := atom ("**" INT)?
    atom   := INT | NAME | "(" expr ")"

The result is a small tuple tree; :mod:`rocm_lsp.core.model.symbolic` turns it into sympy
objects exactly as ``sympify`` would have, and :func:`evaluate` computes it with example
values without sympy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_TEXT = 512
MAX_EXPONENT = 32
MAX_DEGREE = 64  # total degree once expanded, e.g. s0**32*s1**32; Inductor prints each factor
MAX_TERMS = 4096  # terms once expanded (sympy's expand of a product of sums)
INT64_MAX = (1 << 63) - 1

Tree = tuple  # ("int", n) | ("sym", name) | ("add"|"sub"|"mul", a, b) | ("neg", a) | ("pow", a, k)

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*()])|(\S))")


class SizeSyntaxError(ValueError):
    """A size entry that the grammar rejects; ``column`` is 0-based into the entry text."""

    def __init__(self, message: str, column: int = 0, too_large: bool = False) -> None:
        super().__init__(message)
        self.column = column
        self.too_large = too_large


@dataclass(frozen=True)
class SizeExpr:
    """One parsed size/stride/offset entry."""

    text: str
    tree: Tree

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(_symbols(self.tree))

    @property
    def constant(self) -> int | None:
        """The value when the entry has no symbols."""
        if self.symbols:
            return None
        return evaluate(self.tree, {})

    def __str__(self) -> str:
        return self.text


def _symbols(tree: Tree) -> Iterator[str]:
    """The symbols of ``tree``, left to right (an explicit stack: nested ``yield from`` costs the
    depth of the tree per symbol, quadratic for ``s0 + s0 + … + s0``)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "sym":
            yield node[1]
        elif kind in ("add", "sub", "mul"):
            stack += (node[2], node[1])
        elif kind in ("neg", "pow"):
            stack.append(node[1])


def _strip_negations(tree: Tree) -> tuple[Tree, int]:
    """``tree`` without its leading ``neg`` nodes, and how many there were (``- - - … x``
    chains are walked in a loop, not one recursive call each)."""
    count = 0
    while tree[0] == "neg":
        tree = tree[1]
        count += 1
    return tree, count


def _growth(tree: Tree) -> tuple[int, int]:
    """(total degree, a bound on the number of terms) of ``tree`` once expanded (the bound
    stops growing past ``MAX_TERMS``)."""
    tree, _ = _strip_negations(tree)
    kind = tree[0]
    if kind in ("int", "sym"):
        return (0 if kind == "int" else 1), 1
    if kind == "pow":
        degree, terms = _growth(tree[1])
        k = tree[2]
        return degree * k, min(math.comb(terms + k - 1, k), MAX_TERMS + 1)
    (da, ta), (db, tb) = _growth(tree[1]), _growth(tree[2])
    if kind == "mul":
        return da + db, min(ta * tb, MAX_TERMS + 1)
    return max(da, db), min(ta + tb, MAX_TERMS + 1)


def evaluate(tree: Tree, values: dict[str, int]) -> int:
    """The integer value of ``tree`` with ``values`` for its symbols (KeyError if one lacks)."""
    if tree[0] == "neg":
        inner, count = _strip_negations(tree)
        value = evaluate(inner, values)
        return -value if count % 2 else value
    kind = tree[0]
    if kind == "int":
        return tree[1]
    if kind == "sym":
        return values[tree[1]]
    if kind == "pow":
        return evaluate(tree[1], values) ** tree[2]
    a, b = evaluate(tree[1], values), evaluate(tree[2], values)
    return a + b if kind == "add" else a - b if kind == "sub" else a * b


def substitute(tree: Tree, values: dict[str, int]) -> Tree:
    """``tree`` with the symbols that ``values`` names replaced by integer leaves."""
    kind = tree[0]
    if kind == "sym":
        return ("int", values[tree[1]]) if tree[1] in values else tree
    if kind == "int":
        return tree
    if kind == "neg":
        inner, count = _strip_negations(tree)
        out = substitute(inner, values)
        for _ in range(count):
            out = ("neg", out)
        return out
    if kind == "pow":
        return (kind, substitute(tree[1], values), tree[2])
    return (kind, substitute(tree[1], values), substitute(tree[2], values))


def parse_size(value: object) -> SizeExpr:
    """Parse one header entry: an ``int`` or a string expression. Raises :class:`SizeSyntaxError`."""
    if isinstance(value, bool):
        raise SizeSyntaxError(f"expected an integer or an expression string, got {str(value).lower()}")
    if isinstance(value, int):
        if abs(value) > INT64_MAX:
            raise SizeSyntaxError(f"{value} does not fit in int64")
        return SizeExpr(str(value), ("int", value))
    if not isinstance(value, str):
        raise SizeSyntaxError(f"expected an integer or an expression string, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise SizeSyntaxError(f"expression longer than {MAX_TEXT} characters", too_large=True)
    return SizeExpr(value, _Parser(value).parse())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                break
            if m.group(4) is not None:
                raise SizeSyntaxError(
                    f"unexpected {m.group(4)!r}: only integers, symbols, + - * ** and "
                    "parentheses are allowed",
                    m.start(4),
                )
            for kind, group in (("int", 1), ("name", 2), ("op", 3)):
                if m.group(group) is not None:
                    self.tokens.append((kind, m.group(group), m.start(group)))
            pos = m.end()
        self.i = 0

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _fail(self, what: str) -> SizeSyntaxError:
        tok = self._peek()
        if tok is None:
            return SizeSyntaxError(f"expected {what} at the end of {self.text!r}", len(self.text))
        return SizeSyntaxError(f"expected {what}, found {tok[1]!r}", tok[2])

    def _take(self, op: str) -> bool:
        tok = self._peek()
        if tok is not None and tok[0] == "op" and tok[1] == op:
            self.i += 1
            return True
        return False

    def parse(self) -> Tree:
        if not self.tokens:
            raise SizeSyntaxError("empty expression")
        tree = self._expr(0)
        if self._peek() is not None:
            raise self._fail("an operator")
        degree, terms = _growth(tree)
        if degree > MAX_DEGREE:
            raise SizeSyntaxError(
                f"degree {degree} is larger than {MAX_DEGREE}: Inductor would print the "
                f"symbols {degree} times",
                too_large=True,
            )
        if terms > MAX_TERMS:
            raise SizeSyntaxError(f"expands to more than {MAX_TERMS} terms", too_large=True)
        return tree

    def _expr(self, depth: int) -> Tree:
        if depth > 64:
            raise SizeSyntaxError("expression nested too deeply", too_large=True)
        tree = self._term(depth)
        while True:
            if self._take("+"):
                tree = ("add", tree, self._term(depth))
            elif self._take("-"):
                tree = ("sub", tree, self._term(depth))
            else:
                return tree

    def _term(self, depth: int) -> Tree:
        tree = self._unary(depth)
        while self._take("*"):
            tree = ("mul", tree, self._unary(depth))
        return tree

    def _unary(self, depth: int) -> Tree:
        count = 0  # ``- - … - power``, read in a loop (each "-" nests one level deeper)
        while self._take("-"):
            count += 1
        tree = self._power(depth + count)
        for _ in range(count):
            tree = ("neg", tree)
        return tree

    def _power(self, depth: int) -> Tree:
        base = self._atom(depth)
        if self._take("**"):
            tok = self._peek()
            if tok is None or tok[0] != "int":
                raise self._fail("a non-negative integer exponent")
            self.i += 1
            exponent = int(tok[1])
            if base[0] == "int":  # a constant power is folded, as sympy folds it
                if abs(base[1]) > 1 and exponent * (abs(base[1]).bit_length() - 1) > 63:
                    raise SizeSyntaxError(f"{base[1]}**{exponent} does not fit in int64", tok[2])
                value = base[1] ** exponent
                if value > INT64_MAX:
                    raise SizeSyntaxError(f"{base[1]}**{exponent} does not fit in int64", tok[2])
                return ("int", value)
            if exponent > MAX_EXPONENT:
                raise SizeSyntaxError(
                    f"exponent {exponent} is larger than {MAX_EXPONENT}: Inductor would print "
                    f"the base {exponent} times",
                    tok[2],
                    too_large=True,
                )
            return ("pow", base, exponent)
        return base

    def _atom(self, depth: int) -> Tree:
        tok = self._peek()
        if tok is None:
            raise self._fail("a number, a symbol or '('")
        kind, text, _ = tok
        if kind == "int":
            self.i += 1
            value = int(text)
            if value > INT64_MAX:
                raise SizeSyntaxError(f"{value} does not fit in int64", tok[2])
            return ("int", value)
        if kind == "name":
            self.i += 1
            return ("sym", text)
        if self._take("("):
            tree = self._expr(depth + 1)
            if not self._take(")"):
                raise self._fail("')'")
            return tree
        raise self._fail("a number, a symbol or '('")
