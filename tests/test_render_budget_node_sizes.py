"""The render budget also holds for arithmetic on node sizes.

IR node sizes are ``sympy.Integer`` (as torch's are; commit 85e6eea, fixing oracle
divergence E8). The sandbox's arithmetic budget (``jinja_env.InductorSandbox``) once only
checked Python ``int`` operands, so ``'x' * X.get_size()[0]`` or ``a ** X.get_size()[0]``
ran unbounded: with a size of 2**40 in the header, a template could make the language
server allocate a terabyte (fixed in 292e491). The sizes here keep the computation cheap
should the budget ever be bypassed again.
"""

from __future__ import annotations

import pytest

from rocm_lsp.core.engine.analysis import analyze

HEADER = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [2097152, 2] }
-#}
"""


def _findings(body: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in analyze(HEADER + body).diagnostics if d.code != "RL214"]


@pytest.mark.parametrize(
    "body",
    [
        "{{ ('x' * X.get_size()[0]) | length }}",
        "{{ (X.get_size()[0] * 'x') | length }}",
        "{{ ([1] * X.get_size()[0]) | length }}",
        "{{ (X.get_size()[1] ** X.get_size()[0]) | string | length }}",
        # The same on plain ints.
        "{{ ('x' * 2097152) | length }}",
        "{{ (2 ** 2097152) | string | length }}",
    ],
)
def test_explosive_arithmetic_on_node_sizes_is_refused(body: str) -> None:
    found = _findings(body)
    assert [code for code, _ in found] == ["RL113"]
    assert "too large" in found[0][1]
