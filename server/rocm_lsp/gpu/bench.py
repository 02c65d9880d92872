"""Benchmark a template: build it, then run the worker (the user's Python with torch) in a
separate process with a timeout; keep a history per kernel and report the change."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.core.workspace.files import user_cache_dir
from rocm_lsp.gpu import child
from rocm_lsp.gpu.bench_request import BenchRequest, BenchResponse, BenchSetupError, make_request
from rocm_lsp.gpu.build import Build, build
from rocm_lsp.gpu.compile import CompileState

WORKER = Path(__file__).resolve().parent / "bench_worker.py"


@dataclass
class BenchOutcome:
    ok: bool
    message: str  # one line for a lens title or a log
    report: BenchResponse = field(default_factory=BenchResponse)  # the worker's JSON
    build: Build | None = None
    previous: dict[str, Any] | None = None  # the last run's summary, for the change


def history_dir() -> Path:
    """Benchmark history files (``core.files.user_cache_dir``)."""
    return user_cache_dir("bench-history")


def _history_file(path: Path, kernel: str) -> Path:
    key = hashlib.sha256(f"{path.resolve()}::{kernel}".encode()).hexdigest()[:16]
    return history_dir() / f"{key}.jsonl"


def _last(history: Path) -> dict[str, Any] | None:
    try:
        lines = history.read_text(encoding="utf-8").strip().splitlines()
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def _record(history: Path, summary: dict[str, Any]) -> None:
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        with history.open("a", encoding="utf-8") as f:
            f.write(json.dumps(summary) + "\n")
    except OSError:
        pass  # a history we cannot write is not worth failing the benchmark for


def run_worker(
    request: BenchRequest, python: str, timeout: float, cancel: threading.Event | None = None
) -> BenchResponse:
    """Run the worker; a crash, hang, cancel or unreadable report becomes
    ``{"ok": false, "error": …}``."""
    try:
        done = child.run([python, str(WORKER)], timeout, cancel, stdin=json.dumps(request))
    except OSError as exc:
        return {
            "ok": False,
            "error": f"cannot start the benchmark interpreter {python}: {exc}",
            "stage": "start",
        }
    if done.stopped == "cancelled":
        return {"ok": False, "error": "cancelled", "stage": "cancelled"}
    if done.stopped == "timeout":
        return {
            "ok": False,
            "stage": "timeout",
            "error": f"the benchmark did not finish within {timeout:g} s (a hang or a very "
            "slow kernel?); the worker was killed",
        }
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    try:
        report = json.loads(lines[-1]) if lines else None
    except ValueError:
        report = None
    problem = malformed(report) if lines else "it printed no JSON report"
    if problem is None and isinstance(report, dict):
        # even if it crashed afterwards (e.g. tearing down a faulted GPU context)
        return cast(BenchResponse, report)
    if done.returncode != 0:
        err = done.stderr.strip()
        tail = err.splitlines()[-1][:300] if err else "no output"
        return {
            "ok": False,
            "stage": "crash",
            "error": f"the benchmark worker crashed ({done.describe_exit('it')}): {tail}. The GPU may "
            "have faulted (an illegal address?); the next run starts a fresh process",
        }
    return {
        "ok": False,
        "stage": "protocol",
        "error": f"the benchmark worker's report is unreadable: {problem}",
    }


_NUMBERS = ("bandwidth_gbps", "tflops", "flops_fraction", "bandwidth_fraction")


def malformed(report: Any) -> str | None:
    """Why a worker's report does not have the shape this module reads, or None."""
    if not isinstance(report, dict):
        return "not a JSON object"
    for key, kind in (("timing", dict), ("check", dict), ("device", str), ("error", str)):
        if report.get(key) is not None and not isinstance(report[key], kind):
            return f"{key} is not a {kind.__name__}"
    numbers = [report.get(k) for k in _NUMBERS]
    numbers += [(report.get("timing") or {}).get(k) for k in ("median", "p20", "p80")]
    if any(n is not None and (isinstance(n, bool) or not isinstance(n, (int, float))) for n in numbers):
        return "a timing or rate is not a number"
    outputs = (report.get("check") or {}).get("outputs", [])
    if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        return "check.outputs is not a list of objects"
    return None


CHOICE_TITLES = {"eager": "eager", "inductor": "Inductor"}  # how a ratio names each choice


def choice_ratio(choices: Mapping[str, Any], name: str, median: float | None) -> float | None:
    """The choice's median over the kernel's (2.0: the kernel is twice as fast), or None when
    either was not timed."""
    choice = choices.get(name) or {}
    timing = choice.get("timing") if choice.get("ok") else None
    other = timing.get("median") if timing else None
    return other / median if other and median else None


def ratios(choices: Mapping[str, Any], median: float | None) -> list[str]:
    """``3.20× eager``, ``0.95× Inductor`` (or ``Inductor failed``), in CHOICE_TITLES order."""
    parts = []
    for name, title in CHOICE_TITLES.items():
        if name not in choices:
            continue
        ratio = choice_ratio(choices, name, median)
        parts.append(f"{ratio:.2f}× {title}" if ratio else f"{title} failed")
    return parts


def summarize(report: BenchResponse) -> str:
    """``0.072 ms · 3.20× eager · 0.95× Inductor · 1.20 TB/s · 40% of peak · ref ✓`` from a
    worker report."""
    timing = report.get("timing")
    median = timing.get("median") if timing else None
    bandwidth, tflops = report.get("bandwidth_gbps"), report.get("tflops")
    parts = []
    if median is not None:
        parts.append(f"{median:.3g} ms")
    parts += ratios(report.get("choices") or {}, median)
    if bandwidth:
        parts.append(f"{bandwidth / 1000:.2f} TB/s")
    if tflops:
        parts.append(f"{tflops:.1f} TFLOP/s")
    # the binding limit: whichever of the FLOP and bandwidth peaks the kernel is closer to
    fraction = max(report.get("flops_fraction") or 0, report.get("bandwidth_fraction") or 0)
    if fraction:
        parts.append(f"{100 * fraction:.0f}% of peak")
    status = str((report.get("check") or {}).get("status"))
    parts.append(
        {"matched": "ref ✓", "mismatch": "ref ✗ MISMATCH", "error": "ref error"}.get(status, "no ref")
    )
    return " · ".join(parts)


def choices(gpu: GpuSettings) -> dict[str, Any]:
    """``make_request``'s choices for the ``inductor`` setting: eager always, torch.compile
    in its mode unless "off"."""
    if gpu.inductor == "off":
        return {"choices": ("eager",), "inductor_mode": "default"}
    return {"choices": ("eager", "inductor"), "inductor_mode": gpu.inductor}


TORCH_PROBE = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 3)"


def torch_problem(python: str, hint: str) -> str | None:
    """Why ``python`` cannot run the benchmark (no torch, cannot start), before anything compiles."""
    try:
        done = child.run([python, "-c", TORCH_PROBE], 60.0)
    except OSError as exc:
        return f"cannot start the benchmark interpreter {python}: {exc}; {hint}"
    if done.returncode == 3:
        return f"torch cannot be imported by the benchmark interpreter {python}; {hint}"
    if done.returncode != 0 or done.stopped:
        return f"the benchmark interpreter {python} did not start ({done.describe_exit('it')}); {hint}"
    return None


def benchmark(
    path: Path,
    text: str,
    gpu: GpuSettings | None = None,
    profile: str | None = None,
    cancel: threading.Event | None = None,
    hint: str = "set rocmLsp.benchmarkInterpreter to a Python with torch installed",
) -> BenchOutcome:
    """Compile, run the worker in ``gpu.benchmark_interpreter`` (default: this Python; checked
    for torch first), time; ``hint`` says where the interpreter is chosen (the editor's
    setting, the CLI's ``--python``)."""
    gpu = gpu or GpuSettings()
    interpreter = gpu.benchmark_interpreter or sys.executable
    problem = torch_problem(interpreter, hint)
    if problem is not None:
        return BenchOutcome(False, f"benchmark failed: {problem}")
    built = build(path, text, False, gpu, profile, cancel)
    result = built.result
    if built.toolchain is not None and built.toolchain.device_only:
        return BenchOutcome(
            False,
            f"not benchmarked: {built.toolchain.describe()} builds no loadable library; benchmarking "
            "needs ROCm's hipcc (or nvcc) and a GPU",
            build=built,
        )
    if result is not None and result.state is CompileState.CANCELLED:
        return BenchOutcome(False, "not benchmarked: cancelled", build=built)
    if result is None or not result.ok or result.library is None:
        reason = built.diagnostics[0].message if built.diagnostics else (result.note if result else "")
        return BenchOutcome(False, f"not benchmarked: {reason or 'the kernel did not compile'}", build=built)
    try:
        request = make_request(
            built.analysis, result.library, timeout_s=gpu.benchmark_timeout, **choices(gpu)
        )
    except BenchSetupError as exc:
        return BenchOutcome(False, f"not benchmarked: {exc}", build=built)
    report = run_worker(request, interpreter, gpu.benchmark_timeout, cancel)
    if not report.get("ok"):
        return BenchOutcome(False, f"benchmark failed: {report.get('error')}", report, built)
    history = _history_file(path, request["symbol"])
    previous = _last(history)
    timing = report.get("timing")
    summary = {
        "time": time.time(),
        "median_ms": timing.get("median") if timing else None,
        "device": report.get("device"),
        "check": (report.get("check") or {}).get("status"),
        "source_sha": hashlib.sha256(text.encode()).hexdigest()[:12],
    }
    _record(history, summary)
    message = summarize(report)
    if (
        previous
        and previous.get("median_ms")
        and summary["median_ms"]
        and previous.get("device") == summary["device"]
    ):
        change = (summary["median_ms"] - previous["median_ms"]) / previous["median_ms"]
        message += f" · {change:+.1%} vs last run"
    return BenchOutcome(True, message, report, built, previous)
