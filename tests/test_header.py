"""Header parsing: values, and errors located on the header line (and value) at fault."""

from __future__ import annotations

from rocm_lsp.core.engine.header import parse_header
from rocm_lsp.core.text import LineIndex


def findings(text: str) -> list[tuple[str, int, int, str]]:
    index = LineIndex(text)
    header = parse_header(text, index)
    out = []
    for d in header.diagnostics:
        line, col = index.position(d.span.start)
        out.append((d.code, line + 1, col + 1, text[d.span.start : d.span.end]))
    return out


GOOD = """{#- rocm-lsp
profile = "rocm-2.13"
kernel_name = "k"
runtime_args = [{ name = "kBatch", ty = "int32_t", value = 1 }]
[nodes]
X = { dtype = "float16", size = ["s0", 64], stride = [64, 1], offset = 0 }
B = "none"
[vars]
alpha = 2
[shapes]
s0 = 128
[bench]
reference = "X"
rtol = 0.01
flops = "2*s0*64"
-#}
"""


def test_good_header_values() -> None:
    text = GOOD
    header = parse_header(text, LineIndex(text))
    assert header.diagnostics == []
    assert header.profile == "rocm-2.13" and header.kernel_name == "k"
    assert header.runtime_args == [{"name": "kBatch", "ty": "int32_t", "value": 1}]
    assert [str(e) for e in header.nodes["X"].size] == ["s0", "64"]
    assert header.nodes["B"].is_none
    assert header.vars == {"alpha": 2} and header.shapes == {"s0": 128}
    assert header.bench["reference"] == "X" and str(header.bench["flops"]) == "2*s0*64"


def test_errors_are_located_on_the_value() -> None:
    text = """{#- rocm-lsp
profile = "rocm-9"
[nodes]
X = { dtype = "float33", size = ["s0", 64] }
W = { dtype = "float16", size = [64, "6 4"] }
Y = { dtype = "float16", size = [64], stride = [1, 1] }
X = { dtype = "float16", size = [1] }
[vars]
kernel = 1
[shapes]
s0 = 0
[weird]
-#}
"""
    assert sorted(findings(text), key=lambda f: (f[1], f[2])) == [
        ("RL106", 2, 11, '"rocm-9"'),
        ("RL104", 4, 15, '"float33"'),
        ("RL105", 5, 38, '"6 4"'),
        ("RL105", 6, 48, "[1, 1]"),
        ("RL107", 7, 1, "X"),
        ("RL107", 9, 1, "kernel"),
        ("RL305", 11, 6, "0"),
        ("RL103", 12, 2, "weird"),
    ]


def test_toml_syntax_error_is_on_its_line() -> None:
    text = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [1, }\n-#}\n'
    ((code, line, _, _),) = findings(text)
    assert (code, line) == ("RL101", 3)


def test_unclosed_header() -> None:
    assert findings("{#- rocm-lsp\n[nodes]\n") == [("RL101", 1, 1, "{#- rocm-lsp")]


def test_no_header_is_not_an_error_here() -> None:
    header = parse_header("plain {{ text }}", LineIndex("plain {{ text }}"))
    assert not header.present and header.diagnostics == []
