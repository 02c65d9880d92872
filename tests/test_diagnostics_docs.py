"""``docs/diagnostics.md`` documents every registered code, and only those, with real output.

Each code has a ``## RLxxx — title`` section, in registry order, stating its severity. Where
a section shows an example template (a ``jinja`` block) and what rocm-lsp reports for it (the
``text`` block after it, as ``rocm-lsp check`` prints it), the report is checked against the
engine, so a changed message or location cannot leave the docs behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rocm_lsp.core.diagnostics import RULES
from rocm_lsp.core.engine.analysis import analyze, decode, unreadable
from rocm_lsp.core.pymodules.analyzer import analyze_python

DOCS = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"
_HEADING = re.compile(r"^## (RL\d+)\b(.*)$", re.M)
_ANY_CODE_HEADING = re.compile(r"^#{1,6}\s.*\bRL\d{3}\b", re.M)


def sections() -> dict[str, str]:
    """The text of each ``## RLxxx`` section (up to the next ``##`` heading), by code, in order."""
    text = DOCS.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^## ", text, re.M)] + [len(text)]
    out: dict[str, str] = {}
    for start, end in zip(starts, starts[1:]):
        m = _HEADING.match(text, start)
        if m:
            assert m.group(1) not in out, f"{m.group(1)} is documented twice"
            out[m.group(1)] = text[start:end]
    return out


def test_every_registered_code_has_a_section_in_order() -> None:
    assert list(sections()) == list(RULES)


def test_no_section_documents_an_unregistered_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    headed = {code for line in _ANY_CODE_HEADING.findall(text) for code in re.findall(r"RL\d{3}", line)}
    assert sorted(headed - set(RULES)) == []
    assert sorted(set(re.findall(r"^## (RL\S*)", text, re.M)) - set(RULES)) == []


@pytest.mark.parametrize("code", list(RULES))
def test_section_states_title_severity_and_fix(code: str) -> None:
    body = sections()[code]
    heading = body.split("\n", 1)[0]
    assert heading == f"## {code} — {RULES[code].title}"
    assert f"**Severity:** {RULES[code].severity.label}\n" in body
    for part in ("**When:**", "**Why it matters:**", "**rocm-lsp reports:**", "**Fix:**"):
        assert part in body, f"{code}: no {part}"
    assert f" {code} " in _blocks(body, "text")[0], f"{code}: the report shows no {code} finding"


def _blocks(body: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", body, re.M | re.S)


# RL4xx come from the compiler, not from `analyze`: tests/test_compile.py checks them.
# RL5xx come from Python modules (`analyze_python`): checked below.
# RL100 and RL199 are not about a template's text (an unreadable file, a failing engine): checked below.
@pytest.mark.parametrize(
    "code", [c for c in RULES if c not in ("RL100", "RL199") and not c.startswith(("RL4", "RL5"))]
)
def test_example_report_is_what_the_engine_says(code: str) -> None:
    body = sections()[code]
    (example,) = _blocks(body, "jinja")
    (report,) = _blocks(body, "text")
    analysis = analyze(example)
    lines = []
    for d in analysis.diagnostics:
        row, col = analysis.index.position(d.span.start)
        lines.append(f"example.hip.jinja:{row + 1}:{col + 1}: {d.code} {d.message.replace(chr(10), ' ')}")
    assert report.splitlines() == lines


@pytest.mark.parametrize("code", [c for c in RULES if c.startswith("RL5")])
def test_python_example_report_is_what_the_engine_says(code: str) -> None:
    """RL5xx sections show a Python module (a ``python`` block) and what ``check`` reports."""
    body = sections()[code]
    (example,) = _blocks(body, "python")
    (report,) = _blocks(body, "text")
    analysis = analyze_python(example)
    lines = []
    for d in analysis.diagnostics:
        row, col = analysis.index.position(d.span.start)
        lines.append(f"example.py:{row + 1}:{col + 1}: {d.code} {d.message.replace(chr(10), ' ')}")
    assert report.splitlines() == lines


def test_rl100_report_is_what_the_engine_says() -> None:
    """The RL100 example: a Latin-1 file with `// größe` on its first line."""
    (report,) = _blocks(sections()["RL100"], "text")
    text, problem = decode("// größe\n".encode("latin-1"))
    assert text is None and problem is not None
    (d,) = unreadable(problem).diagnostics
    assert report.splitlines() == [f"kernel.hip.jinja:1:1: {d.code} {d.message}"]


def test_rl199_report_is_what_check_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The RL199 example: a template whose analysis raised ``AttributeError``."""
    from rocm_lsp.core.workspace import check
    from rocm_lsp.report_formats import concise

    def failing(text: str, profile: str | None = None, concrete: bool = True) -> None:
        raise AttributeError("'int' object has no attribute 'site'")

    monkeypatch.setattr(check, "analyze", failing)
    (report,) = _blocks(sections()["RL199"], "text")
    path = tmp_path / "kernel.hip.jinja"
    path.write_text("{{ x }}\n")
    found = check.check_file(path)
    assert concise([found]).replace(str(tmp_path) + "/", "").splitlines() == report.splitlines()


def test_suppression_example_silences_its_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "{# rocm-lsp: ignore[RL201] #}" in text
    assert "--select" in text and "--ignore" in text
    suppressing = text[text.index("## Suppressing findings") :]
    example = _blocks(suppressing, "jinja")[0]
    header = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [8] }\n'
    header += 'W = { dtype = "float16", size = [8] }\nY = { dtype = "float16", size = [8] }\n-#}\n'
    code = re.search(r"ignore\[(RL\d{3})\]", example).group(1)
    assert code in [d.code for d in analyze(header + example.replace("{# rocm-lsp", "{# x")).diagnostics]
    assert code not in [d.code for d in analyze(header + example).diagnostics]


def test_fixes_table_is_what_the_fixes_offer() -> None:
    """The table of the ``## Fixes`` section lists each code ``fixes.FIXABLE`` has, with its safety."""
    from rocm_lsp.core.features.fixes import FIXABLE

    text = DOCS.read_text(encoding="utf-8")
    start = text.index("\n## Fixes\n")
    section = text[start : text.index("\n## ", start + 1)]
    rows = re.findall(r"^\| `(RL\d{3})` \| .* \| (yes|no) \|$", section, re.M)
    assert dict(rows) == {code: "yes" if safe else "no" for code, safe in FIXABLE.items()}
    assert [code for code, _ in rows] == sorted(FIXABLE)
    for flag in ("--fix", "--unsafe-fixes", "--diff", "source.fixAll.rocm-lsp"):
        assert flag in section
