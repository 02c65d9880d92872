"""Pathological template files: each must end in bounded time and memory with one clear
finding (shared by the core/CLI tests, the server tests and ``bench/load_pathological.py``)."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = ["s0", 8] }\n-#}\n'
USE_X = '{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }}\n'


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    code: str  # the finding the file must give
    says: str  # a fragment of its message
    in_editor: bool = True  # False: an editor never sends this text (it is not UTF-8)


def _sized(expression: str) -> bytes:
    header = f'{{#- rocm-lsp\n[nodes]\nX = {{ dtype = "float16", size = ["{expression}", 8] }}\n-#}}\n'
    return (header + USE_X + "{{ kernel.size(X, 0) }}\n").encode()


def _many_nodes(count: int) -> bytes:
    nodes = "\n".join(f'N{i} = {{ dtype = "float16", size = ["s{i % 50}", {i + 1}] }}' for i in range(count))
    body = '{{ kernel.def_kernel(inputs=[N0], outputs=[N1], names_str="N0, N1") }}\n'
    return ("{#- rocm-lsp\n[nodes]\n" + nodes + "\n-#}\n" + body).encode()


def _template(body: str) -> bytes:
    return (HEADER + USE_X + body).encode()


CASES = [
    Case("range_10_12", _template("{% for i in range(10**12) %}x{% endfor %}"), "RL112", "MAX_RANGE"),
    Case(
        "endless_loop",
        _template("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
        "RL113",
        "longer than 2 s",
    ),
    Case(
        "recursive_macro",
        _template("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}"),
        "RL113",
        "recursed",
    ),
    Case(
        "output_9_mib",
        _template("{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxxx{% endfor %}{% endfor %}"),
        "RL113",
        "exceeds 8 MiB",
    ),
    Case(
        "string_doubling",
        _template(
            '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}'
        ),
        "RL113",
        "too large",
    ),
    Case("format_width", _template('{{ "%10000000000d" % 1 }}'), "RL113", "too large"),
    Case("huge_power", _template("{{ 10 ** 100000 }}"), "RL113", "too large"),
    Case("ten_mb", _template("x" * (10 << 20)), "RL100", "4 MiB"),
    Case("binary_png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "RL100", "NUL byte"),
    Case("nul_byte", _template("int x;\x00\n"), "RL100", "NUL byte"),
    Case("invalid_utf8", _template("int x;\n") + b"\xff\xfe caf\xe9\n", "RL100", "not valid UTF-8", False),
    Case("ten_thousand_nodes", _many_nodes(10_000), "RL214", "N2 is declared but the template never uses it"),
    Case("size_s0_pow_999", _sized("s0**999"), "RL303", "exponent 999 is larger than 32"),
    Case("size_power_tower", _sized("((s0**32)**32)**32"), "RL303", "degree 32768 is larger than 64"),
    Case(
        "size_product_of_sums",
        _sized("*".join(f"(s{i} + s{i + 1})" for i in range(30))),
        "RL303",
        "expands to more than 4096 terms",
    ),
    Case("deep_nesting", _template("{{ " + "(" * 400 + "1" + ")" * 400 + " }}"), "RL110", "nests too deeply"),
    Case(
        "unknown_filter", _template("{{ X | no_such_filter }}"), "RL110", "No filter named 'no_such_filter'"
    ),
]
