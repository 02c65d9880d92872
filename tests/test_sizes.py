"""The safe size grammar and the Inductor printer."""

from __future__ import annotations

import pytest

from rocm_lsp.core.model import symbolic
from rocm_lsp.core.model.sizes import SizeSyntaxError, evaluate, parse_size


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("s0", {"s0": 7}, 7),
        ("2*s2 + 1", {"s2": 3}, 7),
        ("s0*s1 - 4", {"s0": 3, "s1": 5}, 11),
        ("(s0 + 1)**2", {"s0": 2}, 9),
        ("-s0 + 10", {"s0": 4}, 6),
        (64, {}, 64),
    ],
)
def test_evaluate(text: object, values: dict[str, int], expected: int) -> None:
    assert evaluate(parse_size(text).tree, values) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", 'unexpected "\'"'),
        ("s0 / 2", "unexpected '/'"),
        ("s0 +", "expected a number, a symbol or '(' at the end"),
        ("s0**999", "exponent 999 is larger than 32"),
        ("", "empty expression"),
        (True, "expected an integer or an expression string, got true"),
        (1.5, "got float"),
        ("99999999999999999999", "does not fit in int64"),
        ("(" * 100 + "s0" + ")" * 100, "nested too deeply"),
    ],
)
def test_rejects(text: object, message: str) -> None:
    with pytest.raises(SizeSyntaxError, match=None) as info:
        parse_size(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        # Expected strings printed by torch 2.13's CppPrinter on the same sympy expressions.
        ("-s0", "(-1L)*s0"),
        ("s0**2", "static_cast<int64_t>(s0*s0)"),
        ("2*s0 - 3", "(-3L) + 2L*s0"),
        ("(s0 + 1)**2", "1L + static_cast<int64_t>(s0*s0) + 2L*s0"),
        ("s0*-2", "(-2L)*s0"),
        ("1 - s0", "1L + ((-1L)*s0)"),
    ],
)
def test_cpp_printer_matches_torch(text: str, printed: str) -> None:
    assert symbolic.cexpr(symbolic.to_sympy(parse_size(text).tree)) == printed


def test_integer_printing_and_overflow() -> None:
    assert symbolic.print_int(64) == "64L"
    assert symbolic.print_int(-(1 << 63)) == "(-1L << 63)"
    with pytest.raises(symbolic.SizeOverflowError, match="too big to convert to int64_t"):
        symbolic.print_int(1 << 63)


@pytest.mark.parametrize(
    ("name", "renamed"),
    [("s0", True), ("seq_len", True), ("S", True), ("u3", True), ("ps0", True),
     ("zuf0", True), ("M", False), ("K", False), ("zf0", False), ("i0", False)],
)  # fmt: skip
def test_size_symbol_prefixes(name: str, renamed: bool) -> None:
    assert symbolic.is_size_symbol(name) is renamed
