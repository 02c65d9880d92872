"""Did-you-mean suggestions."""

from __future__ import annotations

import pytest

from rocm_lsp.core.suggest import close_match, did_you_mean


@pytest.mark.parametrize(
    ("word", "known", "expected"),
    [
        ("a", ["A", "B"], "A"),
        ("Bb", ["A", "B"], "B"),
        ("check_nul", ["def_kernel", "size", "check_not_null", "arg_name"], "check_not_null"),
        ("name_str", ["inputs", "outputs", "names_str", "input_reorder"], "names_str"),
        ("node", ["nodes", "vars", "shapes", "bench"], "nodes"),
        ("float61", ["float16", "bfloat16", "float32"], "float16"),
        ("xyz", ["def_kernel", "size"], None),
        ("A", ["A"], None),
        ("rocm-2.12", ["seed", "rocm-2.13", "rocm-2.15", "rocm-2.14"], None),  # a tie: no guess
    ],
)
def test_close_match(word: str, known: list[str], expected: str | None) -> None:
    assert close_match(word, known) == expected


def test_did_you_mean_text() -> None:
    assert did_you_mean("Bb", ["B"]) == "; did you mean 'B'?"
    assert did_you_mean("zzz", ["B"]) == ""
