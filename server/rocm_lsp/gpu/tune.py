"""Autotune a template: render every ``[tune]`` configuration, precompile them in parallel
through the compile cache, benchmark them on every GPU (``worker_pool``), rank, and remember.

A configuration that fails to compile, to launch or to match the reference is a row with its
reason; the sweep goes on. The eager baseline and ``torch.compile`` of it (Inductor's pick) are
timed once, with the first configuration benchmarked, so every row reads "× eager" and
"× Inductor". Results are stored under a key of the template (its tuned values normalised),
its shapes, profile and device, so the next sweep of the same question shows what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features import fixes, tune_space
from rocm_lsp.core.features.tune_space import Configuration, TunePlan
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.gpu import bench, worker_pool
from rocm_lsp.gpu.bench_request import BenchResponse, BenchSetupError, make_request
from rocm_lsp.gpu.build import Build, build
from rocm_lsp.gpu.compile import CompileState

Progress = Callable[[str, float], None]  # (what is happening, fraction done 0..1)

# A trial's status, best first: the order of the ranked table after the timed ones.
OK, MISMATCH = "ok", "mismatch"
FAILED = ("compile", "setup", "launch", "crash", "timeout", "cancelled")
LAUNCH_STAGES = ("load", "workspace", "run")  # the worker's stages that mean "it did not launch"
STORE_FORMAT = 1


class TuneError(Exception):
    """The sweep cannot start (no ``[tune]``, no torch, a device-only compiler…)."""


@dataclass
class Trial:
    """One configuration's outcome."""

    configuration: Configuration
    status: str = "cancelled"  # OK, MISMATCH or one of FAILED
    reason: str = ""  # why it failed or does not match
    report: BenchResponse = field(default_factory=BenchResponse)
    compile_seconds: float | None = None
    cached: bool = False
    device: str | None = None  # the worker's GPU (CUDA_VISIBLE_DEVICES), None: the default one

    @property
    def median(self) -> float | None:
        timing = self.report.get("timing") if self.status in (OK, MISMATCH) else None
        return timing.get("median") if timing else None

    @property
    def rank_key(self) -> tuple[int, float, int]:
        order = (OK, MISMATCH, *FAILED).index(self.status)
        return (order, self.median if self.median is not None else float("inf"), self.configuration.index)


@dataclass
class TuneResult:
    path: Path
    plan: TunePlan
    trials: list[Trial]  # ranked: fastest matching first, failures last
    choices: dict[str, Any]  # "eager"/"inductor" -> the worker's ChoiceResult
    device: str | None
    key: str
    previous: dict[str, float]  # configuration label -> the last sweep's median (ms)
    seconds: float
    jobs: int
    devices: list[str | None]

    @property
    def winner(self) -> Trial | None:
        return self.trials[0] if self.trials and self.trials[0].status == OK else None

    def ratio(self, choice: str, trial: Trial) -> float | None:
        """``choice``'s median over the trial's: 2.0 means the template is twice as fast."""
        return bench.choice_ratio(self.choices, choice, trial.median)


def store_dir() -> Path:
    """Stored sweeps (``core.files.user_cache_dir``)."""
    return user_cache_dir("tune")


def store_key(text: str, plan: TunePlan, profile: str, device: str | None) -> str:
    """Like ``ROCmTemplateCaller.hash_key``: the template (every tuned value set to its first
    candidate, so applying a winner keeps the key), its shapes (in the header), profile, device."""
    header = analyze(text, profile).header
    first = plan.configurations[0].as_dict() if plan.configurations else {}
    canonical = fixes.apply(text, tune_space.assign_vars(header, first)) if first else text
    blob = json.dumps([canonical, profile, device or "", STORE_FORMAT])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _load_previous(key: str) -> dict[str, float]:
    try:
        data = json.loads((store_dir() / f"{key}.json").read_text(encoding="utf-8"))
        rows = data.get("trials", []) if isinstance(data, dict) else []
        return {r["label"]: float(r["median_ms"]) for r in rows if r.get("median_ms") is not None}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _trial_from(configuration: Configuration, built: Build) -> Trial | None:
    """A failed compile's trial, or None when the configuration has a library to benchmark."""
    result = built.result
    trial = Trial(configuration, compile_seconds=result.seconds if result else None)
    trial.cached = bool(result and result.cached)
    if result is not None and result.state is CompileState.CANCELLED:
        return trial
    if result is None or not result.ok or result.library is None:
        errors = [d for d in built.diagnostics if d.severity.label == "error"] or built.diagnostics
        if errors:
            first = errors[0]
            line = built.analysis.index.position(first.span.start)[0] + 1
            trial.reason = f"line {line}: {first.message}"
        else:
            trial.reason = (result.note if result else "") or "the kernel did not compile"
        trial.status = "compile"
        return trial
    return None


def _judge(trial: Trial, answer: BenchResponse) -> None:
    trial.report = answer
    if not answer.get("ok"):
        stage = str(answer.get("stage") or "setup")
        trial.status = "launch" if stage in LAUNCH_STAGES else stage if stage in FAILED else "setup"
        trial.reason = str(answer.get("error") or stage)
        return
    check = answer.get("check") or {}
    if check.get("status") == "mismatch":
        trial.status = MISMATCH
        bad: dict[str, Any] = next((dict(o) for o in check.get("outputs", []) if not o.get("matched")), {})
        worst = bad.get("max_abs_error")
        trial.reason = f"{bad.get('name', 'an output')} differs from the reference" + (
            f" (max abs err {worst:.3g})" if isinstance(worst, float) else ""
        )
        return
    trial.status = OK
    if check.get("status") == "error":
        trial.reason = f"not checked: {check.get('error')}"


def tune(
    path: Path,
    text: str,
    gpu: GpuSettings | None = None,
    profile: str | None = None,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    hint: str = "set rocmLsp.benchmarkInterpreter to a Python with torch installed",
) -> TuneResult:
    """Sweep ``text``'s ``[tune]`` space (see the module). Raises :class:`TuneError` when it
    cannot start; everything after that is a row of the result."""
    gpu = gpu or GpuSettings()
    cancel = cancel or threading.Event()
    report = progress or (lambda _what, _done: None)
    started = time.monotonic()
    analysis = analyze(text, profile)
    header = analysis.header
    if not header.tune:
        raise TuneError(
            "the header has no [tune] table: list candidate values for some [vars], e.g. "
            "[tune] BLOCK = [128, 256, 512]"
        )
    errors = [d for d in analysis.diagnostics if d.severity.label == "error"]
    if errors:
        raise TuneError(f"fix the template's errors first: {errors[0].message}")
    if not header.bench:
        raise TuneError(
            "the header has no [bench] table: a sweep needs the reference to check each configuration"
        )
    interpreter = gpu.benchmark_interpreter or sys.executable
    problem = bench.torch_problem(interpreter, hint)
    if problem is not None:
        raise TuneError(problem)
    space = tune_space.plan(header, gpu.tune_max_configurations)
    ordered = list(space.configurations)
    if space.default is not None:  # the current [vars] first: it carries the baseline's timing
        ordered.sort(key=lambda c: c.index != space.default.index)  # type: ignore[union-attr]
    workers = max(1, jobs or os.cpu_count() or 1)
    report(f"compiling {len(ordered)} configurations on {workers} cores", 0.0)

    trials: dict[int, Trial] = {}
    libraries: dict[int, tuple[Build, str]] = {}
    lock = threading.Lock()

    def compile_one(configuration: Configuration) -> None:
        if cancel.is_set():
            trials[configuration.index] = Trial(configuration)
            return
        variant = fixes.apply(text, tune_space.assign_vars(header, configuration.as_dict()))
        built = build(path, variant, False, gpu, profile, cancel)
        failed = _trial_from(configuration, built)
        with lock:
            if failed is not None:
                trials[configuration.index] = failed
            else:
                assert built.result is not None and built.result.library is not None
                if built.toolchain is not None and built.toolchain.device_only:
                    raise TuneError(
                        f"{built.toolchain.describe()} builds no loadable library; a sweep needs ROCm's "
                        "hipcc (or nvcc) and a GPU"
                    )
                libraries[configuration.index] = (built, built.result.library)
                trials[configuration.index] = Trial(
                    configuration, compile_seconds=built.result.seconds, cached=built.result.cached
                )
            report(f"compiled {len(trials)}/{len(ordered)}", 0.5 * len(trials) / len(ordered))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(compile_one, c) for c in ordered]:
            future.result()  # a TuneError (device-only toolchain) stops the sweep

    requests: list[worker_pool.Job] = []
    for configuration in ordered:
        if configuration.index not in libraries:
            continue
        built, library = libraries[configuration.index]
        try:
            # the baselines ride on the first request only: they do not change with [vars]
            wanted = bench.choices(gpu) if not requests else {"choices": ()}
            request = make_request(built.analysis, library, timeout_s=gpu.benchmark_timeout, **wanted)
        except BenchSetupError as exc:
            trials[configuration.index].status = "setup"
            trials[configuration.index].reason = str(exc)
            continue
        requests.append(worker_pool.Job(configuration.index, dict(request), gpu.benchmark_timeout))

    devices = worker_pool.visible_devices(interpreter, gpu.devices)
    finished = 0
    mode = "max-autotune: tens of seconds for a GEMM" if gpu.inductor == "max-autotune" else gpu.inductor

    def answered(job: worker_pool.Job, answer: dict[str, Any], device: str | None) -> None:
        nonlocal finished
        with lock:
            trial = trials[job.key]
            trial.device = device
            _judge(trial, answer)  # type: ignore[arg-type]
            finished += 1
            report(
                f"benchmarked {finished}/{len(requests)} on {len(devices)} GPU{'s' * (len(devices) > 1)}",
                0.5 + 0.5 * finished / max(1, len(requests)),
            )

    if requests:
        first_note = f" (the first with eager and torch.compile {mode})" if gpu.inductor != "off" else ""
        report(f"benchmarking {len(requests)} configurations{first_note}", 0.5)
        command = [interpreter, str(bench.WORKER), "--serve"]
        worker_pool.run_jobs(requests, command, devices, cancel, answered)

    ranked = sorted(trials.values(), key=lambda t: t.rank_key)
    first = next((trials[j.key] for j in requests[:1]), None)
    choices: dict[str, Any] = dict(first.report.get("choices") or {}) if first is not None else {}
    device = next((str(t.report.get("device")) for t in ranked if t.report.get("device")), None)
    key = store_key(text, space, analysis.profile, device)
    previous = _load_previous(key)
    result = TuneResult(
        path, space, ranked, choices, device, key, previous, time.monotonic() - started, workers, devices
    )
    if not cancel.is_set() and any(t.median is not None for t in ranked):
        try:
            atomic_write_text(store_dir() / f"{key}.json", json.dumps(to_json(result), indent=1))
        except OSError:
            pass  # a store we cannot write is not worth failing the sweep for
    return result


# -- reports ----------------------------------------------------------------------------


def _rate(trial: Trial) -> str:
    tflops, gbps = trial.report.get("tflops"), trial.report.get("bandwidth_gbps")
    if trial.median is None:
        return ""
    if tflops:
        return f"{tflops:.1f} TFLOP/s"
    return f"{gbps:.0f} GB/s" if gbps else ""


def _times(value: float | None) -> str:
    return f"{value:.2f}×" if value else "—"


def _change(result: TuneResult, trial: Trial) -> str:
    before = result.previous.get(trial.configuration.label)
    if before is None or trial.median is None:
        return ""
    return f"{(trial.median - before) / before:+.1%}"


def rows(result: TuneResult) -> list[dict[str, Any]]:
    """One dict per trial, ranked: what every output format prints."""
    out = []
    for rank, trial in enumerate(result.trials, 1):
        timing = trial.report.get("timing") if trial.median is not None else None
        out.append({
            "rank": rank,
            "label": trial.configuration.label,
            "values": trial.configuration.as_dict(),
            "index": trial.configuration.index,
            "status": trial.status,
            "reason": trial.reason or None,
            "median_ms": trial.median,
            "p20_ms": timing.get("p20") if timing else None,
            "p80_ms": timing.get("p80") if timing else None,
            "bandwidth_gbps": trial.report.get("bandwidth_gbps") if timing else None,
            "tflops": trial.report.get("tflops") if timing else None,
            "vs_eager": result.ratio("eager", trial),
            "vs_inductor": result.ratio("inductor", trial),
            "change": _change(result, trial) or None,
            "compile_seconds": trial.compile_seconds,
            "cached": trial.cached,
            "device": trial.device,
        })  # fmt: skip
    return out


def _choice_line(result: TuneResult) -> list[str]:
    lines = []
    for name, title in (("eager", "eager baseline"), ("inductor", "torch.compile (Inductor)")):
        choice = result.choices.get(name)
        if not choice:
            continue
        if choice.get("ok"):
            timing = choice.get("timing") or {}
            mode = f", mode {choice.get('mode')}" if choice.get("mode") else ""
            took = f", compiled in {choice['compile_seconds']:.1f} s" if choice.get("compile_seconds") else ""
            status = (choice.get("check") or {}).get("status", "not checked")
            lines.append(f"{title}: {timing.get('median', float('nan')):.4g} ms ({status}{mode}{took})")
        else:
            lines.append(f"{title}: failed ({choice.get('stage')}): {choice.get('error')}")
    return lines


def headline(result: TuneResult) -> str:
    """One line: the winner and its ratios, or why there is none."""
    winner = result.winner
    if winner is None:
        failed = len([t for t in result.trials if t.status != OK])
        return f"no configuration matched the reference ({failed} of {len(result.trials)} failed)"
    parts = [f"best {winner.configuration.label}: {winner.median:.4g} ms"]
    return " · ".join(parts + bench.ratios(result.choices, winner.median))


def markdown(result: TuneResult) -> str:
    """The ranked table as Markdown, with what was measured and how."""
    lines = [
        f"# Tune: {result.path.name}",
        "",
        f"{result.plan.describe()} · {len(result.devices)} GPU worker(s) · {result.jobs} compile jobs · "
        f"{result.seconds:.1f} s · device {result.device or 'unknown'}",
        "",
        f"**{headline(result)}**",
        "",
        *[f"- {line}" for line in _choice_line(result)],
        "",
        "| # | configuration | status | median ms | p20–p80 ms | rate | vs eager | vs Inductor | Δ last |",
        "|--:|---|---|--:|---|--:|--:|--:|--:|",
    ]
    for row, trial in zip(rows(result), result.trials):
        spread = f"{row['p20_ms']:.4g}–{row['p80_ms']:.4g}" if row["p20_ms"] is not None else ""
        status = row["status"] if not row["reason"] else f"{row['status']}: {row['reason']}"
        status = status.replace("|", "\\|").replace("\n", " ")[:160]
        median = f"{row['median_ms']:.4g}" if row["median_ms"] is not None else "—"
        lines.append(
            f"| {row['rank']} | `{row['label']}` | {status} | {median} | {spread} | {_rate(trial)} | "
            f"{_times(row['vs_eager'])} | {_times(row['vs_inductor'])} | {row['change'] or ''} |"
        )
    lines += [
        "",
        "Each configuration: compiled through the build cache, checked against `[bench].reference`, then "
        "timed with CUDA events after an L2 flush (median of up to 100 calls). vs eager / vs Inductor: the "
        "baseline's median over the configuration's (above 1: the template is faster).",
    ]
    return "\n".join(lines) + "\n"


def text_report(result: TuneResult) -> str:
    """A plain-text table for a terminal."""
    out = [f"{result.path}: {headline(result)}", f"  {result.plan.describe()}"]
    out += [f"  {line}" for line in _choice_line(result)]
    for row, trial in zip(rows(result), result.trials):
        median = f"{row['median_ms']:9.4g} ms" if row["median_ms"] is not None else " " * 12
        extra = (
            "  ".join(
                x
                for x in (
                    _rate(trial),
                    f"{_times(row['vs_eager'])} eager",
                    f"{_times(row['vs_inductor'])} Inductor",
                    row["change"] or "",
                )
                if x
            )
            if row["median_ms"] is not None
            else ""
        )
        reason = f" ({row['reason']})" if row["reason"] else ""
        out.append(f"  {row['rank']:3d}. {row['label']:<40} {row['status']:<9}{median}  {extra}{reason}")
    return "\n".join(out) + "\n"


def to_json(result: TuneResult) -> dict[str, Any]:
    return {
        "format": STORE_FORMAT,
        "file": str(result.path),
        "key": result.key,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "device": result.device,
        "devices": result.devices,
        "plan": {
            "parameters": list(result.plan.parameters),
            "total": result.plan.total,
            "tried": len(result.plan.configurations),
            "capped": result.plan.capped,
            "description": result.plan.describe(),
        },
        "seconds": round(result.seconds, 2),
        "jobs": result.jobs,
        "choices": result.choices,
        "winner": result.winner.configuration.as_dict() if result.winner else None,
        "headline": headline(result),
        "trials": rows(result),
    }


def apply_winner(text: str, result: TuneResult, profile: str | None = None) -> str | None:
    """``text`` with the winner's values written into ``[vars]`` (None: no winner)."""
    winner = result.winner
    if winner is None:
        return None
    header = analyze(text, profile).header
    return fixes.apply(text, tune_space.assign_vars(header, winner.configuration.as_dict()))
