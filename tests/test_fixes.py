"""Quick fixes (``core/features/fixes.py``): the exact edit of each fix on the fixture it is for,
that ``FIXABLE`` says what the fixes do, and the edge cases of applying, choosing and suppressing.
That each safe fix removes its finding is checked through ``check --fix`` (tests/test_fix_cli.py)."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.features.fixes import FIXABLE, Edit, Fix, apply, fix_all, fixes_for
from rocm_lsp.core.text import Span

FIXTURES = Path(__file__).parent / "fixtures" / "diagnostics"
PATHS = sorted(FIXTURES.glob("*.hip.jinja"))
TEMPLATES = sorted((Path(__file__).parent.parent / "templates").glob("*.hip.jinja"))


@functools.cache
def _analysis(name: str) -> Analysis:
    return analyze((FIXTURES / f"{name}.hip.jinja").read_text(encoding="utf-8"))


def changed(before: str, after: str) -> list[str]:
    """The removed (``-``) and added (``+``) lines between two texts."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("---", "+++"))]


def offered(name: str, code: str) -> list[tuple[str, bool, bool, list[str]]]:
    """(title, safe, preferred, changed lines) of each fix of the first ``code`` finding."""
    analysis = _analysis(name)
    d = next(d for d in analysis.diagnostics if d.code == code)
    return [
        (f.title, f.safe, f.preferred, changed(analysis.text, apply(analysis.text, f.edits)))
        for f in fixes_for(analysis, d)
        if not f.suppression
    ]


ARITY = '{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="%s")}} { {# expect: RL201@59 #}'
SWAPPED = (
    '{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="%s")}} { {# expect: RL213@29 RL213@32 #}'
)
DUPLICATE = (
    '{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="%s")}} { {# expect: RL213@32 RL212@59 #}'
)
REORDER = (
    '{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y", input_reorder=%s)}} '
    "{ {# expect: RL204@%d #}"
)

# fixture, code -> every fix offered (suppressions aside): (title, safe, preferred, changed lines)
EXPECTED = {
    ("RL201_names_arity", "RL201"): [
        ('Set names_str to "X, W, Y"', True, True, ["-" + ARITY % "X, Y", "+" + ARITY % "X, W, Y"])
    ],
    ("RL201_multiline_call", "RL201"): [
        (
            'Set names_str to "X, W, Bias, Y"',
            True,
            True,
            ['-    names_str="X, W, Y",', '+    names_str="X, W, Bias, Y",'],
        )
    ],
    ("RL201_names_str_omitted", "RL201"): [
        (
            'Set names_str to "X, Y"',
            True,
            True,
            [
                "-{{kernel.def_kernel(inputs=[X], outputs=[Y])}} { {# expect: RL201@3 #}",
                '+{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} { {# expect: RL201@3 #}',
            ],
        )
    ],
    ("RL201_names_from_vars", "RL201"): [
        (
            'Set names_str to "X, W, Y"',
            True,
            True,
            [
                "-{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str=arg_names)}} { "
                "{# expect: RL201@59 #}",
                '+{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")}} { '
                "{# expect: RL201@59 #}",
            ],
        )
    ],
    ("RL212_duplicate_parameter", "RL212"): [
        (
            'Set names_str to "X, W, Y"',
            False,
            True,
            ["-" + DUPLICATE % "X, X, Y", "+" + DUPLICATE % "X, W, Y"],
        )
    ],
    ("RL213_names_swapped", "RL213"): [
        ('Set names_str to "X, W, Y"', False, True, ["-" + SWAPPED % "W, X, Y", "+" + SWAPPED % "X, W, Y"])
    ],
    ("RL211_pt_export_missing", "RL211"): [
        (
            "Write PT_EXPORT before def_kernel",
            True,
            True,
            [
                '-{{kernel.def_kernel(inputs=[X], outputs=[Y], size_args=["int64_t M"], names_str="X, Y")}} '
                "{ {# expect: RL211@3 #}",
                '+PT_EXPORT {{kernel.def_kernel(inputs=[X], outputs=[Y], size_args=["int64_t M"], '
                'names_str="X, Y")}} { {# expect: RL211@3 #}',
            ],
        )
    ],
    ("RL211_pt_export_missing_multiline", "RL211"): [
        # `PT_EXPORT {{-` would strip the space after PT_EXPORT: the tag loses its `-`
        (
            "Write PT_EXPORT before def_kernel",
            True,
            True,
            ['-extern "C" {{- kernel.def_kernel(', '+extern "C" PT_EXPORT {{ kernel.def_kernel('],
        )
    ],
    ("RL211_pt_export_doubled", "RL211"): [
        (
            "Remove PT_EXPORT (def_kernel writes it itself)",
            True,
            True,
            [
                '-PT_EXPORT {{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")}} { '
                "{# expect: RL211@1 #}",
                '+{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")}} { '
                "{# expect: RL211@1 #}",
            ],
        )
    ],
    ("RL211_pt_export_doubled_previous_line", "RL211"): [
        (
            "Remove PT_EXPORT (def_kernel writes it itself)",
            True,
            True,
            ['-extern "C" PT_EXPORT', '+extern "C"'],
        )
    ],
    ("RL206_missing_size_args", "RL206"): [
        (
            "Add size_args=[]",
            True,
            True,
            [
                '-PT_EXPORT {{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} { '
                "{# expect: RL206@13 #}",
                '+PT_EXPORT {{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y", size_args=[])}} { '
                "{# expect: RL206@13 #}",
            ],
        )
    ],
    ("RL206_missing_outputs", "RL206"): [],  # only a missing size_args has a fix
    ("RL214_unused_node", "RL214"): [
        ("Remove the unused node Bias", True, True, ['-Bias = { dtype = "float16", size = [64] }'])
    ],
    ("RL214_header_suppression_other_code", "RL214"): [
        (
            "Remove the unused node Tail",
            True,
            True,
            ['-Tail = { dtype = "float16", size = ["s1"] }  # rocm-lsp: ignore[RL304]'],
        )
    ],
    ("RL204_reorder_duplicate", "RL204"): [
        (
            "Use input_reorder [0, 1] (the inputs in order)",
            False,
            True,
            ["-" + REORDER % ("[0, 0]", 84), "+" + REORDER % ("[0, 1]", 84)],
        )
    ],
    ("RL204_reorder_from_set", "RL204"): [
        (
            "Use input_reorder [0, 1] (the inputs in order)",
            False,
            True,
            ["-" + REORDER % ("order", 84), "+" + REORDER % ("[0, 1]", 84)],
        )
    ],
    ("RL111_undefined_variable", "RL111"): [
        (
            "Replace tile_m with tile_n",
            False,
            True,
            [
                "-  constexpr int kTileM = {{ tile_m }}; {# expect: RL111@29 #}",
                "+  constexpr int kTileM = {{ tile_n }}; {# expect: RL111@29 #}",
            ],
        ),
        ("Declare tile_m in [nodes]", False, False, ['+tile_m = { dtype = "float16", size = [1] }']),
    ],
    ("RL111_undefined_hook_argument", "RL111"): [
        ("Declare Bias in [nodes]", False, True, ['+Bias = { dtype = "float16", size = [1] }'])
    ],
    ("RL205_unknown_hook", "RL205"): [
        (
            "Replace def_kernal with def_kernel",
            False,
            True,
            [
                '-{{kernel.def_kernal(inputs=[X], outputs=[Y], names_str="X, Y")}} { {# expect: RL205@10 #}',
                '+{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} { {# expect: RL205@10 #}',
            ],
        )
    ],
    ("RL205_check_not_null_on_rocm213", "RL205"): [],  # a hook of another torch: not a typo
    ("RL103_node_key_typo", "RL103"): [
        (
            "Rename strides to stride",
            False,
            True,
            [
                '-X = { dtype = "float16", size = [64, 64], strides = [1, 64] }',
                '+X = { dtype = "float16", size = [64, 64], stride = [1, 64] }',
            ],
        )
    ],
    ("RL103_table_typo", "RL103"): [("Rename node to nodes", False, True, ["-[node]", "+[nodes]"])],
    ("RL103_unknown_keys", "RL103"): [
        ("Rename kernel to kernel_name", False, True, ['-kernel = "gemm"', '+kernel_name = "gemm"'])
    ],
    ("RL103_runtime_args_on_seed", "RL103"): [],  # a known key the profile ignores
    ("RL104_unknown_dtype", "RL104"): [
        (
            "Use dtype float32",
            False,
            True,
            ['-Acc = { dtype = "fp32", size = [64, 64] }', '+Acc = { dtype = "float32", size = [64, 64] }'],
        )
    ],
    ("RL106_suggest_profile", "RL106"): [
        ("Use profile rocm-2.13", False, True, ['-profile = "rocm2.13"', '+profile = "rocm-2.13"'])
    ],
    ("RL106_unknown_profile", "RL106"): [],  # rocm-2.13 and rocm-2.15 are as close: no guess
}


def test_a_table_name_is_fixed_to_a_table() -> None:
    """`[profil]` is a table: the close table name, as the message says (none here), never `profile`."""
    for header, title in (("[profil]\nX = 1", None), ('profil = "seed"', "Rename profil to profile")):
        analysis = analyze(f"{{#- rocm-lsp\n{header}\n-#}}\n")
        d = next(d for d in analysis.diagnostics if d.code == "RL103")
        assert [f.title for f in fixes_for(analysis, d) if not f.suppression] == ([title] if title else [])


@pytest.mark.parametrize(("name", "code"), list(EXPECTED), ids=[f"{n}:{c}" for n, c in EXPECTED])
def test_fix_edits_exactly(name: str, code: str) -> None:
    assert offered(name, code) == EXPECTED[(name, code)]


def test_second_unknown_dtype_gets_its_close_name() -> None:
    analysis = _analysis("RL104_unknown_dtype")
    d = [d for d in analysis.diagnostics if d.code == "RL104"][1]
    (fix, _) = fixes_for(analysis, d)
    assert changed(analysis.text, apply(analysis.text, fix.edits)) == [
        '-Scale = { dtype = "torch.float8_e4m3", size = [1] }',
        '+Scale = { dtype = "float8_e4m3fn", size = [1] }',
    ]


def _all_fixes() -> list[tuple[str, Fix]]:
    out = []
    for path in PATHS:
        name = path.name.removesuffix(".hip.jinja")
        analysis = _analysis(name)
        out += [(name, f) for d in analysis.diagnostics for f in fixes_for(analysis, d)]
    return out


def test_fixable_table_says_what_the_fixes_do() -> None:
    """``FIXABLE`` (and so docs/diagnostics.md) lists each code with a fix, and its safety."""
    fixes = [(name, f) for name, f in _all_fixes() if not f.suppression]
    assert sorted({f.code for _, f in fixes}) == sorted(FIXABLE)
    assert sorted({(f.code, f.safe) for _, f in fixes}) == sorted(FIXABLE.items())
    assert all(name.startswith(f.code) or name.startswith("RL2") for name, f in fixes)


def test_clean_templates_have_nothing_to_fix() -> None:
    for path in [*TEMPLATES, *FIXTURES.glob("clean_*.hip.jinja")]:
        analysis = analyze(path.read_text(encoding="utf-8"))
        assert [f for d in analysis.diagnostics for f in fixes_for(analysis, d)] == [], path.name
        assert fix_all(analysis, unsafe=True).text == analysis.text


# -- suppressions -------------------------------------------------------------------------


def _ignore(analysis: Analysis, code: str, nth: int = 0) -> Fix | None:
    d = [d for d in analysis.diagnostics if d.code == code][nth]
    found = [f for f in fixes_for(analysis, d) if f.suppression]
    assert len(found) <= 1
    return found[0] if found else None


def test_ignore_appends_a_jinja_comment_and_silences_the_code() -> None:
    analysis = _analysis("RL201_names_arity")
    fix = _ignore(analysis, "RL201")
    assert fix is not None and fix.title == "Ignore RL201 on this line" and not fix.safe
    text = apply(analysis.text, fix.edits)
    assert changed(analysis.text, text)[1] == "+" + ARITY % "X, Y" + " {#- rocm-lsp: ignore[RL201] #}"
    assert "RL201" not in [d.code for d in analyze(text).diagnostics]


def test_ignore_in_the_header_is_a_toml_comment_merged_into_one_there() -> None:
    analysis = _analysis("RL214_header_suppression_other_code")
    fix = _ignore(analysis, "RL214")
    assert fix is not None
    text = apply(analysis.text, fix.edits)
    assert (
        changed(analysis.text, text)[1]
        == '+Tail = { dtype = "float16", size = ["s1"] }  # rocm-lsp: ignore[RL304, RL214]'
    )
    assert "RL214" not in [d.code for d in analyze(text).diagnostics]
    plain = _analysis("RL214_unused_node")
    fix = _ignore(plain, "RL214")
    assert fix is not None
    assert changed(plain.text, apply(plain.text, fix.edits))[1] == (
        '+Bias = { dtype = "float16", size = [64] }  # rocm-lsp: ignore[RL214]'
    )


def test_ignore_merges_into_a_jinja_suppression_on_the_line() -> None:
    text = _analysis("RL213_names_swapped").text.replace(
        "{# expect: RL213@29 RL213@32 #}", "{# rocm-lsp: ignore[RL212] #}"
    )
    analysis = analyze(text)
    fix = _ignore(analysis, "RL213")
    assert fix is not None
    fixed = apply(text, fix.edits)
    assert "{# rocm-lsp: ignore[RL212, RL213] #}" in fixed
    assert [d.code for d in analyze(fixed).diagnostics] == []


def test_ignore_never_changes_what_the_template_renders() -> None:
    """The comment renders to nothing, and takes no whitespace with it: `{#-` takes back the space
    before it, and after a tag that strips what follows it, `-#}` takes the line break."""
    stripping = _analysis("RL213_names_swapped").text.replace(
        '"W, X, Y")}} { {# expect: RL213@29 RL213@32 #}\n', '"W, X, Y") -}}\n{\n'
    )
    fix = _ignore(analyze(stripping), "RL213")
    assert fix is not None and fix.edits[0].new_text == " {#- rocm-lsp: ignore[RL213] -#}"
    texts = [stripping] + [p.read_text(encoding="utf-8") for p in PATHS if "RL11" not in p.name]
    checked = 0
    for text in texts:
        analysis = analyze(text)
        rendered = analysis.rendered.text if analysis.rendered else None
        fixes = [f for d in analysis.diagnostics for f in fixes_for(analysis, d) if f.suppression]
        if rendered is None or not fixes:
            continue
        after = analyze(apply(text, fixes[0].edits)).rendered
        assert after is not None and after.text == rendered, text[:200]
        checked += 1
    assert checked >= 10


def test_no_ignore_where_a_comment_cannot_go() -> None:
    """A line that ends inside a multi-line ``{{ … }}`` cannot hold a Jinja comment."""
    assert _ignore(_analysis("RL201_multiline_call"), "RL201") is None


def test_fix_all_never_applies_a_suppression() -> None:
    analysis = _analysis("RL213_names_swapped")
    assert fix_all(analysis).fixes == ()  # its only fix is unsafe
    fixed = fix_all(analysis, unsafe=True)
    assert [f.title for f in fixed.fixes] == ['Set names_str to "X, W, Y"']
    assert fixed.findings == 2  # both RL213s, by one edit
    assert "ignore" not in fixed.text.replace("rocm-lsp: ignore", "")  # nothing suppressed


# -- applying -----------------------------------------------------------------------------


def test_apply_goes_back_to_front_and_refuses_overlaps() -> None:
    assert (
        apply("abcdef", [Edit(Span(4, 6), "X"), Edit(Span(0, 1), "YY"), Edit(Span(2, 2), "-")]) == "YYb-cdX"
    )
    with pytest.raises(ValueError):
        apply("abcdef", [Edit(Span(0, 3), "X"), Edit(Span(2, 4), "Y")])
    with pytest.raises(ValueError):
        apply("abcdef", [Edit(Span(2, 2), "X"), Edit(Span(2, 2), "Y")])


def test_fix_all_skips_a_conflicting_fix_until_the_next_pass() -> None:
    """Two inserts after the last argument of one call: one per pass."""
    text = _analysis("RL206_missing_size_args").text.replace(', names_str="X, Y"', "")
    first = fix_all(analyze(text))
    assert len(first.fixes) == 1
    second = fix_all(analyze(first.text))
    assert len(second.fixes) == 1
    assert 'def_kernel(inputs=[X], outputs=[Y], size_args=[], names_str="X, Y")' in second.text or (
        'def_kernel(inputs=[X], outputs=[Y], names_str="X, Y", size_args=[])' in second.text
    )
    assert [d.code for d in analyze(second.text).diagnostics] == []


def test_declare_node_creates_the_nodes_table() -> None:
    text = (
        '{#- rocm-lsp\n[vars]\nBLOCK = 64\n-#}\n{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}}'
    )
    text += "\n"
    analysis = analyze(text)
    d = next(d for d in analysis.diagnostics if d.code == "RL111")
    (declare, _) = fixes_for(analysis, d)
    fixed = apply(text, declare.edits)
    assert fixed.startswith(
        '{#- rocm-lsp\n[vars]\nBLOCK = 64\n[nodes]\nX = { dtype = "float16", size = [1] }\n-#}\n'
    )
    assert "RL111" not in [d.code for d in analyze(fixed).diagnostics]


def test_unused_node_read_by_the_bench_reference_is_kept() -> None:
    text = _analysis("RL214_unused_node").text.replace("-#}", '[bench]\nreference = "X + Bias"\n-#}', 1)
    analysis = analyze(text)
    d = next(d for d in analysis.diagnostics if d.code == "RL214")
    assert [f for f in fixes_for(analysis, d) if not f.suppression] == []


@pytest.mark.parametrize("path", [*PATHS, *TEMPLATES], ids=lambda p: p.name)
def test_every_fix_applies_cleanly(path: Path) -> None:
    """No fixer raises, and every fix's edits apply (in fixtures of every code, and templates)."""
    analysis = analyze(path.read_text(encoding="utf-8"))
    for d in analysis.diagnostics:
        for fix in fixes_for(analysis, d):
            assert fix.code == d.code and fix.edits
            apply(analysis.text, fix.edits)
