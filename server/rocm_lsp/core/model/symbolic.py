"""Inductor's symbolic size arithmetic: sympy objects, ``ks…`` renaming and C++ printing.

sympy is imported on first use (it costs ~350 ms); static sizes never need it. The
printer reproduces ``torch.utils._sympy.printers.CppPrinter`` for the expressions the
header grammar can produce (integers, symbols, +, *, integer powers): integers print
as ``64L``, products and sums in sympy's own argument order.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from rocm_lsp.core.model.sizes import INT64_MAX, SizeExpr, Tree

INT64_MIN = -1 << 63
_SUFFIX = "LL" if sys.platform in ("darwin", "win32") else "L"
# Inductor's SymT prefixes whose symbols become kernel size arguments (symbol_is_type
# with UNBACKED_INT, SIZE, PRECOMPUTED_SIZE, UNBACKED_FLOAT), compared in lower case.
SIZE_ARG_PREFIXES = ("u", "s", "ps", "zuf")


class SizeOverflowError(OverflowError):
    """An integer in a printed expression does not fit in int64_t."""


def is_size_symbol(name: str) -> bool:
    """Whether Inductor renames this symbol to a ``ks…`` kernel argument."""
    return name.lower().startswith(SIZE_ARG_PREFIXES)


def print_int(value: int) -> str:
    """``CppPrinter._print_Integer``: ``64L``; raises :class:`SizeOverflowError` past int64."""
    if value > INT64_MAX or value < INT64_MIN:
        text = f"{value}" if value.bit_length() < 4000 else f"a {value.bit_length()}-bit integer"
        raise SizeOverflowError(f"{text} too big to convert to int64_t")
    if value == INT64_MIN:
        return f"(-1{_SUFFIX} << 63)"
    return f"{value}{_SUFFIX}"


@functools.cache
def _sympy() -> Any:
    import sympy

    return sympy


@functools.lru_cache(maxsize=4096)  # bounded: a long-running server sees many documents' symbols
def _symbol(name: str) -> Any:
    """A shape symbol as ShapeEnv creates it: integer and positive."""
    return _sympy().Symbol(name, integer=True, positive=True)


def warm_up() -> None:
    """Import sympy, build the printer, and run the arithmetic templates and hooks do once, so
    the submodules sympy imports on first use are loaded (a render process cannot import)."""
    _exercise()


@functools.cache
def _exercise() -> None:
    sp = _sympy()
    a, b = _symbol("s0"), _symbol("s1")
    samples = [a * b, (a + 1) ** 3 * (b + 1) ** 2, a / 3, a // 3, a % b, a**-2, 2**a, a**0.5, a * 1.5]
    samples += [sp.Integer(7) / 2, sp.Integer(7) // 2, round(sp.Integer(7) / 2), abs(-a), 3 - a]
    for value in samples:
        str(value)
    for relation in (a < 3, a >= b, sp.Integer(2) < 3):
        try:
            bool(relation)
        except TypeError:
            pass
    expanded = expand((a + 1) ** 2 * (b + 2))
    cexpr(replace_symbols(expanded, {"s0": "ks0"}))
    cexpr(a**2 / b)
    free_symbol_names(expanded)


def to_sympy(tree: Tree) -> Any:
    """The sympy expression ``sympify`` would build for the entry, without ``eval``."""
    sp = _sympy()
    kind = tree[0]
    if kind == "int":
        return sp.Integer(tree[1])
    if kind == "sym":
        return _symbol(tree[1])
    if kind == "neg":
        return -to_sympy(tree[1])
    if kind == "pow":
        return to_sympy(tree[1]) ** tree[2]
    a, b = to_sympy(tree[1]), to_sympy(tree[2])
    return a + b if kind == "add" else a - b if kind == "sub" else a * b


def product(entries: list[SizeExpr]) -> Any:
    """``sympy_product`` of the entries (an ``int`` when all are constant)."""
    constants = [c for c in (e.constant for e in entries) if c is not None]
    if len(constants) == len(entries):
        result = 1
        for c in constants:
            result *= c
        return result
    sp = _sympy()
    result = sp.S.One
    for e in entries:
        result = result * to_sympy(e.tree)
    return result


def expand(expr: Any) -> Any:
    """``SizeVarAllocator.simplify`` with no replacements: ``sympy.expand``."""
    if isinstance(expr, int):
        return expr
    return _sympy().expand(expr)


def free_symbol_names(expr: Any) -> list[str]:
    """Names of the free symbols, sorted by name as ``rename_indexing`` visits them."""
    if isinstance(expr, int):
        return []
    return sorted(s.name for s in expr.free_symbols)


def replace_symbols(expr: Any, renames: dict[str, str]) -> Any:
    """``sympy_subs`` with string replacements: new symbols keep integer/nonnegative."""
    if isinstance(expr, int) or not renames:
        return expr
    sp = _sympy()
    mapping = {}
    for sym in expr.free_symbols:
        if sym.name in renames:
            mapping[sym] = sp.Symbol(
                renames[sym.name], integer=sym.is_integer, nonnegative=sym.is_nonnegative
            )
    return expr.xreplace(mapping)


def cexpr(expr: Any) -> str:
    """``CppPrinter().doprint``: expand, then print the C++ expression."""
    if isinstance(expr, int):
        return print_int(expr)
    return _printer().doprint(expand(expr))


def pexpr(expr: Any) -> str:
    """sympy's ``str`` of an expression, as Inductor's IR reprs show sizes."""
    return str(expr)


@functools.cache
def _printer() -> Any:
    sp = _sympy()
    from sympy.printing.precedence import PRECEDENCE
    from sympy.printing.str import StrPrinter

    class CppPrinter(StrPrinter):
        printmethod = "_torch_sympystr"

        def _print_Mul(self, expr: Any) -> str:
            return self.stringify(expr.args, "*", sp.printing.precedence.precedence(expr))

        def _print_Add(self, expr: Any, order: str | None = None) -> str:
            return self.stringify(expr.args, " + ", sp.printing.precedence.precedence(expr))

        def _print_Integer(self, expr: Any) -> str:
            return print_int(int(expr))

        def _print_Pow(self, expr: Any) -> str:
            base, exp = expr.args
            if exp == 0.5 or exp == -0.5:
                printed = self._print(base)
                return f"std::sqrt({printed})" if exp == 0.5 else f"1.0/std::sqrt({printed})"
            if exp.is_integer:
                exp = int(exp)
                if exp > 0:
                    r = self.stringify([base] * exp, "*", PRECEDENCE["Mul"])
                elif exp < -1:
                    r = "1.0/(" + self.stringify([base] * abs(exp), "*", PRECEDENCE["Mul"]) + ")"
                elif exp == -1:
                    r = "1.0/" + self._print(base)
                else:
                    r = "1.0"
                return f"static_cast<int64_t>({r})" if expr.is_integer else r
            return f"std::pow({base}, {float(exp)})"

        def _print_Rational(self, expr: Any) -> str:
            r = f"{expr.p}" if expr.q == 1 else f"{expr.p}.0/{expr.q}.0"
            return f"static_cast<int64_t>({r})" if expr.is_integer else r

    return CppPrinter()
