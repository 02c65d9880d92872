"""``signature_help_at``: the hook's signature and the active parameter at the ``$0`` cursor,
pinned as the label with the active parameter's label after it."""

from __future__ import annotations

from cursor import at
from inline_snapshot import snapshot

from rocm_lsp.core.features.completion import SignatureHelp, signature_help_at


def active(fixture: str) -> str | None:
    """``label`` then ``→ active parameter``, or None where no help is given."""
    analysis, offset = at(fixture)
    found = signature_help_at(analysis, offset)
    return None if found is None else f"{found.label} → {found.parameters[found.active][0]}"


SEED = """\
{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [16, 64] }
Y = { dtype = "float16", size = [16, 64] }
-#}
"""


def test_first_positional_argument() -> None:
    assert active(SEED + "{{ kernel.size($0X, 1) }}\n") == snapshot(
        "size(node, start_index, end_index=…, default_value=…) → node"
    )


def test_second_positional_argument() -> None:
    assert active(SEED + "{{ kernel.size(X, $01) }}\n") == snapshot(
        "size(node, start_index, end_index=…, default_value=…) → start_index"
    )


def test_at_the_end_of_an_argument_it_stays_active() -> None:
    assert active(SEED + "{{ kernel.size(X, 1$0) }}\n") == snapshot(
        "size(node, start_index, end_index=…, default_value=…) → start_index"
    )


def test_after_the_last_comma_the_next_parameter() -> None:
    assert active(SEED + "{{ kernel.size(X, 1, $0) }}\n") == snapshot(
        "size(node, start_index, end_index=…, default_value=…) → end_index=…"
    )


def test_a_keyword_argument_activates_its_parameter() -> None:
    assert active(SEED + "{{ kernel.size(X, 0, default_value=$01) }}\n") == snapshot(
        "size(node, start_index, end_index=…, default_value=…) → default_value=…"
    )


def test_def_kernel_inputs() -> None:
    assert active(
        SEED + '{{ kernel.def_kernel(inputs=[X$0], outputs=[Y], names_str="X, Y") }}\n'
    ) == snapshot("def_kernel(inputs, outputs, names_str=…, input_reorder=…) → inputs")


def test_def_kernel_outputs() -> None:
    assert active(
        SEED + '{{ kernel.def_kernel(inputs=[X], outputs=[$0Y], names_str="X, Y") }}\n'
    ) == snapshot("def_kernel(inputs, outputs, names_str=…, input_reorder=…) → outputs")


def test_def_kernel_names_str() -> None:
    assert active(
        SEED + '{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X$0, Y") }}\n'
    ) == snapshot("def_kernel(inputs, outputs, names_str=…, input_reorder=…) → names_str=…")


def test_keywords_out_of_order() -> None:
    assert active(
        SEED + '{{ kernel.def_kernel(names_str="X, Y", inputs=[X$0], outputs=[Y]) }}\n'
    ) == snapshot("def_kernel(inputs, outputs, names_str=…, input_reorder=…) → inputs")


def test_after_keywords_the_first_unused_parameter() -> None:
    assert active(SEED + '{{ kernel.def_kernel(inputs=[X], names_str="X, Y", $0) }}\n') == snapshot(
        "def_kernel(inputs, outputs, names_str=…, input_reorder=…) → outputs"
    )


def test_rocm_2_13_def_kernel_size_args() -> None:
    assert active("""\
{#- rocm-lsp
profile = "rocm-2.13"
[nodes]
X = { dtype = "float16", size = [16, 64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[], size_args=[$0]) }}
""") == snapshot("def_kernel(inputs, outputs, size_args, names_str=…, input_reorder=…) → size_args")


def test_the_innermost_call() -> None:
    assert active(SEED + "{{ kernel.size(X, kernel.arg_name($0X)) }}\n") == snapshot("arg_name(node) → node")


def test_none_on_the_hook_name() -> None:
    assert active(SEED + "{{ kernel.si$0ze(X, 1) }}\n") == snapshot(None)


def test_none_outside_a_call() -> None:
    assert active(SEED + "{{ kernel.size(X, 1) }}$0\n") == snapshot(None)


def test_none_for_a_hook_the_profile_lacks() -> None:
    assert active(SEED + "{{ kernel.get_signature($0) }}\n") == snapshot(None)


def test_the_whole_signature() -> None:
    analysis, offset = at(SEED + "{{ kernel.arg_name($0X) }}\n")
    assert signature_help_at(analysis, offset) == snapshot(
        SignatureHelp(
            label="arg_name(node)",
            documentation="The parameter name def_kernel gave a node (None if it has none).",
            parameters=(("node", "a node, or none"),),
            active=0,
        )
    )
