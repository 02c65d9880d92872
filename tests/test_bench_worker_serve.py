"""The worker's choices (the eager baseline and torch.compile of it, timed after the kernel) and
its ``--serve`` mode, end to end on the CPU with the oracle's torch and a host-compiled kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from test_bench_request import ORACLE_PYTHON, WORKER, _host_request, _host_result, needs_oracle


def _matched(choice: dict) -> None:
    assert choice["ok"] is True, choice
    assert choice["check"]["status"] == "matched"
    assert [o["name"] for o in choice["check"]["outputs"]] == ["Y"]
    timing = choice["timing"]
    assert (timing["count"], timing["warmup"]) == (12, 2)  # the kernel's counts
    assert timing["min"] <= timing["median"] <= timing["max"]
    assert choice["bandwidth_gbps"] > 0 and choice["tflops"] > 0


@needs_oracle
def test_eager_choice_is_timed_and_checked(tmp_path: Path) -> None:
    result = _host_result(tmp_path, bench='baseline = "torch.add(X, B)"\n', choices=["eager"])
    assert result["ok"] is True and result["check"]["status"] == "matched"
    assert list(result["choices"]) == ["eager"]
    eager = result["choices"]["eager"]
    _matched(eager)
    assert "compile_seconds" not in eager and "mode" not in eager
    assert result["visible_devices"] is None or isinstance(result["visible_devices"], str)


@needs_oracle
def test_a_failing_baseline_fails_only_its_choice(tmp_path: Path) -> None:
    result = _host_result(tmp_path, bench='baseline = "X + missing"\n', choices=["eager"])
    assert result["ok"] is True and result["check"]["status"] == "matched"
    assert result["timing"]["count"] == 12
    eager = result["choices"]["eager"]
    assert (eager["ok"], eager["stage"]) == (False, "run")
    assert "NameError" in eager["error"] and "missing" in eager["error"]
    assert "timing" not in eager


@needs_oracle
def test_a_baseline_that_does_not_match_the_reference(tmp_path: Path) -> None:
    result = _host_result(tmp_path, bench='baseline = "X - B"\n', choices=["eager"])
    eager = result["choices"]["eager"]
    assert eager["ok"] is True and eager["check"]["status"] == "mismatch"
    assert result["check"]["status"] == "matched"  # the kernel's own check stands


@needs_oracle
def test_inductor_choice_compiles_the_baseline(tmp_path: Path) -> None:
    result = _host_result(tmp_path, choices=["eager", "inductor"])  # the baseline is the reference
    assert result["ok"] is True
    assert list(result["choices"]) == ["eager", "inductor"]
    _matched(result["choices"]["eager"])
    inductor = result["choices"]["inductor"]
    _matched(inductor)
    assert inductor["mode"] == "default"
    assert inductor["compile_seconds"] > 0


SERVE = [str(ORACLE_PYTHON), str(WORKER), "--serve"]


def _serve(lines: list[str | bytes]) -> list[dict]:
    text = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    proc = subprocess.run(SERVE, input=text, capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return [json.loads(line) for line in proc.stdout.splitlines()]  # every stdout line is an answer


@needs_oracle
def test_serve_answers_each_line_in_one_process(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _host_request(tmp_path / "a", index=0)
    mismatch = "+ (i == 3 && j == 5 ? 1.0f : 0.0f)"
    second = _host_request(tmp_path / "b", extra=mismatch, index=1, choices=["eager"])
    answers = _serve([json.dumps(first), "{not json", json.dumps(second), "[1, 2]", b'{"\xff": 1}'])
    assert len(answers) == 5
    one, garbage, two, array, latin = answers
    assert [a["served"] for a in answers] == [1, 2, 3, 4, 5]  # one process answered them all
    assert (one["ok"], one["index"], one["check"]["status"], one["choices"]) == (True, 0, "matched", {})
    assert (garbage["ok"], garbage["stage"]) == (False, "request") and "not JSON" in garbage["error"]
    assert "index" not in garbage
    assert (two["ok"], two["index"], two["check"]["status"]) == (True, 1, "mismatch")
    assert two["choices"]["eager"]["check"]["status"] == "matched"  # the baseline is the reference
    assert (array["ok"], array["stage"]) == (False, "request") and "JSON object" in array["error"]
    assert (latin["ok"], latin["stage"]) == (False, "request") and "not JSON" in latin["error"]


@needs_oracle
def test_serve_answers_a_failed_request_and_goes_on(tmp_path: Path) -> None:
    good = _host_request(tmp_path, index=7)
    answers = _serve([json.dumps({"version": 99, "index": 6}), json.dumps(good)])
    assert [(a["ok"], a["index"], a["served"]) for a in answers] == [(False, 6, 1), (True, 7, 2)]
    assert "version" in answers[0]["error"]


@needs_oracle
def test_serve_exits_at_once_without_input() -> None:
    assert _serve([]) == []


@needs_oracle
def test_serve_loads_a_library_rebuilt_at_the_same_path(tmp_path: Path) -> None:
    """dlopen of a path already loaded hands back the old library: the worker loads a copy."""
    builds = {}
    for status in ("0", "3"):  # analyzed before the worker starts: a render helper forked later
        (tmp_path / status).mkdir()  # would hold its stdin open
        builds[status] = _host_request(tmp_path / status, status=status)
    library = tmp_path / "libadd_bias.so"
    worker = subprocess.Popen(SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert worker.stdin is not None and worker.stdout is not None
    answers = []
    try:
        for status in ("0", "3", "3"):
            shutil.copy(builds[status]["library"], tmp_path / "new.so")
            os.replace(tmp_path / "new.so", library)  # rebuilt at the same path, as a linker does
            worker.stdin.write(json.dumps({**builds[status], "library": str(library)}) + "\n")
            worker.stdin.flush()
            answers.append(json.loads(worker.stdout.readline()))
        worker.stdin.close()
        assert worker.wait(timeout=300) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert answers[0]["ok"] is True
    for answer in answers[1:]:
        assert (answer["ok"], answer["stage"]) == (False, "run")
        assert "add_bias returned 3" in answer["error"]
