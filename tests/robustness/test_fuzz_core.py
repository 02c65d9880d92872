"""Fuzzing the pure core at volume: random edits of real templates and Python template
modules, random header and size text, random bytes. Nothing may raise; every finding is a
registered code on a span inside the text; every editor feature answers at every offset.

Sized for CI (about a minute in all); ``ROCM_LSP_FUZZ_SCALE=20`` for a long local run.
"""

from __future__ import annotations

import os
import string
import subprocess
import sys

import sympy
from fuzzing import FRAGMENTS, REPO, edits, fuzz, seed_templates
from hypothesis import given, note
from hypothesis import strategies as st

from rocm_lsp.core.diagnostics import RULES, Diagnostic
from rocm_lsp.core.engine.analysis import analyze, decode
from rocm_lsp.core.engine.header import parse_header
from rocm_lsp.core.engine.line_map import line_map
from rocm_lsp.core.features.completion import completions_at, signature_help_at
from rocm_lsp.core.features.hover import hover_at
from rocm_lsp.core.features.inlay import inlay_hints
from rocm_lsp.core.features.navigation import definition_at, document_symbols
from rocm_lsp.core.features.python_hover import hover_python
from rocm_lsp.core.model.sizes import SizeSyntaxError, evaluate, parse_size
from rocm_lsp.core.model.symbolic import cexpr, to_sympy
from rocm_lsp.core.pymodules.analyzer import analyze_python
from rocm_lsp.core.text import LineIndex, Span
from rocm_lsp.core.workspace.check import check_file

SEEDS = seed_templates()
PYTHON_SEEDS = [
    (
        "from torch._inductor.codegen.rocm.ck_template import CKTemplate\n\n\n"
        "class T(CKTemplate):\n"
        '    gemm_template = r"""\n'
        "    {{headers}}\n"
        "    {% if has_bias %}{{ bias_element_dtype }}{% endif %}\n"
        '    {{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")}}\n'
        '    """\n'
        "\n"
        "    def render(self, kernel, op, **kwargs):\n"
        "        return self._template_from_string(self.gemm_template).render(\n"
        "            headers=self.header().getvalue(), has_bias=False, kernel=kernel, X=1, W=2, Y=3,\n"
        "        )\n"
    ),
    (
        "import os\n"
        "TEMPLATE = '''{{ a }} {% for x in xs %}{{ x }}{% endfor %}'''\n"
        "open('/tmp/rocm_lsp_fuzz_sentinel', 'w').write('ran')\n"
        "def f(t):\n"
        "    return t._template_from_string(TEMPLATE).render(a=1, xs=[1, 2], **{'b': 2})\n"
    ),
]


def _check_diagnostics(text: str, found: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for d in found:
        assert d.code in RULES, d
        assert 0 <= d.span.start <= d.span.end <= len(text), (d, len(text))
        assert d.message.strip(), d
        for r in d.related:
            assert 0 <= r.span.start <= r.span.end <= len(text), (r, len(text))


def _check_span(text: str, span: Span | None) -> None:
    if span is not None:
        assert 0 <= span.start <= span.end <= len(text), (span, len(text))


@fuzz(1200)
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    changes=edits(8),
    profile=st.sampled_from([None, None, "seed", "rocm-2.13"]),
    static=st.booleans(),
    data=st.data(),
)
def test_analyze_and_every_feature_survive_random_edits(seed, changes, profile, static, data) -> None:
    text = SEEDS[seed]
    for change in changes:
        text = change.apply(text)
    note(repr(text))
    analysis = analyze(text, profile, static)
    _check_diagnostics(text, analysis.diagnostics)
    offsets = data.draw(st.lists(st.integers(0, len(text)), max_size=12))
    offsets += [c.clamp(text).start for c in changes]
    for offset in offsets:
        found = hover_at(analysis, offset)
        if found is not None:
            _check_span(text, found.span)
            assert found.markdown.strip()
        for item in completions_at(analysis, offset):
            assert item.replace_from is None or 0 <= item.replace_from <= offset
        signature_help_at(analysis, offset)
        _check_span(text, definition_at(analysis, offset))
    for hint in inlay_hints(analysis):
        assert 0 <= hint.offset <= len(text)
    for symbol in document_symbols(analysis):
        _check_span(text, symbol.span)
    if analysis.rendered is not None and analysis.rendered.text is not None:
        line_map(analysis)
        analysis.concrete()


@fuzz(2000)
@given(seed=st.sampled_from(range(len(SEEDS))), changes=edits(6))
def test_header_parsing_survives_random_edits(seed, changes) -> None:
    source = SEEDS[seed]
    text = source[: source.find("-#}") + 3] if "-#}" in source else source
    for change in changes:
        text = change.apply(text)
    header = parse_header(text, LineIndex(text))
    _check_diagnostics(text, header.diagnostics)
    for span in header.spans.values():
        _check_span(text, span)


# -- the size grammar --------------------------------------------------------------------

_SIZE_TOKENS = ["s0", "s1", "s2", "u0", "M", "1", "2", "64", "0", "+", "-", "*", "**", "(", ")", " ", "3"]
_SIZE_TEXT = st.one_of(
    st.lists(st.sampled_from(_SIZE_TOKENS), min_size=1, max_size=16).map("".join),
    st.text(alphabet=string.printable, max_size=24),
    st.sampled_from(['"s0**999"', "s0**999", "((s0**32)**32)**32", "(" * 80 + "s0" + ")" * 80, "1" * 30]),
)
_VALUES = {"s0": 3, "s1": 5, "s2": 2, "u0": 7, "M": 4}


@fuzz(3000)
@given(text=_SIZE_TEXT)
def test_size_grammar_accepts_what_sympy_reads_the_same_way(text: str) -> None:
    try:
        entry = parse_size(text)
    except SizeSyntaxError as exc:
        assert 0 <= exc.column <= len(text)
        return
    if not entry.symbols <= set(_VALUES):
        return  # random printable text: parsed is enough; sympy gives other names meanings
    value = evaluate(entry.tree, _VALUES)
    # The test may sympify: the text is ours. The core never does (test_no_workspace_code).
    names = {n: sympy.Symbol(n, integer=True, positive=True) for n in _VALUES}
    try:
        theirs = sympy.sympify(text, locals=names)
    except sympy.SympifyError:
        return  # e.g. "01": a leading zero, which Python's grammar rejects and ours reads as 1
    assert value == int(theirs.subs({names[k]: v for k, v in _VALUES.items()})), text
    if len(text) < 200:
        assert cexpr(to_sympy(entry.tree))


# -- Python template modules ---------------------------------------------------------------


@fuzz(800)
@given(seed=st.sampled_from(range(len(PYTHON_SEEDS))), changes=edits(6), data=st.data())
def test_python_module_analysis_survives_random_edits(seed, changes, data) -> None:
    text = PYTHON_SEEDS[seed]
    for change in changes:
        text = change.apply(text)
    note(repr(text))
    seeded = analyze_python(text, "seed", lambda module: None)
    analysis = analyze_python(text)
    for result in (seeded, analysis):  # an internal error is RL199 (its traceback logged): fail on it
        assert "RL199" not in {d.code for d in result.diagnostics}, result.diagnostics
    _check_diagnostics(text, analysis.diagnostics)
    for offset in data.draw(st.lists(st.integers(0, len(text)), max_size=8)):
        found = hover_python(analysis, offset)
        if found is not None:
            _check_span(text, found.span)


# -- files on disk: bytes, and the CLI -----------------------------------------------------

_BYTES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(range(len(SEEDS))).map(lambda i: SEEDS[i].encode()),
    st.tuples(
        st.sampled_from(range(len(SEEDS))), st.integers(0, 5000), st.binary(min_size=1, max_size=4)
    ).map(lambda t: SEEDS[t[0]].encode()[: t[1]] + t[2] + SEEDS[t[0]].encode()[t[1] :]),
)


@fuzz(500)
@given(data=_BYTES, suffix=st.sampled_from([".hip.jinja", ".py"]))
def test_check_file_survives_any_bytes(data: bytes, suffix: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"fuzz{suffix}"
    path.write_bytes(data)
    report = check_file(path)
    text, problem = decode(data)
    _check_diagnostics(text or "", report.diagnostics)
    if text is None:
        assert [d.code for d in report.diagnostics] == ["RL100"] and problem


@fuzz(10)
@given(
    files=st.lists(
        st.tuples(st.sampled_from(range(len(SEEDS))), edits(4), st.sampled_from(FRAGMENTS)),
        min_size=8,
        max_size=16,
    )
)
def test_cli_check_never_fails_internally(files, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("cli")
    for i, (seed, changes, extra) in enumerate(files):
        text = SEEDS[seed]
        for change in changes:
            text = change.apply(text)
        (folder / f"f{i:02d}.hip.jinja").write_text(text + extra, encoding="utf-8", errors="surrogatepass")
    proc = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "check", "--no-cache", "--output-format", "concise", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "ROCM_LSP_CACHE_DIR": str(folder / ".cache")},
        timeout=600,
        cwd=REPO,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "RL199" not in proc.stdout, proc.stdout
    assert f"in {len(files)} files" in proc.stderr or f"({len(files)} files)" in proc.stderr


def test_the_fuzz_seeds_are_the_shipped_templates_and_fixtures() -> None:
    assert len(SEEDS) > 100
