"""Autotuning: the ``[tune]`` header table, the sweep's plan and the edits that apply a winner
(pure), and whole sweeps (``gpu.tune``) with a fake benchmark interpreter: real renders, real
parallel hipcc builds through the compile cache, real ``--serve`` workers in processes — only
the timing is read from a marker each configuration compiles into its library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features import fixes
from rocm_lsp.core.features.tune_space import assign_vars, plan, toml_literal
from rocm_lsp.core.workspace.config import GpuSettings, gpu_from_mapping
from rocm_lsp.gpu import tune, worker_pool

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "tune"
FAKE_TEMPLATE = FIXTURES / "fake_ms.hip.jinja"
FAKE_PYTHON = FIXTURES / "fake_torch_python.py"
needs_hipcc = pytest.mark.skipif(
    shutil.which("hipcc") is None, reason="no hipcc (scripts/test.sh installs Debian's)"
)


def header_of(text: str):
    return analyze(text).header


def codes(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in analyze(text).diagnostics if d.code.startswith("RL1")]


SPACE = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
[vars]
BLOCK = 256
VEC = 8
FAST = true
NAME = "wave64"
[tune]
BLOCK = [64, 128, 256]
VEC = [1, 2, 4, 8]
-#}
"""


# -- the header's [tune] table -----------------------------------------------------------


def test_tune_reads_candidates_in_order() -> None:
    header = header_of(SPACE)
    assert header.tune == {"BLOCK": (64, 128, 256), "VEC": (1, 2, 4, 8)}
    assert codes(SPACE) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("BLOK = [1, 2]", "[tune] BLOK is not declared in [vars]"),
        ("VEC = []", "[tune] VEC"),
        ("VEC = 4", "[tune] VEC"),
        ('VEC = [1, "2"]', "[tune] VEC"),
        ("FAST = [1, 0]", "[tune] FAST"),
        ('NAME = ["wave64", 32]', "[tune] NAME"),
        ("VEC = [2, 4, 2]", "[tune] VEC"),
    ],
)
def test_a_bad_candidate_list_is_rl102(line: str, message: str) -> None:
    text = SPACE.replace("VEC = [1, 2, 4, 8]", line)
    found = codes(text)
    assert len(found) == 1 and found[0][0] == "RL102" and found[0][1].startswith(message), found


def test_an_undeclared_name_suggests_the_close_one() -> None:
    found = codes(SPACE.replace("VEC = [1, 2, 4, 8]", "VECC = [1, 2]"))
    assert found[0][1].endswith("did you mean 'VEC'?"), found


# -- the plan ----------------------------------------------------------------------------


def test_the_plan_is_the_product_last_parameter_fastest() -> None:
    space = plan(header_of(SPACE), 100)
    assert space.total == 12 and not space.capped
    assert [c.label for c in space.configurations[:5]] == [
        "BLOCK=64, VEC=1",
        "BLOCK=64, VEC=2",
        "BLOCK=64, VEC=4",
        "BLOCK=64, VEC=8",
        "BLOCK=128, VEC=1",
    ]
    assert space.default is not None and space.default.label == "BLOCK=256, VEC=8"
    assert space.default.index == 11
    assert space.describe() == "12 configurations of BLOCK × VEC"


def test_past_the_cap_the_plan_samples_evenly_and_keeps_the_default() -> None:
    header = header_of(SPACE.replace("VEC = 8", "VEC = 2"))
    space = plan(header, 5)
    assert space.capped and space.total == 12 and len(space.configurations) == 5
    indices = [c.index for c in space.configurations]
    assert indices == sorted(set(indices)) and 9 in indices  # BLOCK=256, VEC=2: the [vars] values
    assert indices[0] == 0
    assert space.describe() == "5 of 12 configurations of BLOCK × VEC (evenly sampled: the cap)"


def test_a_default_outside_the_candidates_is_no_configuration() -> None:
    space = plan(header_of(SPACE.replace("BLOCK = 256", "BLOCK = 512")), 100)
    assert space.default is None and len(space.configurations) == 12


def test_assign_vars_rewrites_the_values_in_place() -> None:
    header = header_of(SPACE)
    text = fixes.apply(SPACE, assign_vars(header, {"BLOCK": 64, "NAME": "wave32", "FAST": False}))
    assert 'BLOCK = 64\nVEC = 8\nFAST = false\nNAME = "wave32"\n' in text
    assert header_of(text).vars["BLOCK"] == 64 and codes(text) == []
    with pytest.raises(KeyError):
        assign_vars(header, {"MISSING": 1})


@pytest.mark.parametrize(("value", "literal"), [(True, "true"), (3, "3"), (0.5, "0.5"), ('a"b', '"a\\"b"')])
def test_toml_literal(value: object, literal: str) -> None:
    assert toml_literal(value) == literal


# -- settings ----------------------------------------------------------------------------


def test_tune_settings_parse_and_complain() -> None:
    gpu = gpu_from_mapping(
        {"inductor": "max-autotune", "benchmarkDevices": [0, 3], "tuneMaxConfigurations": 16}
    )
    assert (gpu.inductor, gpu.devices, gpu.tune_max_configurations) == ("max-autotune", ("0", "3"), 16)
    assert gpu_from_mapping({"benchmarkDevices": "1,2"}).devices == ("1", "2")
    bad = gpu_from_mapping({"inductor": "fast", "benchmarkDevices": ["x"], "tuneMaxConfigurations": 0})
    assert bad == GpuSettings()
    assert [e.split(":")[0] for e in bad.errors] == ["inductor", "benchmarkDevices", "tuneMaxConfigurations"]


# -- sweeps with the fake interpreter ----------------------------------------------------


def fake_interpreter(tmp_path: Path) -> str:
    """A shell wrapper that runs the fake interpreter with this Python, as a real one is run."""
    wrapper = tmp_path / "python-with-fake-torch"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_PYTHON}" --tag="{tmp_path}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


@pytest.fixture
def sweep_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GpuSettings, Path]:
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("FAKE_LOG", str(log))
    gpu = GpuSettings(
        compiler="hipcc",
        arch="gfx90a",
        benchmark_interpreter=fake_interpreter(tmp_path),
        benchmark_timeout=60,
    )
    return gpu, log


def template_copy(tmp_path: Path, tune_lines: str | None = None) -> tuple[Path, str]:
    text = FAKE_TEMPLATE.read_text(encoding="utf-8")
    if tune_lines is not None:
        start = text.index("[tune]\n")
        text = text[:start] + "[tune]\n" + tune_lines + "\n\n" + text[text.index("[bench]") :]
    path = tmp_path / "fake_ms.hip.jinja"
    path.write_text(text, encoding="utf-8")
    return path, text


@needs_hipcc
def test_a_sweep_ranks_every_configuration_and_survives_planted_failures(
    tmp_path: Path, sweep_env: tuple[GpuSettings, Path]
) -> None:
    gpu, log = sweep_env
    path, text = template_copy(tmp_path)
    seen: list[tuple[str, float]] = []
    result = tune.tune(path, text, gpu, jobs=2, progress=lambda what, done: seen.append((what, done)))
    statuses = [(t.configuration.label, t.status) for t in result.trials]
    assert len(statuses) == 20 and result.plan.total == 20
    ok = [label for label, status in statuses if status == "ok"]
    assert ok == [f'MS={ms}, PLANT="none"' for ms in (0.5, 1.5, 2.5, 3.0, 4.0)]  # fastest first
    assert statuses[5:10] == [(f'MS={ms}, PLANT="mismatch"', "mismatch") for ms in (0.5, 1.5, 2.5, 3.0, 4.0)]
    failed = {status for _, status in statuses[10:]}
    assert failed == {"compile", "crash"}
    compile_failure = next(t for t in result.trials if t.status == "compile")
    assert "a planted compile failure" in compile_failure.reason
    assert compile_failure.reason.startswith("line ")
    crash = next(t for t in result.trials if t.status == "crash")
    assert "Segmentation fault (fake)" in crash.reason
    mismatch = next(t for t in result.trials if t.status == "mismatch")
    assert mismatch.reason == "Y differs from the reference (max abs err 0.5)"

    winner = result.winner
    assert winner is not None and winner.configuration.as_dict() == {"MS": 0.5, "PLANT": "none"}
    assert result.ratio("eager", winner) == pytest.approx(4.0)  # fake eager 2.0 ms / 0.5 ms
    assert result.ratio("inductor", winner) == pytest.approx(2.0)
    assert tune.headline(result) == 'best MS=0.5, PLANT="none": 0.5 ms · 4.00× eager · 2.00× Inductor'

    requests = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(requests) == 15  # every configuration that compiled, once
    assert requests[0]["index"] == result.plan.default.index  # the current [vars] first …
    assert requests[0]["choices"] == ["eager", "inductor"]  # … with the baselines
    assert all(r["choices"] == [] for r in requests[1:])
    # a fresh worker after each crash but the last (index 19: nothing came after it)
    assert len({r["pid"] for r in requests}) == 1 + 4
    assert seen[-1][1] == pytest.approx(1.0) and seen[-1][0] == "benchmarked 15/15 on 1 GPU"

    doc = tune.to_json(result)
    assert doc["winner"] == {"MS": 0.5, "PLANT": "none"} and len(doc["trials"]) == 20
    assert doc["trials"][0]["vs_eager"] == pytest.approx(4.0) and doc["trials"][0]["change"] is None
    table = tune.markdown(result)
    assert '| 1 | `MS=0.5, PLANT="none"` | ok | 0.5 | 0.495–0.505 |' in table

    again = tune.tune(path, text, gpu, jobs=2)  # the stored sweep: "what changed"
    assert again.key == result.key and all(t.cached for t in again.trials if t.status != "compile")
    assert tune.rows(again)[0]["change"] == "+0.0%"

    applied = tune.apply_winner(text, result)
    assert applied is not None and 'MS = 0.5\nPLANT = "none"' in applied
    applied_result_key = tune.store_key(applied, result.plan, "seed", "Fake GPU")
    assert applied_result_key == result.key  # applying the winner keeps the stored sweep's key


@needs_hipcc
def test_a_hang_times_out_and_the_sweep_goes_on(tmp_path: Path, sweep_env: tuple[GpuSettings, Path]) -> None:
    gpu, _ = sweep_env
    path, text = template_copy(tmp_path, 'MS = [1.0, 2.0]\nPLANT = ["hang", "none"]')
    text = text.replace('PLANT = "none"', 'PLANT = "hang"')
    from dataclasses import replace

    result = tune.tune(path, text, replace(gpu, benchmark_timeout=3.0), jobs=2)
    assert [(t.configuration.label, t.status) for t in result.trials] == [
        ('MS=1.0, PLANT="none"', "ok"),
        ('MS=2.0, PLANT="none"', "ok"),
        ('MS=1.0, PLANT="hang"', "timeout"),
        ('MS=2.0, PLANT="hang"', "timeout"),
    ]
    assert result.choices == {}  # the baselines rode on the first request, which hung
    assert tune.rows(result)[0]["vs_eager"] is None


@needs_hipcc
def test_two_gpus_share_the_configurations(
    tmp_path: Path, sweep_env: tuple[GpuSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    gpu, log = sweep_env
    monkeypatch.setenv("FAKE_GPUS", "2")
    path, text = template_copy(tmp_path, 'MS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\nPLANT = ["none"]')
    text = text.replace("MS = 4.0", "MS = 1.0")
    result = tune.tune(path, text, gpu, jobs=2)
    assert result.devices == ["0", "1"]
    requests = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["index"] for r in requests) == list(range(6))
    assert {r["device"] for r in requests} == {"0", "1"}  # each worker saw only its GPU
    assert {t.device for t in result.trials} == {"0", "1"}
    assert [t.median for t in result.trials] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_visible_devices_follow_the_choice_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = fake_interpreter(tmp_path)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("FAKE_GPUS", "1")
    assert worker_pool.visible_devices(python, ()) == [None]
    monkeypatch.setenv("FAKE_GPUS", "3")
    assert worker_pool.visible_devices(python, ()) == ["0", "1", "2"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6,7")
    assert worker_pool.visible_devices(python, ()) == ["4", "6", "7"]
    assert worker_pool.visible_devices(python, ("2",)) == ["2"]


@needs_hipcc
def test_cancel_stops_the_sweep_and_kills_the_workers(
    tmp_path: Path, sweep_env: tuple[GpuSettings, Path]
) -> None:
    gpu, _ = sweep_env
    path, text = template_copy(tmp_path, 'MS = [1.0, 2.0, 3.0]\nPLANT = ["none", "hang"]')
    text = text.replace("MS = 4.0", "MS = 1.0")
    cancel = threading.Event()
    timers: list[threading.Timer] = []

    def progress(what: str, _done: float) -> None:
        if what.startswith("benchmarked 1/"):  # the [vars] configuration; the next one hangs
            timers.append(threading.Timer(2.0, cancel.set))
            timers[-1].start()

    result = tune.tune(path, text, gpu, cancel=cancel, progress=progress, jobs=2)
    assert [t.status for t in result.trials] == ["ok"] + ["cancelled"] * 5
    assert result.trials[1].reason == "cancelled"  # the hanging one, killed mid-request
    leftovers = subprocess.run(
        ["pgrep", "-f", f"--tag={tmp_path}"], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""  # no worker outlives the cancel


def test_no_tune_table_is_a_clear_refusal(tmp_path: Path, sweep_env: tuple[GpuSettings, Path]) -> None:
    gpu, _ = sweep_env
    text = (REPO / "templates" / "softmax_rows.hip.jinja").read_text(encoding="utf-8")
    if "[tune]" in text:
        text = text[: text.index("[tune]")] + text[text.index("[bench]") :]
    with pytest.raises(tune.TuneError, match=r"no \[tune\] table"):
        tune.tune(tmp_path / "t.hip.jinja", text, gpu)


@needs_hipcc
def test_cli_tune_json_and_apply(tmp_path: Path, sweep_env: tuple[GpuSettings, Path]) -> None:
    gpu, _ = sweep_env
    path, _text = template_copy(tmp_path, 'MS = [4.0, 0.5]\nPLANT = ["none"]')
    assert gpu.benchmark_interpreter is not None
    base = [sys.executable, "-m", "rocm_lsp", "tune", str(path), "--python", gpu.benchmark_interpreter]
    base += ["--compiler", "hipcc", "--arch", "gfx90a", "--jobs", "2"]
    done = subprocess.run([*base, "--output-format", "json"], capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["winner"] == {"MS": 0.5, "PLANT": "none"}
    assert [r["status"] for r in doc["trials"]] == ["ok", "ok"]
    done = subprocess.run([*base, "--apply"], capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    assert 'best MS=0.5, PLANT="none": 0.5 ms · 4.00× eager · 2.00× Inductor' in done.stdout
    assert "MS = 0.5\n" in path.read_text(encoding="utf-8")
    assert "[vars] set to MS=0.5" in done.stderr
