"""The values a template sees in place of library objects.

In Inductor, ``X.get_size()[0]`` is a sympy expression, and about seventy sympy methods
``sympify`` a string argument, which ``eval``s it. A template here never holds a sympy
object: it holds a :class:`SizeValue`, which supports exactly what templates do with
sizes — arithmetic, comparison, ``int()``/``float()``/``str()``, indexing and formatting,
computed by sympy on the wrapped expressions so every result prints as Inductor prints
it — and has no other attribute. Operands other than size values, ``int``, ``float`` and
``bool`` (strings above all) are refused before sympy sees them.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

_PLAIN = (int, float)  # bool is an int


def is_sympy(value: Any) -> bool:
    """Whether ``value`` is a sympy object (checked without importing sympy)."""
    return type(value).__module__.startswith("sympy.")


def wrap(value: Any) -> Any:
    """A template-safe form of a sympy result: a :class:`SizeValue`; other values as they are."""
    if isinstance(value, SizeValue) or not is_sympy(value):
        return value
    return _named(type(value).__name__, isinstance(value, numbers.Number))(value)


@functools.cache
def _named(name: str, number: bool) -> type[SizeValue]:
    """A :class:`SizeValue` class named as the sympy class it stands for (``Integer``, ``Mul``),
    so errors that name a value's type read as torch's do."""
    base = NumberValue if number else SizeValue
    return type(name, (base,), {"__slots__": (), "__qualname__": f"{base.__name__}.{name}"})


def unwrap(value: Any) -> Any:
    """The sympy expression behind a :class:`SizeValue`; other values as they are."""
    return value._expr if isinstance(value, SizeValue) else value


def _operand(value: Any) -> Any:
    """The sympy-side operand, or ``NotImplemented`` for anything but sizes and numbers."""
    if isinstance(value, SizeValue):
        return value._expr
    if isinstance(value, _PLAIN):
        return value
    return NotImplemented


def _binary(name: str, reflected: bool = False) -> Any:
    def method(self: SizeValue, other: Any) -> Any:
        operand = _operand(other)
        if operand is NotImplemented:
            return NotImplemented
        fn = getattr(self._expr, name, None)
        if fn is None:
            return NotImplemented
        return wrap(fn(operand))

    method.__name__ = name
    return method


def _unary(name: str) -> Any:
    def method(self: SizeValue) -> Any:
        return wrap(getattr(self._expr, name)())

    method.__name__ = name
    return method


class SizeValue:
    """A size, stride, offset or numel as a template sees it (a sympy expression inside)."""

    __slots__ = ("_expr",)
    _expr: Any  # the sympy expression, set once in __init__

    def __init__(self, expr: Any) -> None:
        object.__setattr__(self, "_expr", expr)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("size values are read-only")

    def __reduce__(self) -> Any:
        raise TypeError("size values stay inside the render")

    __add__ = _binary("__add__")
    __radd__ = _binary("__radd__")
    __sub__ = _binary("__sub__")
    __rsub__ = _binary("__rsub__")
    __mul__ = _binary("__mul__")
    __rmul__ = _binary("__rmul__")
    __truediv__ = _binary("__truediv__")
    __rtruediv__ = _binary("__rtruediv__")
    __floordiv__ = _binary("__floordiv__")
    __rfloordiv__ = _binary("__rfloordiv__")
    __mod__ = _binary("__mod__")
    __rmod__ = _binary("__rmod__")
    __pow__ = _binary("__pow__")
    __rpow__ = _binary("__rpow__")
    __lt__ = _binary("__lt__")
    __le__ = _binary("__le__")
    __gt__ = _binary("__gt__")
    __ge__ = _binary("__ge__")
    __neg__ = _unary("__neg__")
    __pos__ = _unary("__pos__")
    __abs__ = _unary("__abs__")

    def __eq__(self, other: object) -> bool:
        operand = _operand(other)
        return False if operand is NotImplemented else bool(self._expr == operand)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._expr)

    def __bool__(self) -> bool:
        return bool(self._expr)

    def __int__(self) -> int:
        return int(self._expr)

    def __float__(self) -> float:
        return float(self._expr)

    def __index__(self) -> int:
        if not getattr(self._expr, "is_Integer", False):
            raise TypeError(f"'{type(self._expr).__name__}' object cannot be interpreted as an integer")
        return int(self._expr)

    def __round__(self, ndigits: Any = None) -> Any:
        if ndigits is not None and _operand(ndigits) is NotImplemented:
            raise TypeError("round() takes an integer number of digits")
        return wrap(round(self._expr, ndigits))

    def __format__(self, spec: str) -> str:
        return format(self._expr, spec)

    def __str__(self) -> str:
        return str(self._expr)

    def __repr__(self) -> str:
        return repr(self._expr)


class NumberValue(SizeValue):
    """A constant size (sympy's ``Integer``, ``Rational``…): a number, as Jinja's ``is number``
    test sees sympy's numbers."""

    __slots__ = ()


numbers.Number.register(NumberValue)

# Every method a template can call on a size value: the operators above, nothing named.
SIZE_VALUE_ATTRIBUTES: frozenset[str] = frozenset()

__all__ = ["NumberValue", "SizeValue", "is_sympy", "unwrap", "wrap"]
