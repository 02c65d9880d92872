"""``inlay_hints``: each executed hook call's value after the call, shown inserted as
``⟨label⟩`` on the lines that have one."""

from __future__ import annotations

from cursor import inserted
from inline_snapshot import snapshot

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.inlay import inlay_hints


def hinted(text: str, start: int = 0, end: int | None = None) -> str:
    analysis = analyze(text)
    return inserted(text, [(h.offset, h.label) for h in inlay_hints(analysis, start, end)])


def test_size_calls_show_their_values() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64, 8] }
-#}
const long m = {{ kernel.size(X, 0) }};
const long n = {{ kernel.size(X, 1) }};
const long numel = {{ kernel.size(X, 0, -1) }};
const long inner = {{ kernel.size(X, 1, -1) }};
""") == snapshot("""\
const long m = {{ kernel.size(X, 0)⟨= ks0⟩ }};
const long n = {{ kernel.size(X, 1)⟨= 64L⟩ }};
const long numel = {{ kernel.size(X, 0, -1)⟨= 512L*ks0⟩ }};
const long inner = {{ kernel.size(X, 1, -1)⟨= 512L⟩ }};\
""")


def test_a_size_default_value() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16] }
-#}
{{ kernel.size(X, 3, default_value=1) }}
""") == snapshot("{{ kernel.size(X, 3, default_value=1)⟨= 1⟩ }}")


def test_a_long_signature_is_cut() -> None:
    assert hinted("""\
{#- rocm-lsp
kernel_name = "copy"
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y") }}
""") == snapshot(
        '{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")⟨= PT_EXPORT int copy(const half* X, half* Y, size…⟩ }}'
    )


def test_a_multi_line_expansion_shows_its_first_line() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y") }}
{{ kernel.check_not_null(X) }}
""") == snapshot("""\
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")⟨= PT_EXPORT int KERNEL_NAME(const half* X, half* …⟩ }}
{{ kernel.check_not_null(X)⟨= if (!X) { …⟩ }}\
""")


def test_an_empty_expansion() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.check_not_null(X) }}
""") == snapshot('{{ kernel.check_not_null(X)⟨= ""⟩ }}')


def test_a_call_in_a_loop_gets_one_hint() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{% for i in range(3) %}{{ kernel.size(X, 1) }}{% endfor %}
""") == snapshot("{% for i in range(3) %}{{ kernel.size(X, 1)⟨= 64L⟩ }}{% endfor %}")


def test_no_hint_in_a_dead_branch() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{% if false %}{{ kernel.size(X, 1) }}{% endif %}
{{ kernel.size(X, 0) }}
""") == snapshot("{{ kernel.size(X, 0)⟨= 16L⟩ }}")


def test_no_hint_for_a_call_that_raises() -> None:
    assert hinted("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X") }}
""") == snapshot("")


def test_only_calls_ending_in_the_range() -> None:
    text = """\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.size(X, 0) }}
{{ kernel.size(X, 1) }}
"""
    second = text.index("{{ kernel.size(X, 1)")
    assert hinted(text, second, len(text)) == snapshot("{{ kernel.size(X, 1)⟨= 64L⟩ }}")


def test_the_tooltip_is_the_whole_expansion() -> None:
    analysis = analyze("""\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y") }}
{{ kernel.check_not_null(X) }}
""")
    assert [h.tooltip for h in inlay_hints(analysis)] == snapshot(
        [
            "PT_EXPORT int KERNEL_NAME(const half* X, half* Y, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)",
            """\

        if (!X) {
            int64_t X_size = 1024L;
            if (X_size > 0) {
                throw std::runtime_error("input X is null but size is not 0!");
            }
        }
""",
        ]
    )
