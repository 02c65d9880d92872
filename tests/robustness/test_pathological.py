"""Pathological templates end in bounded time and memory with one clear finding, through the
core (``check_file``) and through the CLI (``rocm-lsp check``, ``rocm-lsp render``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pathological import CASES, HEADER, USE_X, Case

from rocm_lsp.core.engine import analysis, render
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.workspace.check import check_file

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocm_lsp", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "ROCM_LSP_CACHE_DIR": str(cwd / ".cache")},
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pathological")
    for case in CASES:
        (folder / f"{case.name}.hip.jinja").write_bytes(case.data)
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_core_gives_one_clear_finding(case: Case, files: Path) -> None:
    report = check_file(files / f"{case.name}.hip.jinja")
    found = [(d.code, d.message) for d in report.diagnostics]
    assert any(code == case.code and case.says in message for code, message in found), found
    if case.code != "RL214":
        assert [code for code, _ in found if code != "RL214"] == [case.code], found


def test_cli_check_reports_every_file_and_exits_1(files: Path) -> None:
    proc = _cli("check", "--no-cache", "--output-format", "json", str(files), cwd=files)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    by_file: dict[str, list[tuple[str, str]]] = {}
    for row in json.loads(proc.stdout):
        by_file.setdefault(Path(row["filename"]).name, []).append((row["code"], row["message"]))
    for case in CASES:
        found = by_file[f"{case.name}.hip.jinja"]
        assert any(c == case.code and case.says in m for c, m in found), (case.name, found)


@pytest.mark.parametrize("name", ["range_10_12", "binary_png", "deep_nesting"])
def test_cli_render_exits_1_with_the_finding(name: str, files: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    proc = _cli("render", str(files / f"{name}.hip.jinja"), cwd=files)
    assert proc.returncode == 1 and proc.stdout == ""
    assert f" {case.code} " in proc.stderr and case.says in proc.stderr


def test_a_loop_that_grows_memory_is_stopped_by_the_memory_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/statm").exists():
        pytest.skip("the memory budget reads /proc/self/statm (Linux)")
    monkeypatch.setattr(render, "RENDER_MEMORY", 64 << 20)
    monkeypatch.setattr(analysis, "RENDER_MEMORY", 64 << 20)  # for the message
    monkeypatch.setattr(render, "RENDER_SECONDS", 300.0)  # the memory budget stops it first
    body = (
        "{% set rows = [] %}{% for i in range(100000) %}{% for j in range(100000) %}"
        '{% set _ = rows.append("x" * 1000 ~ j) %}{% endfor %}{% endfor %}'
    )
    found = [(d.code, d.message) for d in analyze(HEADER + USE_X + body).diagnostics]
    assert found == [
        (
            "RL113",
            "rendering grew the process by more than 64 MiB and was stopped here: a loop that "
            "builds a huge list or string?",
        )
    ]
