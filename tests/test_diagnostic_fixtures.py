"""Every diagnostic code, triggered by tiny templates that declare their expected findings.

Each ``tests/fixtures/diagnostics/*.hip.jinja`` file is named after the code it exercises
(``clean_*`` files must be free of warnings and errors) and states the exact set of findings
``analyze()`` must produce, with marker comments that keep it a valid template:

``{# expect: RL201@17 #}``
    findings on this line, at 1-based character columns (several: ``RL212@59 RL213@32``).
``# expect-line: 12 RL104@20`` (a TOML comment in the header) or ``{# expect-line: 12 RL104@20 #}``
    findings on another line: header lines hold TOML, and a multi-line ``{{ … }}`` cannot
    hold a comment.
``# xfail: why`` / ``{# xfail: why #}``
    the fixture states the correct findings but the engine has a known bug: strict xfail.
``# xfail-messages: why``
    the same for the message check only.

A fixture without markers expects no findings at all.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import pytest

from rocm_lsp.core.diagnostics import RULES, Severity
from rocm_lsp.core.engine.analysis import MAX_TEMPLATE_BYTES, analyze, decode, unreadable

FIXTURES = Path(__file__).parent / "fixtures" / "diagnostics"
PATHS = sorted(FIXTURES.glob("*.hip.jinja"))

_EXPECT = re.compile(r"\{#\s*expect:(?P<body>.*?)#\}")
_EXPECT_LINE = re.compile(r"(?:\{#|^\s*#)\s*expect-line:\s*(?P<line>\d+)(?P<body>.*?)(?:#\}|$)")
_XFAIL = re.compile(r"(?:\{#|^\s*#)\s*(?P<kind>xfail|xfail-messages):\s*(?P<why>.*?)\s*(?:#\}|$)")
_TOKEN = re.compile(r"(RL\d{3})@(\d+)")
# A whole marker, to blank it out: a Jinja comment, or a TOML comment line in the header.
_KINDS = r"(?:expect|expect-line|xfail|xfail-messages):"
_MARKER = re.compile(rf"\{{#\s*{_KINDS}.*?#\}}|^\s*#\s*{_KINDS}.*$", re.M)
# Text that only an implementation detail would put in a message.
_LEAKS = (
    "StrictUndefined",
    "SiteView",
    "rocmlsp_site",
    "rocm_lsp.",
    "<template>",
    "Traceback",
    "object at 0x",
)

Finding = tuple[str, int, int]  # (code, 1-based line, 1-based column)

# analyze() is deterministic and the tests only read its result: analyse each text once.
_analyze = functools.lru_cache(maxsize=None)(analyze)


def _tokens(body: str, where: str) -> list[tuple[str, int]]:
    body = body.strip()
    found = _TOKEN.findall(body)
    leftover = _TOKEN.sub("", body).replace(",", " ").strip()
    assert not leftover, f"{where}: unreadable marker text {leftover!r}"
    assert found, f"{where}: marker without any CODE@COLUMN"
    return [(code, int(col)) for code, col in found]


def expected_findings(text: str, name: str = "") -> Counter[Finding]:
    """The findings the markers of a fixture declare."""
    out: Counter[Finding] = Counter()
    for number, line in enumerate(text.split("\n"), start=1):
        for m in _EXPECT.finditer(line):
            for code, col in _tokens(m.group("body"), f"{name}:{number}"):
                out[(code, number, col)] += 1
        for m in _EXPECT_LINE.finditer(line):
            for code, col in _tokens(m.group("body"), f"{name}:{number}"):
                out[(code, int(m.group("line")), col)] += 1
    return out


def xfail_reasons(text: str) -> dict[str, str]:
    return {m.group("kind"): m.group("why") for line in text.split("\n") if (m := _XFAIL.search(line))}


def actual_findings(text: str) -> Counter[Finding]:
    analysis = _analyze(text)
    out: Counter[Finding] = Counter()
    for d in analysis.diagnostics:
        line, col = analysis.index.position(d.span.start)
        out[(d.code, line + 1, col + 1)] += 1
    return out


def _fixture_params(kind: str) -> list:
    params = []
    for path in PATHS:
        why = xfail_reasons(path.read_text(encoding="utf-8")).get(kind)
        marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
        params.append(pytest.param(path, id=path.name.removesuffix(".hip.jinja"), marks=marks))
    return params


def _show(findings: Counter[Finding]) -> list[str]:
    return sorted(f"{line}:{col} {code}" for (code, line, col), n in findings.items() for _ in range(n))


@pytest.mark.parametrize("path", _fixture_params("xfail"))
def test_fixture_findings(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = expected_findings(text, path.name)
    actual = actual_findings(text)
    assert _show(actual) == _show(expected), (
        f"missing: {_show(expected - actual)}, unexpected: {_show(actual - expected)}"
    )


@pytest.mark.parametrize("path", _fixture_params("xfail-messages"))
def test_fixture_messages(path: Path) -> None:
    """Every message is non-empty, free of implementation details, and names something concrete."""
    text = path.read_text(encoding="utf-8")
    analysis = _analyze(text)
    for d in analysis.diagnostics:
        message = d.message.strip()
        assert message, f"{d.code}: empty message"
        assert d.message == d.message.strip(), f"{d.code}: message has stray whitespace: {d.message!r}"
        leaks = [leak for leak in _LEAKS if leak in message]
        assert not leaks, f"{d.code}: message leaks {leaks}: {message!r}"
        if d.code == "RL110":  # Jinja's own parser message, as Inductor prints it
            assert message.startswith("Jinja syntax error: ") and len(message) > 20, message
            continue
        assert _names_something(text, analysis.index, d.span, message), (
            f"{d.code}: message names nothing from the template: {message!r}"
        )


def _names_something(text: str, index, span, message: str) -> bool:
    """A quoted fragment, a number, or a word shared with the line the finding underlines."""
    if re.search(r"'[^']+'|\"[^\"]+\"|`[^`]+`|\d", message):
        return True
    context = text[span.start : span.end] + " " + index.line_text(index.position(span.start)[0])
    return bool(set(re.findall(r"\w+", message)) & set(re.findall(r"\w+", context)))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name.removesuffix(".hip.jinja"))
def test_markers_do_not_change_findings(path: Path) -> None:
    """Blanking every marker (same length, so columns hold) leaves the findings as they were."""
    text = path.read_text(encoding="utf-8")
    blanked = _MARKER.sub(lambda m: " " * len(m.group(0)), text)
    try:
        before = actual_findings(text)
    except Exception as exc:  # noqa: BLE001 - an engine crash that an xfail fixture documents
        if "xfail" not in xfail_reasons(text):
            raise
        pytest.xfail(f"analyze() raised {type(exc).__name__}: {exc}")
    assert actual_findings(blanked) == before


# `{# rocm-lsp: ignore[…] #}` in the template, or `# rocm-lsp: ignore[…]` as a TOML comment on a
# header line.
_IGNORE = re.compile(
    r"\{#-?\s*rocm-lsp:\s*ignore\[(?P<jinja>[A-Z0-9,\s]+)\]\s*-?#\}"
    r"|#\s*rocm-lsp:\s*ignore\[(?P<toml>[A-Z0-9,\s]+)\]"
)


@pytest.mark.parametrize(
    "path",
    [p for p in PATHS if _IGNORE.search(p.read_text(encoding="utf-8"))],
    ids=lambda p: p.name.removesuffix(".hip.jinja"),
)
def test_suppressions_silence_real_findings(path: Path) -> None:
    """Each ``rocm-lsp: ignore[…]`` in a fixture hides a finding that is there without it.

    The hidden finding starts on the comment's line (a template line, or a header line for the TOML form).
    """
    text = path.read_text(encoding="utf-8")
    if "xfail" in xfail_reasons(text):
        pytest.skip("documents a suppression bug")
    unsuppressed = actual_findings(_IGNORE.sub(lambda m: " " * len(m.group(0)), text))
    for m in _IGNORE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        codes = m.group("jinja") or m.group("toml")
        for code in (c.strip() for c in codes.split(",")):
            assert any(c == code and row == line for c, row, _ in unsuppressed), f"{code}@{line}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name.removesuffix(".hip.jinja"))
def test_fixture_is_named_after_its_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    prefix = path.name.split("_", 1)[0]
    assert prefix == "clean" or prefix in RULES, f"{path.name}: name it clean_* or after a registered code"
    if prefix == "clean":
        assert not expected_findings(text), "clean fixtures expect nothing"
    elif "xfail" not in xfail_reasons(text):
        assert prefix in {code for code, _, _ in expected_findings(text)}, (
            f"{path.name} never expects {prefix}"
        )


@pytest.mark.parametrize("path", [p for p in PATHS if p.name.startswith("clean_")], ids=lambda p: p.name)
def test_clean_fixture_has_no_warnings_or_errors(path: Path) -> None:
    analysis = _analyze(path.read_text(encoding="utf-8"))
    serious = [d for d in analysis.diagnostics if d.severity >= Severity.WARNING]
    assert not serious, [f"{d.code} {d.message}" for d in serious]
    assert analysis.rendered is not None and analysis.rendered.text, "a clean template renders"


def test_clean_fixtures_cover_both_profiles() -> None:
    profiles = {_analyze(p.read_text(encoding="utf-8")).profile for p in PATHS if p.name.startswith("clean_")}
    assert profiles >= {"seed", "rocm-2.13"}


def test_every_code_has_a_passing_fixture() -> None:
    """Every registered code is expected by a fixture that is not an xfail (RL100: see below)."""
    covered, documented_bugs = {"RL100"}, set()
    for path in PATHS:
        text = path.read_text(encoding="utf-8")
        codes = {code for code, _, _ in expected_findings(text)}
        (documented_bugs if "xfail" in xfail_reasons(text) else covered).update(codes)
    # RL4xx come from the compiler (tests/test_compile.py, tests/e2e/test_lsp_gpu_commands.py),
    # RL5xx from Python template modules (tests/test_python_templates.py), RL199 from an engine
    # failure (tests/robustness/test_files_and_cache.py): no .hip.jinja fixture.
    elsewhere = {code for code in RULES if code.startswith(("RL4", "RL5"))} | {"RL199"}
    assert sorted(set(RULES) - covered - elsewhere) == []
    assert sorted((covered | documented_bugs) - set(RULES)) == []


# -- RL100: files that are not text templates (read from disk, as `rocm-lsp check` does) ----------


def _from_disk(path: Path):
    text, problem = decode(path.read_bytes())
    return unreadable(problem) if text is None else analyze(text)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"{{ kernel.def_kernel(inputs=[], outputs=[]) }}\x00\x01", "NUL byte", id="nul"),
        pytest.param("// größe\n".encode("latin-1"), "not valid UTF-8 (byte 5)", id="latin-1"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL byte", id="png"),
        pytest.param(b"x" * (MAX_TEMPLATE_BYTES + 1), "MiB are not analysed", id="too-large"),
    ],
)
def test_rl100_unreadable_file(tmp_path: Path, data: bytes, says: str) -> None:
    path = tmp_path / "kernel.hip.jinja"
    path.write_bytes(data)
    analysis = _from_disk(path)
    assert [(d.code, d.severity, d.span.start) for d in analysis.diagnostics] == [
        ("RL100", Severity.ERROR, 0)
    ]
    assert says in analysis.diagnostics[0].message


def test_rl100_from_text() -> None:
    """``analyze`` itself refuses text with a NUL byte, and text past the size limit."""
    nul = analyze("{#- rocm-lsp\n-#}\nint x;\x00\n")
    assert [(d.code, d.message) for d in nul.diagnostics] == [
        ("RL100", "file contains a NUL byte: it is binary, not a template")
    ]
    huge = analyze("/" * (MAX_TEMPLATE_BYTES + 1))
    assert [d.code for d in huge.diagnostics] == ["RL100"]


def test_rl100_valid_utf8_file_is_analysed(tmp_path: Path) -> None:
    path = tmp_path / "kernel.hip.jinja"
    path.write_text("// größe 😀\n#include <hip/hip_runtime.h>\n", encoding="utf-8")
    assert [d.code for d in _from_disk(path).diagnostics] == ["RL108"]


# -- RL110 at the token Jinja stopped at ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "marked"),
    [
        pytest.param(
            "{% set K = kernel.size(A 0) %}", "{% set K = kernel.size(A «0») %}", id="expected-comma"
        ),
        pytest.param("{{ a $ b }}", "{{ a «$» b }}", id="lexer-char"),
        pytest.param("{{ x | nofilter }}", "{{ x | «nofilter» }}", id="unknown-filter"),
        pytest.param("{% set x = 1 ", "«{%» set x = 1 ", id="never-closed"),
        # Jinja's parser has moved past the token it names: the whole line, never a wrong column
        pytest.param("  {{ a.b. }}", "  «{{ a.b. }}»", id="fallback"),
    ],
)
def test_rl110_span_is_the_offending_token(line: str, marked: str) -> None:
    text = "{# c #}\r\n" + line  # a CRLF before: columns are counted per line, as Jinja counts lines
    (d,) = [d for d in _analyze(text).diagnostics if d.code == "RL110"]
    start, end = d.span.start - 9, d.span.end - 9
    assert f"{line[:start]}«{line[start:end]}»{line[end:]}" == marked


def test_rl110_links_the_tag_left_open() -> None:
    text = "{% set half = 2\nint half = {{ half }};\n"
    (d,) = _analyze(text).diagnostics[1:]
    assert (d.code, text[d.span.start : d.span.end]) == ("RL110", "int")
    assert [(text[r.span.start : r.span.end], r.message) for r in d.related] == [
        ("{%", "this {% is not closed with %} before the error")
    ]


# -- did-you-mean, and one finding per mistake (#15) -------------------------------------------------


def _only(name: str) -> tuple[str, str, str]:
    """The one finding of a fixture: code, severity, message."""
    (d,) = _analyze((FIXTURES / f"{name}.hip.jinja").read_text(encoding="utf-8")).diagnostics
    return d.code, d.severity.label, d.message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "RL111_suggest_same_name_other_case",
            "a is undefined: declare it in [nodes] (an IR node) or [vars] (any other value) in the header; "
            "did you mean 'A'?",
        ),
        (
            "RL111_suggest_close_name",
            "Bb is undefined: declare it in [nodes] (an IR node) or [vars] (any other value) in the header; "
            "did you mean 'B'?",
        ),
        (
            "RL205_suggest_hook",
            "kernel has no hook 'check_nul' in profile seed; its hooks are def_kernel, size, check_not_null, "
            "arg_name; did you mean 'check_not_null'?",
        ),
        (
            "RL207_suggest_parameter",
            "def_kernel() has no parameter 'name_str'; its parameters are inputs, outputs, names_str, "
            "input_reorder; did you mean 'names_str'?",
        ),
        (
            "RL103_table_typo",
            "unknown header table [node]; known tables: nodes, vars, shapes, bench, tune; "
            "did you mean 'nodes'?",
        ),
        (
            "RL106_suggest_profile",
            "unknown profile 'rocm2.13'; known profiles: seed, rocm-2.13, rocm-2.15, rocm-2.14; did you mean "
            "'rocm-2.13'?",
        ),
    ],
)
def test_suggestion_text(name: str, message: str) -> None:
    assert _only(name)[2] == message


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "RL101_missing_comma_hides_names",
            "RL101",
            "header is not valid TOML: Unclosed inline table (header line 7); until it is fixed, A and B are "
            "undefined",
        ),
        (
            "RL101_inline_table_split_hides_names",
            "RL101",
            "header is not valid TOML: Invalid initial character for a key part (header line 5); until it is "
            "fixed, A and B are undefined",
        ),
        (
            "RL103_table_typo_hides_names",
            "RL103",
            "unknown header table [node]; known tables: nodes, vars, shapes, bench, tune; until it is fixed, "
            "A and B are undefined; did you mean 'nodes'?",
        ),
    ],
)
def test_a_header_error_that_hides_names_is_the_one_error(name: str, code: str, message: str) -> None:
    """It says which names it leaves undefined, as an error (RL103 is otherwise a warning)."""
    assert _only(name) == (code, "error", message)


def test_a_header_error_that_hides_no_used_name_keeps_its_severity() -> None:
    assert _only("RL103_table_typo")[1] == "warning"


@pytest.mark.parametrize(
    ("dtype", "hint"),
    [("flaot16", "; did you mean 'float16'?"), ("Float32", "; did you mean 'float32'?"), ("fp8", "")],
)
def test_unknown_dtype_suggests_the_closest_name(dtype: str, hint: str) -> None:
    text = f'{{#- rocm-lsp\n[nodes]\nX = {{ dtype = "{dtype}", size = [4] }}\n-#}}\n{{{{ X }}}}\n'
    (d,) = _analyze(text).diagnostics
    assert d.code == "RL104" and d.message.endswith("such as float16, bfloat16, float32, int8" + hint)
