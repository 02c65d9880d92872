"""The hook rules (``core/rules/``): each written once, called with literal values by the static
pass and with live values by the hooks; both paths give the same verdict."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.rules import arguments, def_kernel, hooks, size, values
from rocm_lsp.core.rules.finding import Finding, Locator

CORE = Path(__file__).resolve().parent.parent / "server" / "rocm_lsp" / "core"
# The hook rules: only core/rules/ may state one (a call that builds a finding with its code).
HOOK_RULES = {f"RL2{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15)}


def test_a_hook_rule_is_stated_only_in_the_rules_package() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        if path.parent.name == "rules" or path.name == "diagnostics.py":  # the rules, the code registry
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and first.value in HOOK_RULES:
                    offenders.append(f"{path.relative_to(CORE)}:{node.lineno}: {first.value}")
    assert offenders == []


def test_no_rule_is_read_back_from_an_exception_text() -> None:
    text = (CORE / "engine" / "analysis.py").read_text(encoding="utf-8")
    assert "ROCmTemplateKernel object" not in text and "SiteView object" not in text


P = arguments.Param


def test_bind_as_python_would() -> None:
    params = (
        P("node", True, "node", "a node"),
        P("start_index", True, "int", "first"),
        P("end", False, "int", "e"),
    )
    ok = arguments.bind("size", params, [None, None, "end"])
    assert ok.bound == (("node", 0), ("start_index", 1), ("end", 2)) and ok.findings == ()
    bad = arguments.bind("size", params, [None, "node", "x"], {"x": "rocm-2.13"})
    assert [(f.code, f.where) for f in bad.findings] == [
        ("RL207", Locator(position=1)),
        ("RL207", Locator(position=2, keyword=True)),
        ("RL206", Locator()),
    ]
    assert bad.findings[0].message == "size() got 'node' twice"
    assert bad.findings[1].message.endswith(
        "its parameters are node, start_index, end (x exists in rocm-2.13)"
    )
    assert bad.findings[2].message == "size() is missing the required argument 'start_index' (first)"


def test_names_arity() -> None:
    assert def_kernel.names_arity(["X", "Y"], 1, 1, omitted=False) is None
    finding = def_kernel.names_arity(["X"], 1, 1, omitted=False)
    assert finding == Finding(
        "RL201", "names_str lists 1 name (X) but def_kernel got 1 input + 1 output", Locator("names_str")
    )


def test_reorder_entries_in_order_then_the_permutation() -> None:
    got = [(f.code, f.where.element) for f in def_kernel.reorder_entries([1, -1, 7], 3)]
    assert got == [("RL204", 1), ("RL203", 2)]  # a bad entry: no permutation verdict as well
    assert [f.code for f in def_kernel.reorder_entries([0, 0, 1], 3)] == ["RL204"]
    assert list(def_kernel.reorder_entries([2, 0, 1], 3)) == []
    assert list(def_kernel.reorder_entries(["a", 0], 2)) == []  # a non-integer is values' rule


def test_rewritten_reorder_and_its_length() -> None:
    assert def_kernel.rewritten_reorder([2, 0, 1], (2, 0, 1), (2, 3, 0, 1, 4)) == [2, 3, 0, 1, 4]
    rl208 = def_kernel.reorder_length(5, 3, True, "2.13.x", (2, 0, 1), (2, 3, 0, 1, 4))
    assert rl208 is not None and rl208.code == "RL208" and "with 3 inputs" in rl208.message
    rl202 = def_kernel.reorder_length(2, 3, False, "2.13.x", (), ())
    assert rl202 is not None and rl202.message == "input_reorder has 2 entries but def_kernel got 3 inputs"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, None),
        (-2, -1, None),
        (2, None, ("start_index", "selects no dimension")),
        (0, 2, ("end_index", "index 2 is past the rank 2")),
        (1, 0, ("end_index", "selects no dimension")),
        (-3, None, ("start_index", "index -3 is past the rank 2")),
    ],
)
def test_size_range(start: int, end: int | None, expected: tuple[str, str] | None) -> None:
    finding = size.size_range("X", 2, start, end, 0)
    if expected is None:
        assert finding is None
    else:
        assert finding is not None and finding.where.arg == expected[0] and expected[1] in finding.message


def test_unknown_hook_and_value_kinds() -> None:
    assert hooks.unknown_hook("size", "rocm-2.13", ["def_kernel"], ["seed"], "use X").message == (
        "kernel.size does not exist in profile rocm-2.13; it exists in seed; use X"
    )
    assert values.not_a_node("inputs", 1, "int").where == Locator("inputs", 1)
    assert values.not_a_node("node", None, "str", "tile", is_var=True).message.startswith(
        "tile is a [vars] value"
    )


HEADER = """{#- rocm-lsp
profile = "%s"
[nodes]
X = { dtype = "float16", size = [64, 64] }
W = { dtype = "float16", size = [64, 64] }
Y = { dtype = "float16", size = [64, 64] }
[vars]
order = %s
-#}
"""


@pytest.mark.parametrize(
    ("profile", "reorder", "code"),
    [
        ("seed", "[1, 0]", None),
        ("seed", "[0, 0]", "RL204"),
        ("seed", "[0, 5]", "RL203"),
        ("seed", "[0]", "RL202"),
        ("rocm-2.13", "[2, 0, 1]", "RL208"),
    ],
)
def test_static_and_render_time_agree(profile: str, reorder: str, code: str | None) -> None:
    """The same template, its reorder once literal (static pass) and once computed (render only)."""
    size_args = "size_args=[], " if profile != "seed" else ""
    call = '{{kernel.def_kernel(inputs=[X, W], outputs=[Y], %snames_str="X, W, Y", input_reorder=%s)}}'
    literal = analyze(HEADER % (profile, reorder) + call % (size_args, reorder) + " {}\n")
    computed = analyze(HEADER % (profile, reorder) + call % (size_args, "order | list") + " {}\n")
    for analysis in (literal, computed):
        found = {d.code for d in analysis.diagnostics if d.code.startswith("RL2") and d.code != "RL211"}
        assert found == ({code} if code else set())
    assert {d.message.split(" (Inductor")[0] for d in literal.diagnostics if d.code == code} == {
        d.message.split(" (Inductor")[0] for d in computed.diagnostics if d.code == code
    }
