"""Shared pieces of the fuzz tests: Hypothesis settings with environment knobs, seed texts,
and a strategy of random edits (what a person does to a file while typing).

Knobs (environment):
  ROCM_LSP_FUZZ_SCALE  multiply every fuzz test's example count (default 1, sized for CI)
  ROCM_LSP_FUZZ_SEED   explore another part of the space (default: derandomized)
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
SCALE = float(os.environ.get("ROCM_LSP_FUZZ_SCALE", "1"))
SEED = os.environ.get("ROCM_LSP_FUZZ_SEED")


def fuzz(examples: int) -> Callable:
    """Hypothesis settings for ``examples`` × ``ROCM_LSP_FUZZ_SCALE`` examples."""

    def apply(test: Callable) -> Callable:
        test = settings(
            max_examples=max(1, int(examples * SCALE)),
            deadline=None,
            database=None,
            derandomize=SEED is None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no "explain": slow, noisy
        )(test)
        return test if SEED is None else seed(int(SEED))(test)

    return apply


def seed_templates() -> list[str]:
    """The shipped templates and the diagnostic fixtures: real files to mutate."""
    paths = sorted((REPO / "templates").glob("*.hip.jinja"))
    paths += sorted((REPO / "tests" / "fixtures" / "diagnostics").glob("*.hip.jinja"))
    return [p.read_text(encoding="utf-8") for p in paths]


# What typing inserts: Jinja delimiters half-typed, quotes and brackets, header lines,
# hook calls, unicode (astral, combining, zero-width, line separators), control characters.
FRAGMENTS = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{#-", "-#}", "{{-", "-}}",
    "'", '"', '"""', "(", ")", "[", "]", "{", "}", ",", "=", ".", "|", "\\", "*", "**",
    "\n", "\r\n", "\r", " ", "\t", "\x0c", "\u2028", "\x85", "\x7f", "\x1b",
    "é", "e\u0301", "𝔘", "🙂", "\u200b", "\ufeff", "中文", "\ud800",
    "kernel", "kernel.", "kernel.def_kernel(", "kernel.size(X, ", "kernel.check_not_null(",
    "kernel.arg_name(", "kernel.get_signature()", "inputs=[X, W]", "outputs=[Y]",
    'names_str="X, W, Y"', "input_reorder=[2, 0, 1]", "size_args=[]", "X", "W", "Y", "Bias",
    "X.get_size()[0]", "X.get_stride()", "{{ X }}", "{{ kernel.size(X, -1) }}",
    "{% for i in range(3) %}", "{% endfor %}", "{% if X %}", "{% else %}", "{% endif %}",
    "{% macro m(a) %}{{ a }}{% endmacro %}", "{{ m(1) }}", "{% set v = 2 ** 8 %}",
    "{% raw %}", "{% endraw %}", "{% call m() %}", "| indent_except_first(1)", "| int",
    "{% for i in range(10**12) %}", "{{ ''.__class__ }}", "{{ lipsum.__globals__ }}",
    "{#- rocm-lsp\n", "\n-#}\n", "\n[nodes]\n", "\n[vars]\n", "\n[shapes]\ns0 = 64\n",
    '\n[bench]\nreference = "X @ W"\nflops = "2*s0"\n', 'profile = "rocm-2.13"\n',
    'profile = "seed"\n', 'kernel_name = "k"\n',
    "\nruntime_args = [{ name = 'a', ty = 'int32_t', value = 1 }]\n",
    'Y = { dtype = "float16", size = ["s0", 8] }\n', 'Z = "none"\n',
    'Q = { dtype = "bfloat16", size = ["s0*s1 + 1", "s2**2"], stride = [1, "s0"] }\n',
    '"s0**999"', '"((s0**32)**32)**32"', '"(s0+s1)*(s2+s3)*(s4+s5)"', "9223372036854775808",
    "input_reorder = [0, 1, 2]\n", "x = [1, 2\n",
    "| no_such_filter", " is no_such_test", "| center(10**9)", '"%99999999999d" % 1',
    '"{:>99999999999}".format(1)', "{% set s = s ~ s %}", " ~ X ~ ", "(((((", ")))))",
]  # fmt: skip


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` by ``new`` (``start`` wraps around the text's length)."""

    start: int
    end: int
    new: str

    def clamp(self, text: str) -> Edit:
        start = _outside_crlf(text, self.start % (len(text) + 1))
        return Edit(start, _outside_crlf(text, min(start + self.end - self.start, len(text))), self.new)

    def apply(self, text: str) -> str:
        e = self.clamp(text)
        return text[: e.start] + e.new + text[e.end :]


def _outside_crlf(text: str, offset: int) -> int:
    """Never between the two characters of a ``\\r\\n`` (a position there has no LSP meaning)."""
    return offset - 1 if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n" else offset


_OFFSET = st.integers(min_value=0, max_value=20_000)
_NEW = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=6).map("".join),
    st.text(max_size=12),
)


@st.composite
def edit(draw: st.DrawFn) -> Edit:
    """An insertion, a deletion or a replacement at a random place."""
    start = draw(_OFFSET)
    kind = draw(st.sampled_from(["insert", "insert", "delete", "replace"]))
    length = draw(st.integers(min_value=1, max_value=40))
    if kind == "insert":
        return Edit(start, start, draw(_NEW))
    return Edit(start, start + length, "" if kind == "delete" else draw(_NEW))


def edits(max_size: int) -> st.SearchStrategy[list[Edit]]:
    return st.lists(edit(), min_size=1, max_size=max_size)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def lsp_position(text: str, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
    """(line, character) of ``offset`` as the LSP specification counts them: lines end only
    at ``\\r\\n``, ``\\r`` or ``\\n``; characters in the negotiated encoding's code units."""
    line, start = 0, 0
    for m in _LINE_BREAK.finditer(text, 0, offset):
        if m.end() <= offset:
            line, start = line + 1, m.end()
    piece = text[start:offset]
    if encoding == "utf-32":
        return line, len(piece)
    if encoding == "utf-8":
        return line, len(piece.encode("utf-8", "surrogatepass"))
    return line, len(piece) + sum(1 for ch in piece if ord(ch) > 0xFFFF)
