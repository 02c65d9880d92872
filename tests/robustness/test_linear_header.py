"""Header scanning is linear in the header's length: the red team's inputs, the worst inputs
for the scanners ``header.py`` once had (now a tree-sitter-toml syntax tree), and those of
``text.py`` and ``sizes.py`` cost about 8 times as much at 8 times the size (a quadratic scan
would cost 64 times, the old table regex 512 times).

No wall-clock thresholds: each case compares the best of a few runs at ``n`` and ``8n`` in this
thread's CPU time (the garbage collector paused; ``n`` doubled until the small run takes 2 ms, so
timer noise stays small) and asserts a ratio under 20. The regexes ``blank_comments`` replaced
stay here as a reference, so that a property test can show it gives the same results.
"""

from __future__ import annotations

import functools
import gc
import re
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

from rocm_lsp.core.diagnostics import RULES
from rocm_lsp.core.engine.header import parse_header
from rocm_lsp.core.model.sizes import SizeExpr, evaluate, parse_size
from rocm_lsp.core.text import LineIndex, blank_comments

RATIO = 20  # linear: about 8; quadratic: about 64
MIN_SMALL_SECONDS = 0.002
T = TypeVar("T")


def _doc(body: str) -> str:
    return "{#- rocm-lsp\n" + body + "\n-#}\n{{ X }}\n"


def _parse(doc: str) -> object:
    return parse_header(doc, LineIndex(doc))


def _best(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def assert_linear(build: Callable[[int], T], run: Callable[[T], object], n: int) -> None:
    """``run(build(8 * n))`` costs less than ``RATIO`` times ``run(build(n))``."""
    small = build(n)
    while _best(functools.partial(run, small), 3) < MIN_SMALL_SECONDS and n < 1_000_000:
        n *= 2
        small = build(n)
    large = build(8 * n)
    ratios = []
    for _ in range(3):  # more tries, in case the machine stalled in every large run
        gc.collect()
        gc.disable()
        try:
            run(small)
            t_small = _best(lambda: run(small), 5)
            t_large = _best(lambda: run(large), 3)
        finally:
            gc.enable()
        ratios.append(t_large / t_small)
        if ratios[-1] < RATIO:
            return
    pytest.fail(f"n = {n}: {t_small * 1e3:.2f} ms; 8n: {t_large * 1e3:.2f} ms; ratios {ratios}: not linear")


def _shapes_and_nodes(n: int) -> str:
    count = n // 40
    shapes = "\n".join(f"t{i} = 1" for i in range(count))
    nodes = "\n".join(f'N{i} = {{ dtype = "float16", size = ["s{i}"] }}' for i in range(count))
    return _doc(f"[shapes]\n{shapes}\n[nodes]\n{nodes}")


HOSTILE_HEADERS: dict[str, tuple[Callable[[int], str], int]] = {
    # the red team's: "[" and spaces (116 s at 5,000 spaces), nested inline tables (30 s at 32 KB)
    "table_spaces": (lambda n: _doc("[" + " " * n), 12_500),
    "nested_inline_tables": (lambda n: _doc("x = " + "{a=" * (n // 4) + "1" + "}" * (n // 4)), 2_000),
    # table headers: each way the old table regex's three overlapping quantifiers split a run
    "array_table_spaces": (lambda n: _doc("[[" + " " * n + "x"), 12_500),
    "table_name_then_spaces": (lambda n: _doc("[a" + " " * n + "b"), 12_500),
    "table_spaced_words": (lambda n: _doc("[" + "a " * (n // 2)), 12_500),
    "table_spaces_tabs": (lambda n: _doc("[" + " \t" * (n // 2) + "a"), 12_500),
    "indent_then_table": (lambda n: _doc(" " * n + "[a] x"), 12_500),
    # keys and values: runs of spaces, unterminated strings
    "key_spaces": (lambda n: _doc("x" + " " * n + "y = 1"), 12_500),
    "quoted_key_unclosed": (lambda n: _doc('"' + " " * n), 12_500),
    "value_spaces": (lambda n: _doc("x =" + " " * n + "1 2"), 12_500),
    "string_unclosed": (lambda n: _doc('x = "' + "a " * (n // 2)), 12_500),
    "strings_unclosed_in_array": (lambda n: _doc("x = [" + 'a=" ' * (n // 4)), 2_000),
    "quotes_mixed": (lambda n: _doc("x = [" + "{a=\"'" * (n // 5)), 2_000),
    # names without "=", chains of fields, digits before a name
    "long_name": (lambda n: _doc('x = "' + "a" * n + '"'), 12_500),
    "digits_then_name": (lambda n: _doc("x = " + "1" * n + "a b"), 12_500),
    "names_and_spaces": (lambda n: _doc("x = " + "ab " * (n // 3)), 12_500),
    "field_chain": (lambda n: _doc("x = " + "a=" * (n // 2)), 2_000),
    # value ends and array elements: nested brackets, gaps entered by many arrays, element spans
    "nested_fields": (lambda n: _doc("x = " + "a=[" * (n // 3)), 2_000),
    "nested_arrays": (lambda n: _doc("x = " + "[" * (n // 2) + "]" * (n // 2)), 2_000),
    "gaps": (lambda n: _doc("x = " + "a=[" * (n // 6) + "," * (n // 2)), 2_000),
    "element_spans": (
        lambda n: _doc("x = " + "".join(f"a{i}=[" for i in range(n // 10)) + "1," * (n // 4)),
        2_000,
    ),
    # whole-header passes: duplicate keys (each blanked once), symbols checked against [shapes]
    "duplicate_keys": (lambda n: _doc("\n".join(["a = 1"] * (n // 6))), 4_000),
    "shapes_x_nodes": (_shapes_and_nodes, 4_000),
    "mixed_100k_line": (lambda n: _doc("x = " + "[{a=\"b' ,]}x= " * (n // 14)), 12_500),
    # the syntax tree: values over many lines, long dotted keys, arrays of tables, non-ASCII text
    "multi_line_array": (lambda n: _doc("x = [\n" + "  1,\n" * (n // 5) + "]"), 4_000),
    "dotted_key_chain": (lambda n: _doc("a." * (n // 2) + "a = 1"), 2_000),
    "array_tables": (lambda n: _doc("[[a]]\nb = 1\n" * (n // 12)), 4_000),
    "non_ascii_values": (lambda n: _doc("\n".join(f'k{i} = "é🙂"' for i in range(n // 12))), 4_000),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_HEADERS))
def test_parse_header_is_linear(case: str) -> None:
    build, n = HOSTILE_HEADERS[case]
    assert_linear(build, _parse, n)


HOSTILE_TEXTS: dict[str, tuple[Callable[[int], str], int]] = {
    "comments_unclosed": (lambda n: "{#" * (n // 2), 20_000),
    "raw_unclosed": (lambda n: "{% raw %}" * (n // 9), 20_000),
    "raw_open_spaces": (lambda n: "{%" + " " * n + "raw x", 20_000),
    "raw_close_spaces": (lambda n: "{% raw %}" + "{%   " * (n // 5), 20_000),
    "line_breaks": (lambda n: "\r\n\r" * (n // 3), 20_000),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXTS))
def test_text_scans_are_linear(case: str) -> None:
    build, n = HOSTILE_TEXTS[case]
    assert_linear(build, lambda text: (blank_comments(text), LineIndex(text)), n)


def _sum(count: int) -> SizeExpr:
    tree: tuple = ("sym", "s0")
    for i in range(1, count):
        tree = ("add", tree, ("sym", f"s{i % 7}"))
    return SizeExpr("", tree)


def test_size_symbols_are_linear_in_the_tree() -> None:
    """``s0 + s1 + …`` trees: the symbols walk once (nested generators cost depth × symbols)."""
    assert_linear(_sum, lambda expr: expr.symbols, 2_000)


def test_negation_chains_do_not_recurse() -> None:
    """``- - … - s0`` at the length limit parses and evaluates with little stack to spare."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    text = "-" * 509 + "s0"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)
    try:
        parsed = parse_size(text)
        value = evaluate(parsed.tree, {"s0": 3})
        symbols = parsed.symbols
    finally:
        sys.setrecursionlimit(limit)
    assert (value, symbols) == (-3, frozenset({"s0"}))


# -- the red team's inputs, and what they now give ----------------------------------------


def _findings(doc: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in _parse(doc).diagnostics]


def test_red_team_inputs_give_findings() -> None:
    (code, message), *_ = _findings(_doc("[" + " " * 5000))
    assert code == "RL101" and message.startswith("header is not valid TOML")
    deep = _doc("x = " + "{a=" * 8000 + "1" + "}" * 8000)  # 32 KB
    assert _findings(deep) == [("RL101", "header is not valid TOML: arrays or inline tables nest too deeply")]
    digits = _doc("x = " + "9" * 5000)
    assert _findings(digits) == [("RL101", "header is not valid TOML: an integer has too many digits")]


# -- the same results as the regexes they replace ------------------------------------------


def _old_blank_comments(text: str) -> str:
    def spaces(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    text = re.sub(r"\{#.*?#\}", spaces, text, flags=re.S)
    return re.sub(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", spaces, text, flags=re.S)


@fuzz(2000)
@given(st.lists(st.sampled_from(["{#", "#}", "{%", "%}", "-", " ", "\n", "raw", "endraw", "x"]), max_size=14))
def test_blank_comments_matches_the_old_regexes(parts: list[str]) -> None:
    text = "".join(parts)
    assert blank_comments(text) == _old_blank_comments(text)


# -- random header text never raises ----------------------------------------------------

HEADER_PIECES = [
    "[nodes]", "[vars]", "[shapes]", "[bench]", "[[", "]]", "[", "]", "{", "}", "=", ",", '"', "'",
    "\n", " ", "\t", "#", "X", "a", "size", "dtype", '"float16"', "[64, 32]", '["s0", 8]', "s0",
    "1", "-1", "9" * 30, "{ dtype = ", "none", "\r", "\u00a0", "é", "🙂",
]  # fmt: skip


@fuzz(1000)
@given(st.lists(st.sampled_from(HEADER_PIECES) | st.text(max_size=6), max_size=40))
def test_random_header_text_never_raises(pieces: list[str]) -> None:
    doc = _doc("".join(pieces))
    header = _parse(doc)
    assert header.present
    for span in [*header.spans.values(), *(d.span for d in header.diagnostics)]:
        assert 0 <= span.start <= span.end <= len(doc)
    assert all(d.code in RULES for d in header.diagnostics)
