"""Templates cannot run code, hang or exhaust memory: they get a diagnostic instead."""

from __future__ import annotations

import time

import pytest

from rocm_lsp.core.engine.analysis import analyze

HEADER = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [8, 8] }
-#}
"""


def codes(body: str) -> list[tuple[str, str]]:
    analysis = analyze(HEADER + body)
    return [(d.code, d.message) for d in analysis.diagnostics if d.code != "RL214"]


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ kernel.__class__.__init__.__globals__ }}",
        "{{ X.get_name.__globals__['os'].system('touch /tmp/rocm_lsp_pwned') }}",
        "{{ kernel._buffers }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_sandbox_refuses_dunder_access(body: str) -> None:
    found = dict(codes(body))
    assert "RL115" in found, found
    assert set(found) <= {"RL115", "RL205"}
    assert "is not available to templates" in found["RL115"]


def test_huge_range_is_refused() -> None:
    ((code, message),) = codes("{% for i in range(10**12) %}x{% endfor %}")
    assert code == "RL112" and "MAX_RANGE" in message


def test_loop_without_output_is_stopped_by_the_time_budget() -> None:
    start = time.monotonic()
    found = codes("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    assert time.monotonic() - start < 10
    assert [c for c, _ in found] == ["RL113"]


def test_output_size_budget() -> None:
    body = (
        "{% for i in range(100000) %}{% for j in range(100) %}"
        "xxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}"
    )
    ((code, message),) = codes(body)
    assert code == "RL113" and "exceeds" in message


def test_recursive_macro() -> None:
    ((code, _),) = codes("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}")
    assert code == "RL113"


@pytest.mark.parametrize("body", ["{{ 10 ** 100000 }}", "{{ 'x' * 10**9 }}", "{{ [1] * 10**9 }}"])
def test_explosive_arithmetic(body: str) -> None:
    ((code, message),) = codes(body)
    assert code == "RL113" and "too large" in message


def test_header_text_is_never_executed() -> None:
    text = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["__import__('os').system('touch /tmp/rocm_lsp_pwned')"] }
-#}
{{ X }}"""
    analysis = analyze(text)
    # X's entry is rejected (RL105); its uses are not reported again as undefined.
    assert [d.code for d in analysis.diagnostics] == ["RL105"]


def test_kernel_attributes_are_not_unknown_hooks() -> None:
    body = (
        '{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }} '
        "{{ kernel.kernel_name }} {{ kernel.arg_name(X) }}"
    )
    assert codes(body) == []
