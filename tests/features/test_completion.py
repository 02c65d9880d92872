"""``completions_at``: what is offered at the ``$0`` cursor, one concern per case. Each item
is pinned as ``label  kind  detail``; the replaced word and the inserted text where they matter."""

from __future__ import annotations

from cursor import at, marked
from inline_snapshot import snapshot

from rocm_lsp.core.features.completion import Completion, completions_at
from rocm_lsp.core.text import Span


def items(fixture: str) -> list[Completion]:
    analysis, offset = at(fixture)
    return completions_at(analysis, offset)


def offered(fixture: str) -> list[str]:
    return [f"{c.label}  {c.kind}  {c.detail}" for c in items(fixture)]


def replaced(fixture: str) -> list[str | None]:
    """The word each item replaces, marked on its line (from ``replace_from`` to the cursor)."""
    analysis, offset = at(fixture)
    found = completions_at(analysis, offset)
    return sorted(
        {marked(analysis.text, Span(c.replace_from, offset)) for c in found if c.replace_from is not None}
    )


# --- after ``kernel.`` --------------------------------------------------------------------


def test_hooks_and_attributes_of_the_seed_kernel() -> None:
    assert offered("""\
{#- rocm-lsp
-#}
{{ kernel.$0 }}
""") == snapshot(
        [
            "def_kernel  hook  def_kernel(inputs, outputs, names_str=…, input_reorder=…)",
            "size  hook  size(node, start_index, end_index=…, default_value=…)",
            "check_not_null  hook  check_not_null(node)",
            "arg_name  hook  arg_name(node)",
            "args  attribute  seed kernel attribute",
            "kernel_name  attribute  seed kernel attribute",
            "named_nodes  attribute  seed kernel attribute",
        ]
    )


def test_hooks_and_attributes_of_the_rocm_2_13_kernel() -> None:
    assert offered("""\
{#- rocm-lsp
profile = "rocm-2.13"
-#}
{{ kernel.$0 }}
""") == snapshot(
        [
            "def_kernel  hook  def_kernel(inputs, outputs, size_args, names_str=…, input_reorder=…)",
            "get_signature  hook  get_signature()",
            "arg_name  hook  arg_name(node)",
            "args  attribute  rocm-2.13 kernel attribute",
            "kernel_name  attribute  rocm-2.13 kernel attribute",
            "named_nodes  attribute  rocm-2.13 kernel attribute",
            "runtime_arg_info  attribute  rocm-2.13 kernel attribute",
            "runtime_arg_values  attribute  rocm-2.13 kernel attribute",
            "signature  attribute  rocm-2.13 kernel attribute",
        ]
    )


def test_a_half_typed_hook_name_is_replaced_whole() -> None:
    assert replaced("""\
{#- rocm-lsp
-#}
{{ kernel.si$0 }}
""") == snapshot(["{{ kernel.«si» }}"])


def test_hook_snippets_in_the_seed() -> None:
    assert [
        (c.label, c.insert_text, c.plain_text)
        for c in items("""\
{#- rocm-lsp
-#}
{{ kernel.$0 }}
""")
        if c.kind == "hook"
    ] == snapshot(
        [
            (
                "def_kernel",
                'def_kernel(inputs=[$1], outputs=[$2], names_str="$4")$0',
                'def_kernel(inputs=[], outputs=[], names_str="")',
            ),
            ("size", "size($1, $2)$0", "size(, )"),
            ("check_not_null", "check_not_null($1)$0", "check_not_null()"),
            ("arg_name", "arg_name($1)$0", "arg_name()"),
        ]
    )


def test_def_kernel_snippet_in_rocm_2_13_has_size_args() -> None:
    assert [
        c.insert_text
        for c in items("""\
{#- rocm-lsp
profile = "rocm-2.13"
-#}
{{ kernel.$0 }}
""")
        if c.label == "def_kernel"
    ] == snapshot(['def_kernel(inputs=[$1], outputs=[$2], size_args=[$3], names_str="$4")$0'])


def test_hook_documentation_comes_with_the_item() -> None:
    assert [
        c.documentation
        for c in items("""\
{#- rocm-lsp
-#}
{{ kernel.$0 }}
""")
        if c.label == "arg_name"
    ] == snapshot(["The parameter name def_kernel gave a node (None if it has none)."])


# --- names in the body --------------------------------------------------------------------


def test_names_in_an_expression() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Bias = "none"
[vars]
BLOCK = 128
-#}
{{ $0 }}
""") == snapshot(
        [
            "kernel  variable  the seed template kernel",
            "X  node  float16 node",
            "Bias  node  none",
            "BLOCK  variable  [vars]",
        ]
    )


def test_node_names_in_a_hook_inputs_list() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
W = { dtype = "bfloat16", size = [64, 32] }
Bias = "none"
-#}
{{ kernel.def_kernel(inputs=[X, $0]) }}
""") == snapshot(
        [
            "X  node  float16 node",
            "W  node  bfloat16 node",
            "Bias  node  none",
            "none  value  an absent input",
        ]
    )


def test_node_names_in_a_hook_outputs_list_replace_the_typed_word() -> None:
    assert replaced("""\
{#- rocm-lsp
[nodes]
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[], outputs=[Y$0]) }}
""") == snapshot(["{{ kernel.def_kernel(inputs=[], outputs=[«Y»]) }}"])


def test_names_in_a_size_argument_list() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.size($0) }}
""") == snapshot(["kernel  variable  the seed template kernel", "X  node  float16 node"])


def test_names_in_a_statement() -> None:
    assert offered("""\
{#- rocm-lsp
[vars]
UNROLL = 4
-#}
{% if $0 %}{% endif %}
""") == snapshot(["kernel  variable  the seed template kernel", "UNROLL  variable  [vars]"])


def test_nothing_in_plain_cpp() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
const int n = $0;
""") == snapshot([])


def test_nothing_after_a_closed_expression() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ X }} $0
""") == snapshot([])


# --- the header ---------------------------------------------------------------------------


def test_top_level_header_keys() -> None:
    assert offered("""\
{#- rocm-lsp
$0
-#}
""") == snapshot(
        [
            "profile  key  header key",
            "kernel_name  key  header key",
            "runtime_args  key  header key",
            "nodes  key  header key",
            "vars  key  header key",
            "shapes  key  header key",
            "bench  key  header key",
            "tune  key  header key",
        ]
    )


def test_bench_keys() -> None:
    assert offered("""\
{#- rocm-lsp
[bench]
rt$0
-#}
""") == snapshot(
        [
            "reference  key  [bench] key",
            "baseline  key  [bench] key",
            "rtol  key  [bench] key",
            "atol  key  [bench] key",
            "flops  key  [bench] key",
            "bytes  key  [bench] key",
        ]
    )


def test_node_keys_in_an_inline_table() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { $0
-#}
""") == snapshot(
        ["dtype  key  node key", "size  key  node key", "stride  key  node key", "offset  key  node key"]
    )


def test_no_keys_in_an_inline_table_outside_nodes() -> None:
    assert offered("""\
{#- rocm-lsp
[vars]
T = { $0
-#}
""") == snapshot([])


def test_dtypes_the_seed_can_type() -> None:
    assert [
        c.label
        for c in items("""\
{#- rocm-lsp
[nodes]
X = { dtype = "$0
-#}
""")
    ] == snapshot(
        [
            "float16",
            "bfloat16",
            "float32",
            "float64",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "bool",
            "complex64",
            "float8_e4m3fn",
            "float8_e5m2",
        ]
    )


def test_dtypes_rocm_2_15_can_type() -> None:
    assert [
        c.label
        for c in items("""\
{#- rocm-lsp
profile = "rocm-2.15"
[nodes]
X = { dtype = "$0
-#}
""")
    ] == snapshot(
        [
            "float16",
            "bfloat16",
            "float32",
            "float64",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "bool",
            "complex32",
            "complex64",
            "complex128",
            "float8_e4m3fn",
            "float8_e5m2",
            "float8_e4m3fnuz",
            "float8_e5m2fnuz",
            "float8_e8m0fnu",
            "bcomplex32",
        ]
    )


def test_a_half_typed_dtype_is_replaced_whole() -> None:
    assert replaced("""\
{#- rocm-lsp
[nodes]
X = { dtype = "bfl$0
-#}
""") == snapshot(['X = { dtype = "«bfl»'])


def test_profile_names() -> None:
    assert offered("""\
{#- rocm-lsp
profile = "rocm$0
-#}
""") == snapshot(
        [
            "seed  value  the older ROCmTemplateKernel, with size() and check_not_null()",
            "rocm-2.13  value  torch 2.13's ROCmTemplateKernel",
            "rocm-2.15  value  torch 2.14's and 2.15's ROCmTemplateKernel",
        ]
    )


def test_a_half_typed_profile_name_is_replaced_whole() -> None:
    assert replaced("""\
{#- rocm-lsp
profile = "rocm-2.1$0
-#}
""") == snapshot(['profile = "«rocm-2.1»'])


def test_nothing_after_a_header_value() -> None:
    assert offered("""\
{#- rocm-lsp
kernel_name = "copy" $0
-#}
""") == snapshot([])


def test_nothing_is_offered_inside_a_comment() -> None:
    assert offered("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [4] }
-#}
{# call kernel.$0 later #}
""") == snapshot([])
