"""``rocm-lsp check`` on every core: worker processes share the files, and the output is the
same, byte for byte and in the same order, as one process gives."""

from __future__ import annotations

import concurrent.futures
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from cli_support import run_cli
from rocm_lsp.core.workspace import check
from rocm_lsp.core.workspace.config import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "diagnostics"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every diagnostics fixture (findings of every kind, a few files that crash nothing) and the
    shipped templates, in two folders."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(FIXTURES, root / "fixtures")
    shutil.copytree(REPO / "templates", root / "templates", ignore=shutil.ignore_patterns("*.md"))
    return root


def test_the_cli_output_is_the_same_with_one_process_and_with_several(tree: Path) -> None:
    outputs = {}
    for jobs in ("1", "2", "3"):
        for output_format in ("concise", "json"):
            proc = run_cli("check", "--no-cache", "--jobs", jobs, "--output-format", output_format, str(tree))
            assert proc.returncode == 1, proc.stderr.decode()
            outputs[jobs, output_format] = (proc.stdout, proc.stderr)
    for output_format in ("concise", "json"):
        assert outputs["2", output_format] == outputs["1", output_format]
        assert outputs["3", output_format] == outputs["1", output_format]
    assert outputs["1", "concise"][0].count(b": RL") > 100


def test_workers_share_the_files_and_give_them_back_in_order(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = list(check.discover([tree]))
    pools: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: object) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    shared = check.check_files(paths, Settings(), None, jobs=2)
    assert pools == [2]
    alone = check.check_files(paths, Settings(), None, jobs=1)
    assert pools == [2]
    assert [(r.path, r.diagnostics) for r in shared] == [(r.path, r.diagnostics) for r in alone]
    assert [r.path for r in shared] == paths and sum(len(r.diagnostics) for r in shared) > 100


@pytest.mark.parametrize(
    ("files", "jobs", "cores", "workers"),
    [
        (1, 0, 8, 1),  # one small file: no worker to start
        (15, 0, 8, 1),
        (16, 0, 8, 2),
        (1000, 0, 2, 2),  # the default: one per core
        (1000, 1, 8, 1),
        (1000, 3, 8, 3),
    ],
)
def test_how_many_workers(
    files: int, jobs: int, cores: int, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "usable_cores", lambda: cores)
    assert check.worker_count(files, jobs) == workers


def test_jobs_must_be_a_whole_number(tree: Path) -> None:
    proc = run_cli("check", "--jobs", "-1", str(tree))
    assert proc.returncode == 2
    assert "argument --jobs: '-1' is not a whole number of 0 or more" in proc.stderr.decode()


def test_check_renders_each_template_once(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No finding reads the render with [shapes] substituted (hover does): ``check`` leaves it
    out, one contained render per template instead of two, and finds the same."""
    from rocm_lsp.core.engine import analysis as analysis_module

    paths = sorted((tree / "templates").glob("*.hip.jinja")) + sorted(
        p for p in (tree / "fixtures").glob("*.hip.jinja") if "[shapes]" in p.read_text()
    )
    texts = [p.read_text() for p in paths]
    assert sum("[shapes]" in t for t in texts) >= 14
    renders: list[bool] = []
    real_render = analysis_module.render

    def counting_render(*args: object, **kwargs: object) -> object:
        renders.append(bool(kwargs.get("static")) or (len(args) > 3 and bool(args[3])))
        return real_render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_module, "render", counting_render)
    twice = 0
    for text in texts:
        renders.clear()
        full = analysis_module.analyze(text)
        assert sorted(renders) == ([False, True] if full.header.shapes else [False])
        assert (full.shapes_render is not None) == bool(full.header.shapes)
        twice += bool(full.header.shapes)
        renders.clear()
        lean = analysis_module.analyze(text, concrete=False)
        assert renders == [False] and lean.shapes_render is None
        assert lean.diagnostics == full.diagnostics
        assert lean.rendered is not None and full.rendered is not None
        assert lean.rendered.text == full.rendered.text and len(lean.rendered.calls) == len(
            full.rendered.calls
        )
    assert twice >= 12
    renders.clear()
    reports = check.check_files(paths, Settings(), None, jobs=1)
    assert renders == [False] * len(paths)
    found = [list(r.diagnostics) for r in reports]
    assert found == [Settings().filter(analysis_module.analyze(t).diagnostics) for t in texts]
    assert sum(map(len, found)) >= 8
