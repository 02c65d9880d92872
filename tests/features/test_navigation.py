"""``definition_at`` (the declaration of the name at the ``$0`` cursor, marked ``«…»`` on its
line) and ``document_symbols`` (the outline, one line per symbol: kind, name, detail, and its
selection marked)."""

from __future__ import annotations

from cursor import at, marked
from inline_snapshot import snapshot

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.navigation import Symbol, definition_at, document_symbols


def definition(fixture: str) -> str | None:
    analysis, offset = at(fixture)
    return marked(analysis.text, definition_at(analysis, offset))


def outline(text: str) -> list[str]:
    def lines(symbol: Symbol, depth: int) -> list[str]:
        head = (
            f"{'  ' * depth}{symbol.kind} {symbol.name} ({symbol.detail}): {marked(text, symbol.selection)}"
        )
        return [head, *(line for child in symbol.children for line in lines(child, depth + 1))]

    return [line for symbol in document_symbols(analyze(text)) for line in lines(symbol, 0)]


# --- definition ---------------------------------------------------------------------------


def test_a_node_goes_to_its_header_key() -> None:
    assert definition("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ X$0 }}
""") == snapshot('«X» = { dtype = "float16", size = [16, 64] }')


def test_a_node_in_a_hook_argument_goes_to_its_header_key() -> None:
    assert definition("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[$0Y], names_str="X, Y") }}
""") == snapshot('«Y» = { dtype = "float16", size = [16, 64] }')


def test_an_absent_input_goes_to_its_header_key() -> None:
    assert definition("""\
{#- rocm-lsp
[nodes]
Bias = "none"
-#}
{% if Bias$0 is none %}{% endif %}
""") == snapshot('«Bias» = "none"')


def test_a_vars_name_goes_to_its_key() -> None:
    assert definition("""\
{#- rocm-lsp
[vars]
BLOCK = 128
-#}
{{ BLOCK$0 }}
""") == snapshot("«BLOCK» = 128")


def test_a_set_variable_is_defined_by_its_last_assignment_before_the_use() -> None:
    assert definition("""\
{#- rocm-lsp
-#}
{% set N = 4 %}
{% set N = N + 1 %}
{{ N$0 }}
""") == snapshot("{% set «N» = N + 1 %}")


def test_the_kernel_has_no_definition() -> None:
    assert definition("""\
{#- rocm-lsp
-#}
{{ kern$0el }}
""") == snapshot(None)


def test_a_hook_name_has_no_definition() -> None:
    assert definition("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.si$0ze(X, 1) }}
""") == snapshot(None)


def test_nothing_in_a_comment() -> None:
    assert definition("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{# {{ X$0 }} #}
""") == snapshot(None)


# --- document symbols ---------------------------------------------------------------------


def test_kernel_nodes_and_vars() -> None:
    assert outline("""\
{#- rocm-lsp
kernel_name = "copy"
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
Bias = "none"
Y = { dtype = "float32", size = ["s0", 64] }
[vars]
BLOCK = 128
-#}
{{ kernel.def_kernel(inputs=[X, Bias], outputs=[Y], names_str="X, Bias, Y") }}
""") == snapshot(
        [
            'function copy (seed kernel): {{ kernel.«def_kernel»(inputs=[X, Bias], outputs=[Y], names_str="X, Bias, Y") }}',
            "namespace nodes ([nodes]): [«nodes»]",
            '  variable X (float16 [s0, 64]): «X» = { dtype = "float16", size = ["s0", 64] }',
            '  variable Bias (none): «Bias» = "none"',
            '  variable Y (float32 [s0, 64]): «Y» = { dtype = "float32", size = ["s0", 64] }',
            "namespace vars ([vars]): [«vars»]",
            "  constant BLOCK ([vars]): «BLOCK» = 128",
        ]
    )


def test_the_kernel_is_named_by_the_placeholder_without_kernel_name() -> None:
    assert outline("""\
{#- rocm-lsp
profile = "rocm-2.13"
-#}
{{ kernel.def_kernel(inputs=[], outputs=[], size_args=[]) }}
""") == snapshot(
        [
            "function KERNEL_NAME (rocm-2.13 kernel): {{ kernel.«def_kernel»(inputs=[], outputs=[], size_args=[]) }}"
        ]
    )


def test_tables_without_entries_have_no_symbol() -> None:
    assert outline("""\
{#- rocm-lsp
[nodes]
[vars]
[shapes]
s0 = 8
-#}
""") == snapshot([])


def test_no_header_no_symbols() -> None:
    assert outline("{{ 1 + 1 }}\n") == snapshot([])


def test_macros_are_symbols() -> None:
    assert outline("""\
{#- rocm-lsp
[vars]
N = 2
-#}
{% macro tile(k) %}{{ k * N }}{% endmacro %}
{{ tile(3) }}
""") == snapshot(
        [
            "function tile (macro): {% macro «tile»(k) %}{{ k * N }}{% endmacro %}",
            "namespace vars ([vars]): [«vars»]",
            "  constant N ([vars]): «N» = 2",
        ]
    )


def test_a_node_symbol_spans_its_line() -> None:
    text = """\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
"""
    [nodes] = document_symbols(analyze(text))
    assert [marked(text, s.span) for s in (nodes, *nodes.children)] == snapshot(
        [
            """\
«{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}»\
""",
            '«X = { dtype = "float16", size = [16, 64] }»',
        ]
    )
