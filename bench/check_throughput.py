"""``rocm-lsp check`` throughput on one core, in files per second.

Generates a corpus with ``gen_corpus.py`` into a temporary directory, pins this process to
CPU 0, then measures

* **in-process**: ``check_file(path)`` over every file, after a warm-up over a few files
  that are not in the corpus (so imports, lazy tables and Jinja's environment are built);
  the first pass over the corpus is reported (no per-file cache can help it), plus the best
  of the further passes;
* **CLI end to end**: the wall time of ``rocm-lsp check --output-format json DIR`` (under
  ``taskset -c 0`` when available), process start-up and imports included; the median of
  a few runs, plus the start-up cost alone (the same command on a one-file directory).

Besides wall-clock rates, the CPU time the work used (this process's, or the child's) gives
a second rate that other processes on a busy machine disturb much less; the load average
at the start is printed so a reader can judge. ``--profile N`` adds a cProfile of one pass
(top N functions by own time, and the engine's phases by cumulative time).

Usage::

    python bench/check_throughput.py [--count 1000] [--seed 0] [--repeat 3] [--quick]

Prints a markdown table, then one JSON line (``{"bench": "check_throughput", ...}``).
The aim (from the issue) is at least 500 files/s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gen_corpus import generate
from rocm_lsp.core.workspace.check import check_file, discover

AIM_FILES_PER_S = 500.0
REPO = Path(__file__).resolve().parent.parent


def pin_to_one_core() -> int | None:
    """Pin this process (and so its children) to CPU 0; returns the CPU, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    os.sched_setaffinity(0, {0})
    return 0


def cli_command() -> list[str]:
    """``rocm-lsp`` as installed next to this interpreter, else ``python -m rocm_lsp``."""
    exe = Path(sys.executable).parent / "rocm-lsp"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "rocm_lsp"]
    taskset = shutil.which("taskset")
    return ([taskset, "-c", "0"] if taskset else []) + base


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    server = str(REPO / "server")
    env["PYTHONPATH"] = server + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else server
    return env


def preimport_lazy_dependencies() -> None:
    """Import what the engine imports lazily (sympy and the printer modules it uses).

    Done before the first render: a render's time budget that expires inside a lazy import
    leaves the import half done for the rest of the process.
    """
    import sympy.printing.precedence  # noqa: F401
    import sympy.printing.str  # noqa: F401


def in_process(paths: list[Path], warmup: list[Path], repeat: int) -> dict:
    preimport_lazy_dependencies()
    for path in warmup:
        check_file(path)
    passes = []
    cpu = []
    findings = 0
    flagged: set[Path] = set()
    for i in range(max(1, repeat)):
        start, start_cpu = time.perf_counter(), time.process_time()
        count = 0
        for path in paths:
            found = len(check_file(path).diagnostics)
            count += found
            if found and i == 0:
                flagged.add(path)
        passes.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if i == 0:
            findings = count
    first = passes[0]
    best = min(passes)
    n = len(paths)
    return {
        "files": n,
        "findings": findings,
        "first_pass_s": round(first, 4),
        "first_pass_files_per_s": round(n / first, 1),
        "first_pass_cpu_s": round(cpu[0], 4),
        "first_pass_files_per_cpu_s": round(n / cpu[0], 1),
        "best_pass_s": round(best, 4),
        "best_pass_files_per_s": round(n / best, 1),
        "best_pass_files_per_cpu_s": round(n / min(cpu), 1),
        "ms_per_file": round(1000 * first / n, 3),
        "flagged": sorted(str(p) for p in flagged),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def corpus_sanity(corpus: Path, flagged: list[str]) -> dict:
    """Files generated clean that got findings, and planted mistakes that got none."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    hit = {str(Path(p).relative_to(corpus)) for p in flagged}
    clean_flagged = sorted(p for p, m in manifest.items() if m is None and p in hit)
    missed = sorted(p for p, m in manifest.items() if m is not None and p not in hit)
    return {
        "planted": sum(m is not None for m in manifest.values()),
        "clean_with_findings": len(clean_flagged),
        "planted_missed": len(missed),
        "examples": (clean_flagged + missed)[:5],
    }


def run_cli(
    directory: Path, cache: Path | None = None
) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """(wall seconds, child CPU seconds, the finished process); no cache unless ``cache``."""
    flags = [] if cache is not None else ["--no-cache"]
    command = [*cli_command(), "check", *flags, "--output-format", "json", str(directory)]
    env = cli_env()
    if cache is not None:
        env["ROCM_LSP_CACHE_DIR"] = str(cache)
    start, start_cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(command, capture_output=True, env=env, check=False, cwd=directory)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - start_cpu
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"rocm-lsp check exited {proc.returncode}: {proc.stderr.decode()}")
    return elapsed, cpu, proc


def end_to_end(directory: Path, one_file_dir: Path, files: int, repeat: int) -> dict:
    run_cli(one_file_dir)  # page in the interpreter and the package's .pyc files
    startup = statistics.median(run_cli(one_file_dir)[0] for _ in range(max(1, repeat)))
    times, cpus = [], []
    findings = 0
    for _ in range(max(1, repeat)):
        elapsed, cpu, proc = run_cli(directory)
        times.append(elapsed)
        cpus.append(cpu)
        findings = len(json.loads(proc.stdout or b"[]"))
    wall = statistics.median(times)
    cpu = statistics.median(cpus)
    command = [Path(c).name for c in cli_command()]
    with tempfile.TemporaryDirectory() as cache:
        run_cli(directory, Path(cache))  # fills the content-addressed cache
        warm = statistics.median(run_cli(directory, Path(cache))[0] for _ in range(max(1, repeat)))
    return {
        "warm_cache_wall_s": round(warm, 4),
        "warm_cache_files_per_s": round(files / warm, 1),
        "files": files,
        "findings": findings,
        "wall_s": round(wall, 4),
        "files_per_s": round(files / wall, 1),
        "cpu_s": round(cpu, 4),
        "files_per_cpu_s": round(files / cpu, 1),
        "startup_s": round(startup, 4),
        "files_per_s_excl_startup": round(files / max(wall - startup, 1e-9), 1),
        "command": " ".join(command) + " check --output-format json DIR",
    }


def profile(paths: list[Path], top: int) -> str:
    """cProfile of one pass: the top functions by own time, then rocm_lsp's by cumulative."""
    prof = cProfile.Profile()
    prof.enable()
    for path in paths:
        check_file(path)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    out.write(f"cProfile of one pass over {len(paths)} files: {total:.2f} s under the profiler\n")
    for title, key, only in (
        ("by own time", "tottime", None),
        ("by cumulative time", "cumulative", ("rocm_lsp", "jinja2", "tree_sitter")),
    ):
        out.write(f"\n| {title} | calls | own s | cum s | cum % |\n|---|---:|---:|---:|---:|\n")
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2 if key == "tottime" else 3])  # type: ignore[attr-defined]
        shown = 0
        for (filename, line, name), (_cc, calls, own, cum, _callers) in rows:
            if only and not any(part in filename for part in only):
                continue
            where = _short(filename)
            out.write(
                f"| `{where}:{line}({name})` | {calls} | {own:.3f} | {cum:.3f} | {100 * cum / total:.1f} |\n"
            )
            shown += 1
            if shown >= top:
                break
    return out.getvalue()


def _short(filename: str) -> str:
    for marker in ("site-packages/", "server/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rocm-lsp check throughput on one core")
    parser.add_argument("--count", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="passes / CLI runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="200 files, 1 repeat")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    parser.add_argument("--profile", type=int, metavar="N", default=0, help="cProfile, top N")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.repeat = min(args.count, 200), 1
    cpu = pin_to_one_core()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="rocm-lsp-bench-") as tmp:
        root = Path(tmp)
        generate(root / "corpus", args.count, args.seed)
        warm_paths = generate(root / "warmup", 8, args.seed + 10_000)
        one = root / "one"
        one.mkdir()
        shutil.copy(warm_paths[0], one / warm_paths[0].name)
        paths = list(discover([root / "corpus"]))
        lines = sum(p.read_text().count("\n") for p in paths)
        inproc = in_process(paths, warm_paths, args.repeat)
        sanity = corpus_sanity(root / "corpus", inproc.pop("flagged"))
        cli = None if args.no_cli else end_to_end(root / "corpus", one, len(paths), args.repeat)
        report = profile(paths, args.profile) if args.profile else None

    rows = [
        (
            "in-process, first pass",
            inproc["first_pass_files_per_s"],
            inproc["first_pass_files_per_cpu_s"],
            inproc["first_pass_s"],
        ),
        (
            "in-process, best pass",
            inproc["best_pass_files_per_s"],
            inproc["best_pass_files_per_cpu_s"],
            inproc["best_pass_s"],
        ),
    ]
    if cli is not None:
        rows.append(("CLI end to end (median)", cli["files_per_s"], cli["files_per_cpu_s"], cli["wall_s"]))
        rows.append(("CLI start-up alone (1 file)", None, None, cli["startup_s"]))
        rows.append(
            (
                "CLI, unchanged files (warm check cache)",
                cli["warm_cache_files_per_s"],
                None,
                cli["warm_cache_wall_s"],
            )
        )
    print(f"rocm-lsp check: {len(paths)} files ({lines} lines), {inproc['findings']} findings;")
    load_text = "" if load is None else f", load average {load:.2f} at start"
    print(f"pinned to CPU {cpu}{load_text}; aim >= {AIM_FILES_PER_S:.0f} files/s\n")
    print("| measurement | files/s (wall) | files/s (CPU) | wall s | aim met |")
    print("|---|---:|---:|---:|---|")
    for name, rate, cpu_rate, seconds in rows:
        met = "" if rate is None else ("yes" if rate >= AIM_FILES_PER_S else "no")
        shown = "" if rate is None else f"{rate:.0f}"
        cpu_shown = "" if cpu_rate is None else f"{cpu_rate:.0f}"
        print(f"| {name} | {shown} | {cpu_shown} | {seconds:.3f} | {met} |")
    print(
        f"\nsanity: {sanity['planted']} files have a planted mistake; "
        f"{sanity['planted_missed']} of them got no finding, "
        f"{sanity['clean_with_findings']} clean files got findings"
        + ("" if not sanity["examples"] else f" (e.g. {', '.join(sanity['examples'][:3])})")
    )
    if cli is not None and cli["findings"] != inproc["findings"]:
        print(
            f"\nnote: the CLI reported {cli['findings']} findings, the warmed-up in-process "
            f"pass {inproc['findings']} (a cold process differs, e.g. a render time budget "
            "spent on a lazy import)"
        )
    print()
    if report:
        print(report)
    result = {
        "bench": "check_throughput",
        "cpu": cpu,
        "loadavg_1m": load,
        "files": len(paths),
        "lines": lines,
        "findings": inproc["findings"],
        "aim_files_per_s": AIM_FILES_PER_S,
        "in_process": inproc,
        "sanity": sanity,
        "cli": cli,
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
