"""Benchmark a template: build it, then run the worker (the user's Python with torch) in a
separate process with a timeout; keep a history per kernel and report the change."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_lsp.core.files import user_cache_dir
from rocm_lsp.gpu.bench_request import BenchSetupError, make_request
from rocm_lsp.gpu.build import Build, build

WORKER = Path(__file__).resolve().parent / "bench_worker.py"
DEFAULT_TIMEOUT_S = 180.0


@dataclass
class BenchOutcome:
    ok: bool
    message: str  # one line for a lens title or a log
    report: dict[str, Any] = field(default_factory=dict)  # the worker's JSON
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
    request: dict[str, Any], python: str, timeout: float, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """Run the worker; a crash, hang or cancel becomes ``{"ok": false, "error": …}``."""
    try:
        proc = subprocess.Popen(
            [python, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        return {
            "ok": False,
            "error": f"cannot start the benchmark interpreter {python}: {exc}",
            "stage": "start",
        }
    deadline = time.monotonic() + timeout
    payload: str | None = json.dumps(request)
    while True:
        try:
            out, err = proc.communicate(payload, timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            payload = None
            if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
                proc.communicate()
                if cancel is not None and cancel.is_set():
                    return {"ok": False, "error": "cancelled", "stage": "cancelled"}
                return {
                    "ok": False,
                    "stage": "timeout",
                    "error": f"the benchmark did not finish within {timeout:g} s (a hang or a very "
                    "slow kernel?); the worker was killed",
                }
    lines = [line for line in out.splitlines() if line.strip().startswith("{")]
    if proc.returncode != 0 or not lines:
        why = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        tail = err.strip().splitlines()[-1] if err.strip() else "no output"
        return {
            "ok": False,
            "stage": "crash",
            "error": f"the benchmark worker crashed ({why}): {tail}. The GPU may have faulted "
            "(an illegal address?); the next run starts a fresh process",
        }
    try:
        return json.loads(lines[-1])
    except ValueError:
        return {"ok": False, "stage": "protocol", "error": "the benchmark worker printed no JSON result"}


def summarize(report: dict[str, Any]) -> str:
    """``3.27 ms · 1.20 TB/s · 40% of peak · ref ✓`` from a worker report."""
    timing = report.get("timing") or {}
    parts = []
    if timing.get("median") is not None:
        parts.append(f"{timing['median']:.3g} ms")
    if report.get("bandwidth_gbps"):
        parts.append(f"{report['bandwidth_gbps'] / 1000:.2f} TB/s")
    if report.get("tflops"):
        parts.append(f"{report['tflops']:.1f} TFLOP/s")
    # the binding limit: whichever of the FLOP and bandwidth peaks the kernel is closer to
    fraction = max(report.get("flops_fraction") or 0, report.get("bandwidth_fraction") or 0)
    if fraction:
        parts.append(f"{100 * fraction:.0f}% of peak")
    status = (report.get("check") or {}).get("status")
    parts.append(
        {"matched": "ref ✓", "mismatch": "ref ✗ MISMATCH", "error": "ref error"}.get(status, "no ref")
    )
    return " · ".join(parts)


def benchmark(
    path: Path,
    text: str,
    python: str | None = None,
    compiler: str | None = None,
    arch: str | None = None,
    profile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    cancel: threading.Event | None = None,
) -> BenchOutcome:
    built = build(path, text, False, compiler, arch, profile, cancel)
    result = built.result
    if result is None or not result.ok or result.library is None:
        reason = built.diagnostics[0].message if built.diagnostics else (result.note if result else "")
        return BenchOutcome(False, f"not benchmarked: {reason or 'the kernel did not compile'}", build=built)
    try:
        request = make_request(built.analysis, result.library)
    except BenchSetupError as exc:
        return BenchOutcome(False, f"not benchmarked: {exc}", build=built)
    report = run_worker(request, python or sys.executable, timeout, cancel)
    if not report.get("ok"):
        return BenchOutcome(False, f"benchmark failed: {report.get('error')}", report, built)
    history = _history_file(path, request["symbol"])
    previous = _last(history)
    timing = report.get("timing") or {}
    summary = {
        "time": time.time(),
        "median_ms": timing.get("median"),
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
