"""Rename, references, document highlight and folding (``core/features/symbols.py``) and their
Python-module side (``core/features/python_symbols.py``), called directly.

Each case is a tiny template with a ``$0`` cursor. Results are pinned as the text with the
spans marked: ``«write»`` (a header key, a binding target, a render keyword) and ``‹read›``; a
rename is pinned as the text it leaves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.engine.header import parse_header
from rocm_lsp.core.engine.structure import outline
from rocm_lsp.core.features.python_symbols import (
    highlights_python,
    prepare_rename_python,
    references_python,
    rename_python,
)
from rocm_lsp.core.features.symbols import (
    Edit,
    Fold,
    Highlight,
    Refusal,
    folding_ranges,
    highlights,
    prepare_rename,
    references,
    rename,
    symbol_at,
)
from rocm_lsp.core.pymodules.analyzer import analyze_python
from rocm_lsp.core.text import LineIndex, Span

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HEADER = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 4] }
Y = { dtype = "float16", size = ["s0*2", 4], stride = [4, 1] }
[vars]
N = 4
[shapes]
s0 = 8
-#}
"""


def analysis_of(text: str) -> Analysis:
    """What the features read (header and outline), without rendering."""
    index = LineIndex(text)
    return Analysis(text, index, parse_header(text, index), outline(text), "seed")


def cursor(fixture: str) -> tuple[str, int]:
    offset = fixture.index("$0")
    return fixture.replace("$0", "", 1), offset


def marked(text: str, marks: list[Highlight]) -> str:
    for mark in sorted(marks, key=lambda m: m.span, reverse=True):
        left, right = ("«", "»") if mark.kind == "write" else ("‹", "›")
        start, end = mark.span.start, mark.span.end
        text = text[:start] + left + text[start:end] + right + text[end:]
    return text


def spans_marked(text: str, spans: list[Span]) -> str:
    return marked(text, [Highlight(s, "read") for s in spans])


def applied(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.span, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def highlighted(fixture: str) -> str:
    text, offset = cursor(fixture)
    return marked(text, highlights(analysis_of(text), offset))


def renamed(fixture: str, new_name: str) -> str | Refusal:
    text, offset = cursor(fixture)
    edits = rename(analysis_of(text), offset, new_name)
    return edits if isinstance(edits, Refusal) else applied(text, edits)


def prepared(fixture: str) -> str | Refusal | None:
    text, offset = cursor(fixture)
    found = prepare_rename(analysis_of(text), offset)
    return found if not isinstance(found, Span) else spans_marked(text, [found])


# -- highlights: the header's names ---------------------------------------------------------------


def test_a_node_at_a_use_is_its_header_key_and_every_use_but_names_str() -> None:
    fixture = (
        HEADER + '{{ kernel.def_kernel(inputs=[X$0], outputs=[Y], names_str="X, Y") }}\n{{ X.get_name() }}'
    )
    assert highlighted(fixture) == (
        HEADER.replace("\nX =", "\n«X» =")
        + '{{ kernel.def_kernel(inputs=[‹X›], outputs=[Y], names_str="X, Y") }}\n{{ ‹X›.get_name() }}'
    )


def test_a_node_at_its_header_key() -> None:
    fixture = HEADER.replace("\nX =", "\n$0X =") + "{{ kernel.size(X, 0) }}"
    assert highlighted(fixture) == HEADER.replace("\nX =", "\n«X» =") + "{{ kernel.size(‹X›, 0) }}"


def test_a_var_and_a_top_level_set_of_it_are_one_symbol() -> None:
    fixture = HEADER + "{{ N }}{% set N = N * 2 %}{{ N$0 }}"
    assert highlighted(fixture) == (
        HEADER.replace("\nN =", "\n«N» =") + "{{ ‹N› }}{% set «N» = ‹N› * 2 %}{{ ‹N› }}"
    )


def test_an_undeclared_name_is_every_top_level_use() -> None:
    assert highlighted("{{ M$0 }}{{ M + 1 }}{% for i in r %}{{ M }}{% endfor %}") == (
        "{{ ‹M› }}{{ ‹M› + 1 }}{% for i in r %}{{ ‹M› }}{% endfor %}"
    )


# -- highlights: Jinja's scopes -------------------------------------------------------------------


def test_a_loop_variable_is_local_to_its_loop() -> None:
    fixture = "{% for i in r %}{{ i$0 }}{% endfor %}{{ i }}{% for i in s %}{{ i }}{% endfor %}"
    assert highlighted(fixture) == (
        "{% for «i» in r %}{{ ‹i› }}{% endfor %}{{ i }}{% for i in s %}{{ i }}{% endfor %}"
    )


def test_loop_targets_unpacked() -> None:
    fixture = "{% for (a, b) in pairs %}{{ a }}{{ b$0 }}{% endfor %}"
    assert highlighted(fixture) == "{% for (a, «b») in pairs %}{{ a }}{{ ‹b› }}{% endfor %}"


def test_a_loop_filter_sees_the_loop_variable_and_the_iterable_the_outer_one() -> None:
    fixture = "{% set x = [1] %}{% for x in x if x$0 %}{{ x }}{% endfor %}"
    assert highlighted(fixture) == "{% set x = [1] %}{% for «x» in x if ‹x› %}{{ ‹x› }}{% endfor %}"
    fixture = "{% set x = [1] %}{% for x in x$0 if x %}{{ x }}{% endfor %}"
    assert highlighted(fixture) == "{% set «x» = [1] %}{% for x in ‹x› if x %}{{ x }}{% endfor %}"


def test_the_else_of_a_loop_does_not_see_its_variable() -> None:
    fixture = "{% for i in r %}{{ i$0 }}{% else %}{{ i }}{% endfor %}"
    assert highlighted(fixture) == "{% for «i» in r %}{{ ‹i› }}{% else %}{{ i }}{% endfor %}"


def test_a_set_in_a_loop_is_local_and_reads_before_it_see_the_outer_value() -> None:
    fixture = "{% set t = 0 %}{% for i in r %}{{ t }}{% set t = t + i %}{{ t$0 }}{% endfor %}{{ t }}"
    assert highlighted(fixture) == (
        "{% set t = 0 %}{% for i in r %}{{ t }}{% set «t» = t + i %}{{ ‹t› }}{% endfor %}{{ t }}"
    )
    fixture = "{% set t$0 = 0 %}{% for i in r %}{{ t }}{% set t = t + i %}{{ t }}{% endfor %}{{ t }}"
    assert highlighted(fixture) == (
        "{% set «t» = 0 %}{% for i in r %}{{ ‹t› }}{% set t = ‹t› + i %}{{ t }}{% endfor %}{{ ‹t› }}"
    )


def test_a_set_inside_an_if_is_not_a_scope() -> None:
    fixture = "{% if c %}{% set m = 1 %}{% endif %}{{ m$0 }}"
    assert highlighted(fixture) == "{% if c %}{% set «m» = 1 %}{% endif %}{{ ‹m› }}"


def test_a_macro_parameter_its_default_and_a_set_inside_the_macro() -> None:
    fixture = "{% macro f(p, q=p + 1) %}{% set r = p %}{{ p$0 }}{{ r }}{% endmacro %}{{ p }}{{ r }}"
    assert highlighted(fixture) == (
        "{% macro f(«p», q=‹p› + 1) %}{% set r = ‹p› %}{{ ‹p› }}{{ r }}{% endmacro %}{{ p }}{{ r }}"
    )
    fixture = "{% macro f(p) %}{% set r$0 = p %}{{ r }}{% endmacro %}{{ r }}"
    assert highlighted(fixture) == "{% macro f(p) %}{% set «r» = p %}{{ ‹r› }}{% endmacro %}{{ r }}"


def test_a_macro_name_and_its_calls() -> None:
    fixture = "{% macro f$0(p) %}{{ p }}{% endmacro %}{{ f(1) }}{% call f(2) %}x{% endcall %}"
    assert highlighted(fixture) == (
        "{% macro «f»(p) %}{{ p }}{% endmacro %}{{ ‹f›(1) }}{% call ‹f›(2) %}x{% endcall %}"
    )


def test_call_block_parameters() -> None:
    fixture = "{% call(row) each(rows) %}{{ row$0 }}{% endcall %}{{ row }}"
    assert highlighted(fixture) == "{% call(«row») each(rows) %}{{ ‹row› }}{% endcall %}{{ row }}"


def test_with_targets_and_their_values() -> None:
    fixture = "{% set a = 1 %}{% with a = a, b = a %}{{ a$0 }}{% endwith %}{{ a }}"
    assert highlighted(fixture) == "{% set a = 1 %}{% with «a» = a, b = a %}{{ ‹a› }}{% endwith %}{{ a }}"


def test_a_set_block_binds_outside_and_is_a_scope_inside() -> None:
    fixture = "{% set body %}{% set z = 1 %}{{ z }}{% endset %}{{ body$0 }}{{ z }}"
    assert highlighted(fixture) == "{% set «body» %}{% set z = 1 %}{{ z }}{% endset %}{{ ‹body› }}{{ z }}"


def test_a_namespace_attribute_is_no_name_but_its_namespace_is_read() -> None:
    fixture = "{% set ns = namespace(ok=true) %}{% set ns.ok = false %}{{ ns$0.ok }}"
    assert highlighted(fixture) == "{% set «ns» = namespace(ok=true) %}{% set ‹ns›.ok = false %}{{ ‹ns›.ok }}"


def test_tuple_set_targets() -> None:
    assert highlighted("{% set a, b = 1, 2 %}{{ b$0 }}{{ a }}") == "{% set a, «b» = 1, 2 %}{{ ‹b› }}{{ a }}"


def test_comments_raw_blocks_and_strings_hold_no_names() -> None:
    fixture = HEADER + '{# N #}{% raw %}{{ N }}{% endraw %}{{ "N" }}{{ N$0 }}'
    assert highlighted(fixture) == (
        HEADER.replace("\nN =", "\n«N» =") + '{# N #}{% raw %}{{ N }}{% endraw %}{{ "N" }}{{ ‹N› }}'
    )


def test_a_string_holding_a_closing_delimiter_does_not_end_the_tag() -> None:
    assert highlighted('{{ "}}" ~ m$0 }}{{ m }}') == '{{ "}}" ~ ‹m› }}{{ ‹m› }}'


@pytest.mark.parametrize(
    "fixture",
    [
        HEADER + "{{ kernel$0.size(X, 0) }}",
        HEADER + "{{ kernel.si$0ze(X, 0) }}",
        HEADER + "{{ X.get_na$0me() }}",
        HEADER + "{{ 4$02 }}",
        HEADER + "{# N$0 #}",
        HEADER + "plain $0C++",
        HEADER.replace("dtype", "dt$0ype"),
        "{% for i in r %}{{ loop$0.index }}{% endfor %}",
        "{{ range$0(3) }}",
    ],
)
def test_no_highlight_off_a_symbol(fixture: str) -> None:
    text, offset = cursor(fixture)
    assert highlights(analysis_of(text), offset) == []


# -- the header's other names --------------------------------------------------------------------------


def test_a_size_symbol_in_shapes_and_in_the_size_strings() -> None:
    text = HEADER.replace("-#}", '[bench]\nflops = "2*s0"\n-#}')
    fixture = text.replace("s0 = 8", "$0s0 = 8")
    assert highlighted(fixture) == (
        text.replace('["s0", 4]', '["‹s0›", 4]')
        .replace('"s0*2"', '"‹s0›*2"')
        .replace("s0 = 8", "«s0» = 8")
        .replace('"2*s0"', '"2*‹s0›"')
    )


def test_a_size_symbol_from_a_size_string() -> None:
    fixture = HEADER.replace('"s0*2"', '"s$00*2"')
    assert highlighted(fixture) == (
        HEADER.replace('["s0", 4]', '["‹s0›", 4]').replace('"s0*2"', '"‹s0›*2"').replace("s0 = 8", "«s0» = 8")
    )


def test_a_node_in_the_bench_reference_but_not_its_attributes_or_keywords() -> None:
    text = HEADER.replace("-#}", '[bench]\nreference = "torch.sum(X.float() * N, dim=0)"\n-#}') + "{{ X }}"
    fixture = text.replace("{{ X }}", "{{ X$0 }}")
    assert highlighted(fixture) == (
        text.replace("\nX =", "\n«X» =").replace("sum(X.", "sum(‹X›.").replace("{{ X }}", "{{ ‹X› }}")
    )
    from_reference = text.replace("sum(X.", "sum(X$0.")
    assert highlighted(from_reference) == highlighted(fixture)


# -- symbol_at and references ---------------------------------------------------------------------------


def test_symbol_kinds() -> None:
    text = (
        HEADER
        + "{% set M = 1 %}{% for i in r %}{% set t = i %}{% endfor %}"
        + "{% macro f(p) %}{% endmacro %}{% with w = 1 %}{% endwith %}{{ U }}{{ kernel }}"
    )
    analysis = analysis_of(text)
    kinds = {
        needle: (s.kind, s.scope != 0) if (s := symbol_at(analysis, text.index(needle))) else None
        for needle in ("X =", "N =", "s0 =", "M =", "i in", "t =", "f(", "p)", "w =", "U }", "kernel", "r %")
    }
    assert kinds == {
        "X =": ("node", False),
        "N =": ("var", False),
        "s0 =": ("shape", True),
        "M =": ("set", False),
        "i in": ("loop", True),
        "t =": ("set", True),
        "f(": ("macro", False),
        "p)": ("parameter", True),
        "w =": ("with", True),
        "U }": ("undeclared", False),
        "kernel": None,
        "r %": ("undeclared", False),
    }


def test_references_with_and_without_the_declaration() -> None:
    text, offset = cursor(HEADER + "{{ N$0 }}{% set N = 2 %}{{ N }}")
    analysis = analysis_of(text)
    declared = HEADER.replace("\nN =", "\n‹N› =")
    assert spans_marked(text, references(analysis, offset, True)) == (
        declared + "{{ ‹N› }}{% set ‹N› = 2 %}{{ ‹N› }}"
    )
    assert spans_marked(text, references(analysis, offset, False)) == (
        HEADER + "{{ ‹N› }}{% set ‹N› = 2 %}{{ ‹N› }}"
    )


def test_references_of_a_loop_variable_leave_out_its_target() -> None:
    text, offset = cursor("{% for i in r %}{{ i$0 }}{{ i + 1 }}{% endfor %}")
    found = references(analysis_of(text), offset, False)
    assert spans_marked(text, found) == "{% for i in r %}{{ ‹i› }}{{ ‹i› + 1 }}{% endfor %}"


# -- prepare rename -------------------------------------------------------------------------------------


def test_prepare_rename_gives_the_name_under_the_cursor() -> None:
    assert prepared(HEADER + "{{ kernel.size(X$0, 0) }}") == HEADER + "{{ kernel.size(‹X›, 0) }}"
    assert prepared(HEADER.replace("\nN =", "\nN$0 =")) == HEADER.replace("\nN =", "\n‹N› =")


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        (HEADER + "{{ kernel.si$0ze(X, 0) }}", "kernel.size is a hook: it cannot be renamed"),
        (HEADER + "{{ kern$0el.size(X, 0) }}", "kernel is the template kernel: it cannot be renamed"),
        (
            "{% for i in r %}{{ lo$0op.index }}{% endfor %}",
            "loop is a variable Jinja defines: it cannot be renamed",
        ),
        ("{{ rang$0e(3) }}", "range is a Jinja global: it cannot be renamed"),
        ("{{ U$0 }}", "U is not declared: declare it in [nodes] or [vars] first"),
        (
            "{% macro f(p$0) %}{{ p }}{% endmacro %}",
            "p is a parameter: callers may pass it by keyword, rename it by hand",
        ),
        (
            "{% set t = 0 %}{% for i in r %}{% if i %}{% set t$0 = i %}{% endif %}{{ t }}{% endfor %}",
            "t is set inside an {% if %} here and also bound outside: where the if is false the "
            "template reads the outer value, so a rename would change what it renders",
        ),
        (
            HEADER.replace('"s0*2"', '"s0\\u002a2"') + "{{ X }}",
            'the size string "s0\\u002a2" has escapes: rename s0 by hand',
        ),
    ],
)
def test_prepare_rename_refuses_with_a_reason(fixture: str, reason: str) -> None:
    text = fixture if "$0" in fixture else fixture.replace("s0 = 8", "$0s0 = 8")
    assert prepared(text) == Refusal(reason)


@pytest.mark.parametrize("fixture", [HEADER + "{{ 4$02 }}", HEADER + "{# N$0 #}", HEADER + "x$0 = 1;"])
def test_prepare_rename_says_nothing_off_a_name(fixture: str) -> None:
    assert prepared(fixture) is None


def test_a_conditional_set_that_shadows_nothing_can_be_renamed() -> None:
    fixture = "{% for i in r %}{% if i %}{% set t$0 = i %}{% endif %}{{ t }}{% endfor %}"
    assert renamed(fixture, "u") == "{% for i in r %}{% if i %}{% set u = i %}{% endif %}{{ u }}{% endfor %}"


# -- rename ----------------------------------------------------------------------------------------------


def test_rename_a_node_everywhere_but_names_str() -> None:
    text = HEADER.replace("-#}", '[bench]\nreference = "X.float() * 2"\n-#}')
    fixture = text + '{{ kernel.def_kernel(inputs=[X$0], outputs=[Y], names_str="X, Y") }}{{ X.get_name() }}'
    assert renamed(fixture, "Inp") == (
        text.replace("\nX =", "\nInp =").replace('"X.float', '"Inp.float')
        + '{{ kernel.def_kernel(inputs=[Inp], outputs=[Y], names_str="X, Y") }}{{ Inp.get_name() }}'
    )


def test_rename_a_node_declared_as_a_table_and_with_a_quoted_key() -> None:
    text = '{#- rocm-lsp\n[nodes.X]\ndtype = "float16"\nsize = [4]\n[vars]\n"N" = 1\n-#}\n{{ X }}{{ N }}'
    assert renamed(text.replace("{{ X }}", "{{ X$0 }}"), "A") == text.replace("X", "A")
    assert renamed(text.replace("{{ N }}", "{{ N$0 }}"), "M") == text.replace("N", "M")


def test_rename_a_var_and_its_top_level_sets() -> None:
    fixture = HEADER + "{% set N = N + 1 %}{{ N$0 }}"
    assert (
        renamed(fixture, "COUNT")
        == HEADER.replace("\nN =", "\nCOUNT =") + "{% set COUNT = COUNT + 1 %}{{ COUNT }}"
    )


def test_rename_a_loop_variable() -> None:
    fixture = "{% for i in r %}{{ i$0 }}{% endfor %}{% for i in s %}{{ i }}{% endfor %}"
    assert (
        renamed(fixture, "row")
        == "{% for row in r %}{{ row }}{% endfor %}{% for i in s %}{{ i }}{% endfor %}"
    )


def test_rename_a_loop_variable_to_an_outer_name_nobody_reads_inside() -> None:
    fixture = HEADER + "{% for i in r %}{{ i$0 }}{% endfor %}{{ N }}"
    assert renamed(fixture, "N") == HEADER + "{% for N in r %}{{ N }}{% endfor %}{{ N }}"


def test_rename_a_size_symbol() -> None:
    fixture = HEADER.replace("s0 = 8", "$0s0 = 8")
    assert renamed(fixture, "s1") == HEADER.replace("s0", "s1")


def test_rename_to_the_same_name_changes_nothing() -> None:
    assert renamed(HEADER + "{{ N$0 }}", "N") == HEADER + "{{ N }}"


@pytest.mark.parametrize(
    ("new_name", "reason"),
    [
        ("1x", "'1x' is not a valid name: use letters, digits and _, not starting with a digit"),
        ("a-b", "'a-b' is not a valid name: use letters, digits and _, not starting with a digit"),
        ("", "'' is not a valid name: use letters, digits and _, not starting with a digit"),
        ("kernel", "kernel is the template kernel: choose another name"),
        ("if", "if is a keyword of Jinja or Python: choose another name"),
        ("true", "true is a keyword of Jinja or Python: choose another name"),
        ("None", "None is a keyword of Jinja or Python: choose another name"),
        ("class", "class is a keyword of Jinja or Python: choose another name"),
        ("range", "range is a name Jinja defines: choose another name"),
        ("loop", "loop is a name Jinja defines: choose another name"),
        ("Y", "Y is already declared in [nodes]: choose another name"),
        ("N", "N is already declared in [vars]: choose another name"),
        ("M", "M is already bound on line 10"),
        ("U", "U is already used on line 10: it would then mean the renamed X"),
        ("i", "i is already bound on line 10: it would hide X there"),
    ],
)
def test_rename_refuses_a_name_that_is_invalid_or_taken(new_name: str, reason: str) -> None:
    fixture = HEADER + "{% set M = 1 %}{{ U }}{% for i in r %}{{ X$0 }}{% endfor %}"
    assert renamed(fixture, new_name) == Refusal(reason)


def test_rename_a_loop_variable_refuses_a_name_its_body_reads() -> None:
    fixture = HEADER + "{% for i in r %}{{ i$0 }}{{ N }}{% endfor %}"
    assert renamed(fixture, "N") == Refusal("N is already used on line 10: it would then mean the renamed i")


def test_rename_a_size_symbol_refuses_another_symbol() -> None:
    fixture = HEADER.replace('["s0", 4]', '["s0", "s1"]').replace("s0 = 8", "$0s0 = 8")
    assert renamed(fixture, "s1") == Refusal("s1 is already a size symbol: choose another name")


def test_rename_a_node_refuses_a_name_the_reference_reads() -> None:
    text = HEADER.replace("-#}", '[bench]\nreference = "torch.relu(X)"\n-#}') + "{{ X$0 }}"
    assert renamed(text, "torch") == Refusal("torch is a name [bench].reference reads: choose another name")


def test_rename_a_node_refuses_when_the_reference_binds_names() -> None:
    text = HEADER.replace("-#}", '[bench]\nreference = "sum(x for x in X)"\n-#}') + "{{ X$0 }}"
    assert renamed(text, "A") == Refusal("[bench].reference binds names of its own: rename it by hand")


def test_rename_off_a_name_is_refused() -> None:
    assert renamed(HEADER + "{{ 4$02 }}", "a") == Refusal("there is no name to rename here")


def test_rename_in_a_shipped_template_renders_the_same() -> None:
    """Renaming every node of a real template renders the same C++: names_str keeps the C++
    parameter names, and RL213 now says each differs from the node passed."""
    text = (TEMPLATES / "elementwise_bias_relu.hip.jinja").read_text()
    before = analyze(text, static=True)
    for node in list(before.header.nodes):
        current = analysis_of(text)
        offset = current.header.nodes[node].key_span.start
        edits = rename(current, offset, f"{node}_renamed")
        assert not isinstance(edits, Refusal), edits
        assert any(e.span.start > current.header.span.end for e in edits if current.header.span)
        text = applied(text, edits)
    after = analyze(text, static=True)
    assert before.diagnostics == []
    assert [(d.code, d.message) for d in after.diagnostics] == [
        ("RL213", f"{node}_renamed is passed where names_str says {node!r}: the C++ parameter for "
         f"{node}_renamed will be called {node!r}")
        for node in ("X", "Bias", "Y")
    ]  # fmt: skip
    assert after.rendered is not None and before.rendered is not None
    assert after.rendered.text == before.rendered.text


# -- folding -----------------------------------------------------------------------------------------


def folds(text: str) -> list[Fold]:
    return folding_ranges(analysis_of(text))


def test_folds_of_the_header_blocks_and_comments() -> None:
    text = (
        HEADER  # lines 0-8
        + "{#\n  notes\n#}\n"  # 9-11
        + "{% for i in r %}\n"  # 12
        + "  {% if i %}\n"  # 13
        + "    x\n"  # 14
        + "  {% endif %}\n"  # 15
        + "{% endfor %}\n"  # 16
        + "{% if a %}one line{% endif %}\n"  # 17
        + "{% raw %}\n{{ x }}\n{% endraw %}\n"  # 18-20
        + "{% macro m() %}\n  body\n{% endmacro %} trailing\n"  # 21-23
    )
    assert folds(text) == [
        Fold(0, 8, "header"),
        Fold(9, 11, "comment"),
        Fold(12, 16, "block"),
        Fold(13, 15, "block"),
        Fold(18, 20, "block"),
        Fold(21, 22, "block"),
    ]


def test_folds_that_start_on_one_line_keep_the_outermost() -> None:
    text = "{% for i in r %}{% if i %}\nx\n{% endif %}\n{% endfor %}\n"
    assert folds(text) == [Fold(0, 3, "block")]


def test_a_comment_ending_on_a_block_line_leaves_that_line_to_the_block() -> None:
    text = "{# a\nb #}{% if c %}\nx\n{% endif %}\n"
    assert folds(text) == [Fold(1, 3, "block")]


def test_an_unclosed_block_does_not_fold() -> None:
    assert folds("{% if c %}\nx\n{% for i in r %}\ny\n{% endfor %}\n") == [Fold(2, 4, "block")]


def test_folds_of_a_shipped_template_nest() -> None:
    for path in sorted(TEMPLATES.glob("*.hip.jinja")):
        found = folds(path.read_text())
        assert found and found[0].kind == "header"
        for a in found:
            for b in found:
                crossing = a.start_line < b.start_line <= a.end_line < b.end_line
                assert not crossing, (path.name, a, b)


# -- Python modules ------------------------------------------------------------------------------------


MODULE = '''class ROCmMyTemplate:
    body = """
int {{ name }}() { {% for i in range(3) %}{{ i }}{% endfor %} return {{ value }}; }
"""

    def render(self, kernel):
        return self._template_from_string(self.body).render(name="answer", value=6 * 7)
'''


def py_highlighted(fixture: str) -> str:
    text, offset = cursor(fixture)
    return marked(text, highlights_python(analyze_python(text), offset))


def py_renamed(fixture: str, new_name: str) -> str | Refusal:
    text, offset = cursor(fixture)
    edits = rename_python(analyze_python(text), offset, new_name)
    return edits if isinstance(edits, Refusal) else applied(text, edits)


def test_python_a_template_variable_and_the_keyword_that_passes_it() -> None:
    expected = MODULE.replace("{{ name }}", "{{ ‹name› }}").replace("(name=", "(«name»=")
    assert py_highlighted(MODULE.replace("{{ name }}", "{{ na$0me }}")) == expected
    assert py_highlighted(MODULE.replace("(name=", "(na$0me=")) == expected


def test_python_references() -> None:
    text, offset = cursor(MODULE.replace("{{ value }}", "{{ value$0 }}"))
    analysis = analyze_python(text)
    assert spans_marked(text, references_python(analysis, offset, True)) == (
        MODULE.replace("{{ value }}", "{{ ‹value› }}").replace("value=6", "‹value›=6")
    )
    assert spans_marked(text, references_python(analysis, offset, False)) == (
        MODULE.replace("{{ value }}", "{{ ‹value› }}")
    )


def test_python_rename_a_template_variable_with_its_keyword() -> None:
    renamed_text = py_renamed(MODULE.replace("{{ name }}", "{{ name$0 }}"), "fn")
    assert renamed_text == MODULE.replace("{{ name }}", "{{ fn }}").replace("(name=", "(fn=")


def test_python_rename_a_loop_variable_in_the_string() -> None:
    assert py_renamed(MODULE.replace("{{ i }}", "{{ i$0 }}"), "k") == MODULE.replace(" i ", " k ").replace(
        "{{ i }}", "{{ k }}"
    )


def test_python_rename_a_key_of_a_spread_dict() -> None:
    module = MODULE.replace('render(name="answer", value=6 * 7)', "render(**{'name': 1, 'value': 2})")
    assert py_renamed(module.replace("{{ name }}", "{{ na$0me }}"), "fn") == module.replace("name", "fn")


@pytest.mark.parametrize(
    ("module", "new_name", "reason"),
    [
        (
            MODULE.replace('render(name="answer", value=6 * 7)', "render(name=1, **kw)"),
            "fn",
            "the render call on line 7 passes names through **: rename name by hand",
        ),
        (MODULE, "value", "value is already passed by the render call on line 7: choose another name"),
        (MODULE, "for", "for is a keyword of Jinja or Python: choose another name"),
    ],
)
def test_python_rename_refusals(module: str, new_name: str, reason: str) -> None:
    assert py_renamed(module.replace("{{ name }}", "{{ na$0me }}"), new_name) == Refusal(reason)


def test_python_rename_to_a_name_only_a_loop_binds() -> None:
    found = py_renamed(MODULE.replace("{{ name }}", "{{ na$0me }}"), "i")
    assert found == MODULE.replace("{{ name }}", "{{ i }}").replace("(name=", "(i=")


def test_python_rename_refuses_a_name_the_template_reads() -> None:
    module = MODULE.replace("return {{ value }}", "return {{ value }} + {{ extra }}")
    found = py_renamed(module.replace("{{ name }}", "{{ na$0me }}"), "extra")
    assert found == Refusal("extra is already used on line 3: it would then mean the renamed name")


def test_python_prepare_rename() -> None:
    text, offset = cursor(MODULE.replace("{{ name }}", "{{ na$0me }}"))
    assert prepare_rename_python(analyze_python(text), offset) == Span(
        text.index("name"), text.index("name") + 4
    )
    text, offset = cursor(MODULE.replace("class ", "cl$0ass "))
    assert prepare_rename_python(analyze_python(text), offset) is None
