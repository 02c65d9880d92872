"""``rocm-lsp check --fix / --unsafe-fixes / --diff``, ``--output-format full`` and ``--statistics``,
as a subprocess; and the proof that fixing never changes what a correct template renders to."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from cli_support import REPO, run_cli
from rocm_lsp.cli import main
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.fixes import FIXABLE, fixes_for

FIXTURES = REPO / "tests" / "fixtures" / "diagnostics"
CORRECT = sorted((REPO / "templates").glob("*.hip.jinja")) + sorted(FIXTURES.glob("clean_*.hip.jinja"))


def _copy(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        target = tmp_path / f"{name}.hip.jinja"
        shutil.copyfile(FIXTURES / f"{name}.hip.jinja", target)
        out.append(target)
    return out


def _render(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> bytes:
    """What ``rocm-lsp render PATH`` writes (run in this process: 15 subprocesses are slow)."""
    assert main(["render", str(path)]) == 0
    return capsysbinary.readouterr().out


def test_fix_never_changes_what_a_correct_template_renders(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Every bundled template and every clean fixture: ``render`` is byte-identical before and
    after ``check --fix --unsafe-fixes`` (and the file itself is unchanged)."""
    copies = []
    for path in CORRECT:
        target = tmp_path / path.name
        shutil.copyfile(path, target)
        copies.append(target)
    before = {p: _render(p, capsysbinary) for p in copies}
    texts = {p: p.read_bytes() for p in copies}
    proc = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Fixed" not in proc.stderr
    for p in copies:
        assert p.read_bytes() == texts[p], p.name
        assert before[p] and _render(p, capsysbinary) == before[p], p.name


def test_fix_removes_each_safely_fixable_code(tmp_path: Path) -> None:
    """Each fixture with a safe fix, fixed by one ``check --fix`` run: its code is gone."""
    names, codes = [], {}
    for path in sorted(FIXTURES.glob("RL*.hip.jinja")):
        analysis = analyze(path.read_text(encoding="utf-8"))
        safe = {d.code for d in analysis.diagnostics for f in fixes_for(analysis, d) if f.safe}
        if safe:
            names.append(path.name.removesuffix(".hip.jinja"))
            codes[names[-1]] = safe
    assert {c for found in codes.values() for c in found} == {c for c, safe in FIXABLE.items() if safe}
    copies = _copy(tmp_path, *names)
    proc = run_cli("check", "--no-cache", "--fix", str(tmp_path))
    assert b"Fixed " in proc.stderr, proc.stderr.decode()
    for path in copies:
        remaining = {d.code for d in analyze(path.read_text(encoding="utf-8")).diagnostics}
        assert codes[path.name.removesuffix(".hip.jinja")].isdisjoint(remaining), path.name


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``rocm-lsp check ARGS`` in this process: (exit status, stdout, stderr)."""
    status = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_fix_writes_safe_fixes_keeps_the_mode_and_reports_what_remains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arity, swapped = _copy(tmp_path, "RL201_names_arity", "RL213_names_swapped")
    arity.chmod(0o640)
    swapped_text = swapped.read_text(encoding="utf-8")
    status, out, err = _check(capsys, "--fix", str(tmp_path))
    assert 'names_str="X, W, Y")}}' in arity.read_text(encoding="utf-8")
    assert stat.S_IMODE(arity.stat().st_mode) == 0o640
    assert swapped.read_text(encoding="utf-8") == swapped_text  # its fix is unsafe
    assert ": RL201 " not in out and out.count(": RL213 ") == 2
    assert err.splitlines() == ["Fixed 1 finding.", "Found 2 warnings in 2 files."]
    assert status == 0  # warnings remain, below --fail-on error
    status, out, err = _check(capsys, "--fix", "--unsafe-fixes", str(swapped))
    assert 'names_str="X, W, Y")}}' in swapped.read_text(encoding="utf-8")
    assert (status, out, err.splitlines()) == (0, "", ["Fixed 2 findings.", "All checks passed (1 file)."])


def test_fix_iterates_until_nothing_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """size_args and names_str both go after the last argument: the second on the next pass."""
    (path,) = _copy(tmp_path, "RL206_missing_size_args")
    path.write_text(path.read_text(encoding="utf-8").replace(', names_str="X, Y"', ""), encoding="utf-8")
    status, _, err = _check(capsys, "--fix", str(path))
    assert status == 0, err
    assert analyze(path.read_text(encoding="utf-8")).diagnostics == []
    assert err.splitlines()[0] == "Fixed 2 findings."


def test_diff_prints_the_fixes_and_writes_nothing(tmp_path: Path) -> None:
    (path,) = _copy(tmp_path, "RL214_unused_node")
    text = path.read_text(encoding="utf-8")
    proc = run_cli("check", "--diff", str(path), cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == text
    assert proc.returncode == 1
    name = str(path)
    assert proc.stdout.decode() == (
        f"--- a/{name}\n+++ b/{name}\n@@ -1,7 +1,6 @@\n {{#- rocm-lsp\n [nodes]\n"
        ' X = { dtype = "float16", size = [64, 64] }\n-Bias = { dtype = "float16", size = [64] }\n'
        ' # expect-line: 4 RL214@1\n Y = { dtype = "float16", size = [64, 64] }\n -#}\n'
    )
    assert proc.stderr.decode() == "Would fix 1 finding in 1 file.\n"


def test_diff_with_unsafe_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (path,) = _copy(tmp_path, "RL213_names_swapped")
    assert _check(capsys, "--diff", str(path)) == (0, "", "No fixes available.\n")  # nothing safe
    status, out, err = _check(capsys, "--diff", "--unsafe-fixes", str(path))
    assert status == 1
    assert '+{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")}}' in out
    assert err == "Would fix 2 findings in 1 file.\n"


def test_output_format_full(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arity, unused = _copy(tmp_path, "RL201_names_arity", "RL214_unused_node")
    status, out, err = _check(capsys, "--output-format", "full", str(arity), str(unused))
    assert status == 1
    (rl201,) = analyze(arity.read_text(encoding="utf-8")).diagnostics
    (rl214,) = analyze(unused.read_text(encoding="utf-8")).diagnostics
    assert out == (
        f"{arity}:8:59: RL201 {rl201.message}\n"
        "  |\n"
        '8 | {{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, Y")}} { {# expect: RL201@59 #}\n'
        "  |                                                           ^^^^^^\n"
        "  |\n"
        'help: Set names_str to "X, W, Y"\n'
        "\n"
        f"{unused}:4:1: RL214 {rl214.message}\n"
        "  |\n"
        '4 | Bias = { dtype = "float16", size = [64] }\n'
        "  | ^^^^\n"
        "  |\n"
        "help: Remove the unused node Bias\n"
        "\n"
    )
    assert err == "Found 1 error, 1 warning in 2 files.\n"
    (undefined,) = _copy(tmp_path, "RL111_undefined_variable")
    _, out, _ = _check(capsys, "--output-format", "full", str(undefined))
    assert "help: Replace tile_m with tile_n (unsafe)\n" in out


def test_full_shows_every_line_of_a_multi_line_finding() -> None:
    from rocm_lsp.core.diagnostics import make
    from rocm_lsp.core.text import LineIndex, Span
    from rocm_lsp.core.workspace.check import FileReport
    from rocm_lsp.report_formats import full

    text = "ab\n\tcd\nef\n"
    report = FileReport(Path("k.hip.jinja"), LineIndex(text), (make("RL110", "m", Span(1, 8)),))
    assert full([report]) == (
        "k.hip.jinja:1:2: RL110 m\n  |\n1 | ab\n  |  ^\n2 |     cd\n  | ^^^^^^\n3 | ef\n  | ^\n  |\n\n"
    )


def test_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy(tmp_path, "RL111_undefined_variable", "RL201_names_arity", "RL213_names_swapped")
    status, out, _ = _check(capsys, "--statistics", str(tmp_path))
    assert out == (
        "2\tRL111\tundefined template variable\n"
        "2\tRL213\tnames_str entry differs from the variable passed\n"
        "1\tRL201\tnames_str arity differs from inputs + outputs\n"
    )
    assert status == 1
    _, out, _ = _check(capsys, "--statistics", "--output-format", "json", str(tmp_path))
    assert json.loads(out)[0] == {"code": "RL111", "title": "undefined template variable", "count": 2}
