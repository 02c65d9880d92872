"""Size limits on what a template builds while it renders, checked before memory is spent.

The render's watchdog (:mod:`budget`) stops long loops, but one expression can ask for
gigabytes in a single step that no watchdog interrupts: ``10**10**10``, ``'x' * 10**10``,
``'%10000000000d' % 1``, ``'{:>10000000000}'.format(1)``, ``'x'.ljust(10**10)``,
``s.replace('a', s)``, ``x | center(10**10)``, ``x | batch(10**10, 0)``. Each such operation
is checked against the limits first and refused with :class:`RenderBudgetError`; strings
and sequences that a loop grows step by step (``s ~ s``, ``l + l``) are checked as they
are built. Results within the limits are exactly what Inductor's Jinja computes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

MAX_POW_BITS = 4096
MAX_LENGTH = 1 << 20  # characters of one string, items of one list or tuple
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


class RenderBudgetError(RuntimeError):
    """A template operation beyond the render budget."""


def as_int(value: Any) -> int | None:
    """An integer operand (also sympy's ``Integer`` node sizes), else None."""
    if isinstance(value, (str, bytes, list, tuple, float)):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _refuse(kind: str, size: int, what: str) -> RenderBudgetError:
    unit = "characters" if kind in ("str", "bytes") else "items"
    return RenderBudgetError(
        f"{what} is too large: it would build a {kind} of {size:,} {unit} (limit {MAX_LENGTH:,})"
    )


def check_size(value: Any, what: str) -> Any:
    """``value``, unless it is a string or sequence over its limit."""
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_LENGTH:
        raise _refuse(type(value).__name__, len(value), what)
    return value


def _expect(kind: str, size: int, what: str) -> None:
    if size > MAX_LENGTH:
        raise _refuse(kind, size, what)


def check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse ``left op right`` when its result would be too large to compute."""
    a, b = as_int(left), as_int(right)
    if op == "**":
        if a is not None and b is not None and b > 0:
            if abs(a) > 1 and b * max(abs(a).bit_length(), 1) > MAX_POW_BITS:
                raise RenderBudgetError(f"{a} ** {b} is too large to compute")
    elif op == "*":
        for seq, count in ((left, b), (right, a)):
            if isinstance(seq, (str, bytes, list, tuple)) and count is not None:
                kind = type(seq).__name__
                _expect(kind, len(seq) * count, f"repeating a {kind}")
    elif op == "+":
        if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, type(left)):
            _expect(type(left).__name__, len(left) + len(right), "joining")
    elif op == "%" and isinstance(left, str):
        check_percent(left, right)


def check_percent(template: str, args: Any) -> None:
    """``template % args`` with no width or precision beyond the text limit."""
    star = False
    for m in _PERCENT_SPEC.finditer(template):
        for group in m.groups():
            star |= group == "*"
            if group and group != "*":
                _expect("str", int(group), f"the format width {group}")
    if star:
        for value in args if isinstance(args, tuple) else (args,):
            n = as_int(value)
            if n is not None:
                _expect("str", abs(n), f"the format width {n}")


def check_format(template: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """``template.format(*args, **kwargs)`` with no width or precision beyond the limit
    (a nested ``{}`` in a format spec takes its width from the arguments)."""
    nested = False
    for field in re.findall(r"\{[^{}]*:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", template):
        nested |= "{" in field
        for digits in _DIGITS.findall(field):
            _expect("str", int(digits), f"the format width {digits}")
    if nested:
        for value in [*args, *kwargs.values()]:
            n = as_int(value)
            if n is not None:
                _expect("str", abs(n), f"the format width {n}")


def check_call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse calls of ``str``/``bytes``/``list`` methods whose result would be too large;
    returns the arguments to call with (``join``'s iterable is read once, here)."""
    func = getattr(func, "__wrapped__", func)  # the sandbox's wrapper of str.format
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if isinstance(owner, (str, bytes)):
        first = as_int(args[0]) if args else None
        if name in ("ljust", "rjust", "center", "zfill") and first is not None:
            _expect("str", first, f"{name}({first})")
        elif name == "expandtabs":
            tab = as_int(args[0] if args else kwargs.get("tabsize", 8)) or 0
            tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
            _expect("str", len(owner) + tabs * tab, name)
        elif name == "replace" and len(args) >= 2:
            check_replace(owner, args[0], args[1])
        elif name == "join" and args:
            items = list(args[0])
            total = sum(len(x) for x in items if isinstance(x, (str, bytes)))
            _expect("str", total + len(owner) * max(len(items) - 1, 0), "join")
            return (items, *args[1:])
        elif name in ("format", "format_map") and isinstance(owner, str):
            check_format(owner, args if name == "format" else (), kwargs if name == "format" else {})
            if name == "format_map" and args and isinstance(args[0], dict):
                check_format(owner, (), args[0])
    elif isinstance(owner, list) and name in ("extend", "__iadd__") and args:
        items = list(args[0])
        _expect("list", len(owner) + len(items), name)
        return (items, *args[1:])
    return args


def check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, (str, bytes)) and isinstance(old, type(text)) and isinstance(new, type(text)):
        count: Callable[[Any], int] = text.count  # str.count or bytes.count, as old's type is text's
        grow = count(old) * max(len(new) - len(old), 0) if old else (len(text) + 1) * len(new)
        _expect("str", len(text) + grow, "replace")


def _width_arg(position: int, keyword: str, default: int) -> Callable[[tuple, dict], int]:
    def width(args: tuple, kwargs: dict) -> int:
        value = args[position] if len(args) > position else kwargs.get(keyword, default)
        n = as_int(value)
        return abs(n) if n is not None else len(value) if isinstance(value, str) else 0

    return width


Check = Callable[[tuple, dict], "tuple | None"]


def _checked(name: str, filter_: Callable[..., Any], check: Check) -> Callable:
    # pass_context / pass_eval_context / pass_environment filters get that object first
    passed = 1 if hasattr(filter_, "jinja_pass_arg") else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        args = (*args[:passed], *(check(args[passed:], kwargs) or args[passed:]))
        return check_size(filter_(*args, **kwargs), f"the {name} filter")

    bounded.__wrapped__ = filter_  # type: ignore[attr-defined]
    if passed:
        bounded.jinja_pass_arg = filter_.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


def _join(args: tuple, kwargs: dict) -> tuple:
    """``join(value, d="", attribute=None)``: its iterable read once, here."""
    if not args:
        return args
    items = list(args[0])
    sep = args[1] if len(args) > 1 else kwargs.get("d", "")
    total = sum(len(x) for x in items if isinstance(x, str)) + len(str(sep)) * max(len(items) - 1, 0)
    _expect("str", total, "the join filter")
    return (items, *args[1:])


def bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's filters with a size check of every result, and checks before the call of the
    ones whose arguments set the result's size."""
    center = _width_arg(1, "width", 80)
    indent = _width_arg(1, "width", 4)
    linecount = _width_arg(1, "linecount", 0)
    slices = _width_arg(1, "slices", 0)

    def lines(args: tuple) -> int:
        return args[0].count("\n") + 1 if args and isinstance(args[0], str) else 1

    def before(name: str) -> Check:
        if name == "center":
            return lambda a, k: _expect("str", center(a, k), "the center filter")
        if name == "indent":
            return lambda a, k: _expect("str", indent(a, k) * lines(a), "the indent filter")
        if name == "format":
            return lambda a, k: check_percent(str(a[0]), tuple(a[1:]) or tuple(k.values())) if a else None
        if name == "replace":  # replace(s, old, new, count=None)
            return lambda a, k: check_replace(*a[:3]) if len(a) >= 3 else None
        if name == "batch":
            return lambda a, k: _expect("list", linecount(a, k), "the batch filter")
        if name == "slice":
            return lambda a, k: _expect("list", slices(a, k), "the slice filter")
        if name == "join":
            return _join
        return lambda a, k: None

    return {name: _checked(name, f, before(name)) for name, f in filters.items()}
