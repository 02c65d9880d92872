"""Header parsing: values, and errors located on the header line (and value) at fault."""

from __future__ import annotations

from rocm_lsp.core.engine.header import cached_header, parse_header
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


# -- values and keys across lines, located on the syntax tree ----------------------------


def test_error_in_a_multi_line_size_array_is_on_the_element() -> None:
    text = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [
  64,
  "s0 +",
] }
[nodes.Y]
dtype = "float16"
size = [
  64,
  "s0 *",
]
-#}
"""
    assert findings(text) == [("RL105", 5, 3, '"s0 +"'), ("RL105", 11, 3, '"s0 *"')]


def test_key_after_a_multi_line_array_in_an_inline_table() -> None:
    text = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [
  64,
  64,
], strides = [1, 64] }
-#}
"""
    assert findings(text) == [("RL103", 6, 4, "strides")]


def test_keys_and_values_of_a_sub_table() -> None:
    text = """{#- rocm-lsp
[nodes.Y]
dtype = "float33"
size = [64]
strides = [1]
-#}
"""
    assert findings(text) == [("RL103", 5, 1, "strides"), ("RL104", 3, 9, '"float33"')]
    header = parse_header(text, LineIndex(text))
    y = header.span_of("nodes", "Y")
    assert y is not None and text[y.start : y.end] == "Y"


def test_value_after_a_multi_line_basic_string() -> None:
    text = '''{#- rocm-lsp
[bench]
reference = """
rtol = 0.5
[vars]
"""
rtol = -1
flops = "2 +"
-#}
'''
    assert findings(text) == [("RL102", 7, 8, "-1"), ("RL105", 8, 9, '"2 +"')]


def test_quoted_and_dotted_keys() -> None:
    text = r"""{#- rocm-lsp
"pro\u0066ile" = "rocm-9"
[nodes]
X = { "dtype" = "float33", 'size' = [64] }
Y.dtype = "float16"
Y.size = ["6 4"]
[vars."kernel"]
-#}
"""
    assert findings(text) == [
        ("RL106", 2, 18, '"rocm-9"'),
        ("RL104", 4, 17, '"float33"'),
        ("RL105", 6, 11, '"6 4"'),
        ("RL107", 7, 7, '"kernel"'),
    ]


def test_duplicate_multi_line_value_is_reported_and_skipped() -> None:
    text = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
X = { dtype = "float16", size = [
  "6 4",
] }
-#}
"""
    assert findings(text) == [("RL107", 4, 1, "X")]


def test_deep_nesting_is_bounded() -> None:
    """No recursion over the tree (10,000 nested arrays), and no key whose parts tomllib would
    read in quadratic time (valid TOML, but no header needs 33 parts)."""
    for body in (
        "x = " + "[" * 10_000,
        "x = " + "[" * 10_000 + "]" * 10_000,
        "a." * 5_000 + "a = 1",
        "[vars]\nx = " + "{ a = " * 40 + "{ " + "b." * 40 + "c = 1" + " }" * 41,
    ):
        text = "{#- rocm-lsp\n" + body + "\n-#}\n"
        assert [d.code for d in parse_header(text, LineIndex(text)).diagnostics] == ["RL101"]
    text = "{#- rocm-lsp\n[vars]\n" + "a." * 30 + "b = 1\n-#}\n"  # 31 parts: read
    header = parse_header(text, LineIndex(text))
    assert header.diagnostics == [] and list(header.vars) == ["a"]


def test_no_duplicate_reported_past_a_syntax_error() -> None:
    """Error recovery can swallow a table header: the second alpha is in [nodes], not a duplicate."""
    text = "{#- rocm-lsp\nalpha = 2\nx = }\n[nodes]\nalpha = 2\n-#}\n"
    assert findings(text) == [("RL101", 3, 5, "}")]


def test_a_dtype_that_is_not_a_string_is_a_finding_not_a_crash() -> None:
    """Found by the fuzz test: ``dtype = [64, 64]`` crashed the did-you-mean suggestion."""
    from rocm_lsp.core.engine.analysis import analyze

    text = "{#- rocm-lsp\n[nodes]\nY = { dtype = [64, 64], size = [4] }\n-#}\n{{ Y }}\n"
    found = [(d.code, d.message) for d in analyze(text).diagnostics if d.code == "RL104"]
    assert found == [
        (
            "RL104",
            "unknown dtype [64, 64] for node Y; use a torch dtype name such as float16, bfloat16, "
            "float32, int8",
        )
    ]


def test_cached_header_is_reused_below_the_header_only() -> None:
    head = (
        '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [8] }\nY = { dtype = "bad", size = [8] }\n-#}'
    )
    text = head + " {{ X }}\nbody\n"
    first = cached_header(text, LineIndex(text))
    below = text.replace("body", "edited body")
    assert cached_header(below, LineIndex(below)) is first
    same_line = text.replace(" {{ X }}", " {{ X }} {{ Y }}")  # the header's last line: spans may reach it
    again = cached_header(same_line, LineIndex(same_line))
    assert again is not first
    for document in (text, below, same_line):
        fresh = parse_header(document, LineIndex(document))
        assert cached_header(document, LineIndex(document)) == fresh
        assert [d.code for d in fresh.diagnostics] == ["RL104"]
