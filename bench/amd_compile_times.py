"""What a device-only AMD compile costs, per shipped template and target, in CPU seconds.

For each portable template (``templates/*.hip.jinja`` without Composable Kernel) and each gfx
target, the template is rendered once (``analyze``), then compiled ``--rounds`` times into a
fresh build cache (no cache hit) with the toolchain ``discover`` picks for ``--check-only``
(upstream clang-22 here; docs/amd-targets.md), and with ``--compiler hipcc`` for the targets
that hipcc builds, for comparison. CPU seconds are the compiler's (its children's user +
system time, from ``getrusage``); wall seconds include the process start.

Usage::

    python bench/amd_compile_times.py [--rounds 3] [--targets gfx942,gfx950]

Prints a markdown table, then one JSON line (``{"bench": "amd_compile_times", ...}``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.engine.line_map import compiler_source
from rocm_lsp.gpu.compile import amd_only_reason, compile_source
from rocm_lsp.gpu.toolchain import NoToolchain, Toolchain, discover

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").glob("*.hip.jinja"))
TARGETS = ("gfx942", "gfx950", "gfx90a", "gfx1100", "gfx1201")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(source: str, filename: str, tool: Toolchain, rounds: int) -> tuple[float, float, bool]:
    """(median CPU s, median wall s, all compiled) over ``rounds`` uncached compiles."""
    cpu, wall, ok = [], [], True
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as cache:
            before, start = _children_cpu(), time.perf_counter()
            result = compile_source(source, filename, tool, check_only=True, root=Path(cache))
            wall.append(time.perf_counter() - start)
            cpu.append(_children_cpu() - before)
            ok = ok and result.ok
    return statistics.median(cpu), statistics.median(wall), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    targets = args.targets.split(",")
    toolchains: list[tuple[str, Toolchain]] = []
    for arch in targets:
        toolchains.append((arch, discover(None, arch, check_only=True)))
    for arch in targets:
        try:
            tool = discover("hipcc", arch)
        except NoToolchain:
            continue
        if not tool.device_only and arch in ("gfx90a", "gfx1030"):
            toolchains.append((arch, tool))
    rows = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        analysis = analyze(text)
        if analysis.rendered is None or analysis.rendered.text is None:
            continue
        source = compiler_source(analysis, path.name).text
        if amd_only_reason(source):
            continue
        for arch, tool in toolchains:
            cpu, wall, ok = measure(source, path.name, tool, args.rounds)
            compiler = Path(tool.compiler).name
            rows.append({"template": path.stem.removesuffix(".hip"), "arch": arch, "compiler": compiler,
                         "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "ok": ok})  # fmt: skip
    print("| template | target | compiler | CPU s (median) | wall s | compiled |")
    print("|---|---|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['template']} | {r['arch']} | {r['compiler']} | {r['cpu_s']:.2f} | {r['wall_s']:.2f} | "
              f"{'yes' if r['ok'] else 'NO'} |")  # fmt: skip
    print(json.dumps({"bench": "amd_compile_times", "rounds": args.rounds, "rows": rows}))


if __name__ == "__main__":
    main()
