"""Hover on a hook call that has no expansion says why, truthfully: the finding that stopped the
render (``Not rendered:``) or kept the template from compiling (``No render:``), with its line;
"a branch that is not taken" only when the render completed and skipped the call."""

from __future__ import annotations

import pytest

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.hover import hover_at

HEADER = """\
{#- rocm-lsp
[nodes]
A = { dtype = "float16", size = [16, 64] }
B = { dtype = "float16", size = [16, 64] }
-#}
"""


def why(text: str) -> str:
    """The first paragraph of the hover on the last ``kernel.size`` call of ``text``."""
    found = hover_at(analyze(text), text.rindex("kernel.size") + len("kernel.s"))
    assert found is not None
    return found.markdown.split("\n\n")[0]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param(
            "{% if false %}{{ kernel.size(A, 1) }}{% endif %}\n",
            "*Not rendered with the header's values (a branch that is not taken).*",
            id="dead-branch",
        ),
        pytest.param(
            "{{ kernel.size(C, 0) }}\n{{ kernel.size(A, 1) }}\n",
            "*Not rendered:* RL111 C is undefined: declare it in [nodes] (an IR node) or [vars] (any "
            "other value) in the header (line 6)",
            id="undefined-node",
        ),
        pytest.param(
            '{{ kernel.def_kernel(inputs=[A], outputs=[B], names_str="A") }}\n{{ kernel.size(A, 1) }}\n',
            "*Not rendered:* RL201 names_str lists 1 name (A) but def_kernel got 1 input + 1 output (line 6)",
            id="hook-error-earlier",
        ),
        pytest.param(
            "{% set K = kernel.size(A 0) %}\n{{ kernel.size(A, 1) }}\n",
            "*No render:* RL110 Jinja syntax error: expected token ',', got 'integer' (line 6)",
            id="syntax-error",
        ),
        pytest.param(
            "{{ 1 | nofilter }}\n{{ kernel.size(A, 1) }}\n",
            "*No render:* RL110 Jinja syntax error: No filter named 'nofilter'. (line 6)",
            id="compile-error",
        ),
    ],
)
def test_a_call_without_expansion_says_why(body: str, says: str) -> None:
    assert why(HEADER + body) == says


def test_a_name_a_broken_header_hides_names_the_header_error() -> None:
    text = HEADER.replace('"float16", size = [16, 64] }\nB', '"float16" size = [16, 64] }\nB')
    text += "{{ kernel.size(A, 1) }}\n"
    assert why(text) == (
        "*Not rendered:* RL101 header is not valid TOML: Unclosed inline table (header line 3); until "
        "it is fixed, A is undefined (line 3)"
    )


def test_a_hook_argument_that_is_undefined_names_the_rl111_not_its_consequence() -> None:
    text = (
        HEADER
        + "{{ kernel.def_kernel(inputs=[A], outputs=[B], names_str=names) }}\n{{ kernel.size(A, 1) }}\n"
    )
    assert why(text).startswith("*Not rendered:* RL111 names is undefined")


def test_a_call_that_ran_and_returned_none_says_so() -> None:
    text = (
        HEADER + '{{ kernel.def_kernel(inputs=[A], outputs=[], names_str="A") }}\n{{ kernel.arg_name(B) }}\n'
    )
    found = hover_at(analyze(text), text.index("arg_name"))
    assert found is not None
    assert found.markdown.split("\n\n")[0] == "*Rendered: the hook returned `None` (Jinja prints `None`).*"
