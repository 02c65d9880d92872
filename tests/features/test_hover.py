"""``hover_at``: one tiny template per case, the cursor at ``$0``; the hovered span (marked
``«…»`` on its line) and the markdown are pinned exactly."""

from __future__ import annotations

import pytest
from cursor import at, marked
from inline_snapshot import snapshot

from rocm_lsp.core.features.hover import hover_at


def hover(fixture: str) -> str | None:
    """The hovered line(s) with the span marked, a blank line, then the markdown."""
    analysis, offset = at(fixture)
    found = hover_at(analysis, offset)
    return None if found is None else f"{marked(analysis.text, found.span)}\n\n{found.markdown}"


# --- hook calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    ["{{ kernel.si$0ze(X, 1) }}", "{{ ker$0nel.size(X, 1) }}", "{{ kernel.size(X, 1$0) }}"],
    ids=["on-the-hook", "on-kernel", "on-an-argument"],
)
def test_size_call_shows_its_expansion(call: str) -> None:
    fixture = """\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
"""
    assert hover(fixture + call + "\n") == snapshot("""\
{{ «kernel.size(X, 1)» }}

```cpp
64L
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.\
""")


def test_size_call_over_a_symbol_names_the_kernel_argument() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
-#}
{{ kernel.size$0(X, 0) }}
""") == snapshot("""\
{{ «kernel.size(X, 0)» }}

```cpp
ks0
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.

Size symbols that became kernel arguments here: `s0` → `ks0`.\
""")


def test_size_with_shapes_shows_the_concrete_value_too() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
[shapes]
s0 = 8
-#}
{{ kernel.size$0(X, 0, -1) }}
""") == snapshot("""\
{{ «kernel.size(X, 0, -1)» }}

```cpp
64L*ks0
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.

Size symbols that became kernel arguments here: `s0` → `ks0`.

With `[shapes]` (s0=8):
```cpp
512L
```\
""")


def test_check_not_null_shows_its_lines() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y") }}
{{ kernel.check_not_null$0(X) }}
""") == snapshot("""\
{{ «kernel.check_not_null(X)» }}

```cpp

        if (!X) {
            int64_t X_size = 1024L;
            if (X_size > 0) {
                throw std::runtime_error("input X is null but size is not 0!");
            }
        }

```

`check_not_null(node)` — A C++ block that throws if the node's pointer is null while its size is not 0.\
""")


def test_check_not_null_before_def_kernel_is_empty_and_warns() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.check_not_null$0(X) }}
""") == snapshot("""\
{{ «kernel.check_not_null(X)» }}

```cpp

```

`check_not_null(node)` — A C++ block that throws if the node's pointer is null while its size is not 0.

⚠ RL218: X has no parameter (before def_kernel): Inductor silently yields an empty string here\
""")


def test_def_kernel_shows_signature_parameters_and_wrapper_call() -> None:
    assert hover("""\
{#- rocm-lsp
kernel_name = "copy"
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float32", size = [16, 64] }
-#}
{{ kernel.def_kernel$0(inputs=[X], outputs=[Y], names_str="X, Y") }}
""") == snapshot("""\
{{ «kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")» }}

```cpp
PT_EXPORT int copy(const half* X, float* Y, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)
```

`def_kernel(inputs, outputs, names_str=…, input_reorder=…)` — The exported C++ signature: `PT_EXPORT int NAME(params, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)`. Size symbols used by earlier `size()` calls become `const long ks…` parameters.

**Parameters** (in order):
- `const half* X` ← node `X` (float16, [16, 64])
- `float* Y` ← node `Y` (float32, [16, 64])

**Inductor's wrapper calls it as:**
```python
copy(
    c_void_p(X.data_ptr()),
    c_void_p(Y.data_ptr()),
    None,
    None,
)
```\
""")


def test_def_kernel_in_rocm_2_13_passes_size_args_as_scalars() -> None:
    assert hover("""\
{#- rocm-lsp
profile = "rocm-2.13"
kernel_name = "copy"
[nodes]
X = { dtype = "bfloat16", size = [16, 64] }
Y = { dtype = "bfloat16", size = [16, 64] }
-#}
{{ kernel.def_kernel$0(inputs=[X], outputs=[Y], names_str="X, Y", size_args=["int64_t n"]) }}
""") == snapshot("""\
{{ «kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y", size_args=["int64_t n"])» }}

```cpp
int copy(const uint16_t* X, uint16_t* Y, int64_t n,size_t* workspace_size, uint8_t* workspace, hipStream_t stream)
```

`def_kernel(inputs, outputs, size_args, names_str=…, input_reorder=…)` — The kernel signature `int NAME(params, size_args, runtime args,size_t* workspace_size, uint8_t* workspace, hipStream_t stream)` (write `PT_EXPORT` before it). `input_reorder == [2, 0, 1]` is rewritten to `[4, 0, 1, 2, 3]`.

**Parameters** (in order):
- `const uint16_t* X` ← node `X` (bfloat16, [16, 64])
- `uint16_t* Y` ← node `Y` (bfloat16, [16, 64])

**Inductor's wrapper calls it as:**
```python
copy(
    c_void_p(X.data_ptr()),
    c_void_p(Y.data_ptr()),
    c_int(n),
    None,
    None,
)
```\
""")


def test_a_call_rendered_twice_says_so() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{% for i in range(2) %}{{ kernel.size$0(X, 1) }}{% endfor %}
""") == snapshot("""\
{% for i in range(2) %}{{ «kernel.size(X, 1)» }}{% endfor %}

```cpp
64L
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.

Rendered 2 times (the same result); the first is shown.\
""")


def test_a_call_that_raises_shows_inductors_error() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel$0(inputs=[X], outputs=[Y], names_str="X") }}
""") == snapshot("""\
{{ «kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X")» }}

**Inductor raises here:** names_str lists 1 name (X) but def_kernel got 1 input + 1 output

`def_kernel(inputs, outputs, names_str=…, input_reorder=…)` — The exported C++ signature: `PT_EXPORT int NAME(params, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)`. Size symbols used by earlier `size()` calls become `const long ks…` parameters.\
""")


def test_a_size_past_the_rank_yields_the_default_and_warns() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.size$0(X, 5) }}
""") == snapshot("""\
{{ «kernel.size(X, 5)» }}

```cpp
0
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.

⚠ RL215: size(X, 5) selects no dimension of the rank-2 X: Inductor silently yields the default 0\
""")


def test_a_hook_in_a_dead_branch_says_it_did_not_render() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{% if false %}{{ kernel.size$0(X, 1) }}{% endif %}
""") == snapshot("""\
{% if false %}{{ «kernel.size(X, 1)» }}{% endif %}

*Not rendered with the header's values (a branch that is not taken).*

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.\
""")


def test_a_hook_after_a_failed_render_names_the_error() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ 1 // 0 }}
{{ kernel.size$0(X, 1) }}
""") == snapshot("""\
{{ «kernel.size(X, 1)» }}

*Not rendered:* RL112 render error: ZeroDivisionError: integer division or modulo by zero (line 5)

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.\
""")


def test_a_hook_of_another_profile_names_the_profiles_that_have_it() -> None:
    assert hover("""\
{#- rocm-lsp
-#}
{{ kernel.get_signature$0() }}
""") == snapshot("""\
{{ «kernel.get_signature()» }}

`kernel.get_signature` does not exist in profile seed; it exists in rocm-2.13, rocm-2.15.\
""")


def test_a_kernel_attribute() -> None:
    assert hover("""\
{#- rocm-lsp
-#}
{{ kernel.kernel_na$0me }}
""") == snapshot("""\
{{ «kernel.kernel_name» }}

`kernel.kernel_name`: an attribute of the seed template kernel\
""")


def test_the_kernel_itself_lists_the_profiles_hooks() -> None:
    assert hover("""\
{#- rocm-lsp
profile = "rocm-2.13"
-#}
{{ kern$0el }}
""") == snapshot("""\
{{ «kernel» }}

**kernel**: the rocm-2.13 template kernel (torch 2.13; from the header); hooks: `def_kernel`, `get_signature`, `arg_name`\
""")


# --- names in the body --------------------------------------------------------------------


def test_a_node_name_in_the_body() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
-#}
{{ X$0 }}
""") == snapshot("""\
{{ «X» }}

**X**: float16, size [s0, 64], stride contiguous

C++ element type: `half`\
""")


def test_a_node_in_a_hook_argument_shows_its_cpp_parameter() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X$0], outputs=[Y], names_str="X, Y") }}
""") == snapshot("""\
{{ kernel.def_kernel(inputs=[«X»], outputs=[Y], names_str="X, Y") }}

**X**: float16, size [16, 64], stride contiguous

C++ element type: `half`

C++ parameter: `const half* X`\
""")


def test_a_node_with_strides_and_an_offset() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "int8", size = [16, 64], stride = [1, 16], offset = 4 }
-#}
{{ $0X }}
""") == snapshot("""\
{{ «X» }}

**X**: int8, size [16, 64], stride [1, 16], offset 4

C++ element type: `int8_t`\
""")


def test_an_absent_input() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
Bias = "none"
-#}
{{ Bias$0 }}
""") == snapshot("""\
{{ «Bias» }}

**Bias**: `None` (an absent optional input; hooks skip it)\
""")


def test_a_vars_number() -> None:
    assert hover("""\
{#- rocm-lsp
[vars]
BLOCK = 128
-#}
constexpr int kBlock = {{ BLO$0CK }};
""") == snapshot("""\
constexpr int kBlock = {{ «BLOCK» }};

`BLOCK` = `128` (from `[vars]`)\
""")


def test_a_vars_string_is_quoted_as_json() -> None:
    assert hover("""\
{#- rocm-lsp
[vars]
LAYOUT = "row"
-#}
{{ LAYOUT$0 }}
""") == snapshot("""\
{{ «LAYOUT» }}

`LAYOUT` = `"row"` (from `[vars]`)\
""")


def test_a_set_variable_shows_its_value_and_line() -> None:
    assert hover("""\
{#- rocm-lsp
-#}
{% set N = 4 %}
{{ N$0 }}
""") == snapshot("""\
{{ «N» }}

`N` = `4` (`{% set %}` on line 3)\
""")


def test_a_variable_set_in_two_branches_shows_both_values() -> None:
    assert hover("""\
{#- rocm-lsp
-#}
{% if true %}
{% set N = [1, 2] %}
{% else %}
{% set N = "two" %}
{% endif %}
{{ N$0 }}
""") == snapshot("""\
{{ «N» }}

`N` = `"two"` or `[1, 2]` (`{% set %}` on lines 4, 6)\
""")


def test_a_variable_set_to_a_hook_call_has_no_hover() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{% set M = kernel.size(X, 0) %}
{{ M$0 }}
""") == snapshot(None)


def test_nothing_in_a_comment() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{# {{ kernel.size$0(X, 1) }} #}
""") == snapshot(None)


def test_nothing_in_plain_cpp() -> None:
    assert hover("""\
{#- rocm-lsp
-#}
const int$0 n = 4;
""") == snapshot(None)


# --- the header ---------------------------------------------------------------------------


def test_a_header_key() -> None:
    assert hover("""\
{#- rocm-lsp
kernel_na$0me = "copy"
-#}
""") == snapshot("""\
«kernel_name» = "copy"

**kernel_name**: The kernel's C++ name, as Inductor passes it to the template kernel (default `KERNEL_NAME`, Inductor's placeholder before the name is final).\
""")


def test_a_header_table() -> None:
    assert hover("""\
{#- rocm-lsp
[sha$0pes]
s0 = 8
-#}
""") == snapshot("""\
[«shapes»]

**shapes**: Example values for size symbols, used by `--static`, compile and benchmark.\
""")


def test_a_node_key_in_the_header() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
W$0 = { dtype = "bfloat16", size = [64, 32] }
-#}
""") == snapshot("""\
«W» = { dtype = "bfloat16", size = [64, 32] }

**W**: bfloat16, size [64, 32], stride contiguous

C++ element type: `bfloat16`\
""")


def test_a_dtype_value() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
W = { dtype = "bflo$0at16", size = [64, 32] }
-#}
""") == snapshot("""\
W = { dtype = «"bfloat16"», size = [64, 32] }

**dtype**: A torch dtype name (`float16`, `bfloat16`, `float32`, `int8`, …).\
""")


def test_a_size_element() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
W = { dtype = "bfloat16", size = [64, "s$01"] }
-#}
""") == snapshot("""\
W = { dtype = "bfloat16", size = [64, «"s1"»] }

**size**: Sizes: integers or integer expressions over symbols (`"s0"`, `"2*s1 + 1"`).\
""")


def test_a_bench_key() -> None:
    assert hover("""\
{#- rocm-lsp
[bench]
rt$0ol = 0.01
-#}
""") == snapshot("""\
«rtol» = 0.01

**rtol**: Relative tolerance of the reference check.\
""")


def test_a_node_without_a_cpp_type_in_the_profile() -> None:
    assert hover("""\
{#- rocm-lsp
[nodes]
C$0 = { dtype = "complex128", size = [4] }
-#}
""") == snapshot("""\
«C» = { dtype = "complex128", size = [4] }

**C**: complex128, size [4], stride contiguous

no C++ type for complex128 in seed\
""")
