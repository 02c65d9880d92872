"""The README's table: each template against the natural op and torch.compile, from one
``bash bench/choices_gpu.sh measure`` run (its $OUT folder: ``machine.txt``, ``NAME.bench.json``
from ``rocm-lsp bench``, ``NAME.independent.json`` from ``bench/independent_timing.py``).

Usage: ``python bench/choices_table.py OUT`` prints Markdown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def row(name: str, bench: dict, independent: dict | None) -> str:
    report = bench.get("report") or {}
    timing = report.get("timing") or {}
    median = timing.get("median")
    if not bench.get("ok") or median is None:
        return f"| `{name}` | {bench.get('summary', 'not measured')} | | | | | | |"
    choices = report.get("choices") or {}

    def choice(key: str) -> tuple[str, str]:
        c = choices.get(key) or {}
        ms = (c.get("timing") or {}).get("median") if c.get("ok") else None
        if ms is None:
            return "failed", "—"
        return f"{ms:.4f}", f"{ms / median:.2f}×"

    # the binding limit: whichever of the FLOP and bandwidth peaks the kernel is closer to
    if (report.get("flops_fraction") or 0) > (report.get("bandwidth_fraction") or 0):
        rate = f"{report['tflops']:.0f} TFLOP/s ({report['flops_fraction']:.0%} of torch.mm)"
    else:
        gbps, fraction = report.get("bandwidth_gbps") or 0, report.get("bandwidth_fraction")
        rate = f"{gbps / 1000:.2f} TB/s" + (f" ({fraction:.0%} of copy)" if fraction else "")
    eager_ms, eager_x = choice("eager")
    inductor_ms, inductor_x = choice("inductor")
    agreement = ""
    if independent and independent.get("kernel_ms_do_bench"):
        other = independent["kernel_ms_do_bench"]
        agreement = f"{other:.4f} ({abs(median - other) / other:.1%})"
    check = (report.get("check") or {}).get("status", "")
    return (
        f"| `{name}` | {median:.4f} ({check}) | {agreement} | {rate} | {eager_ms} | {eager_x} | "
        f"{inductor_ms} | {inductor_x} |"
    )


def main(out: Path) -> None:
    machine = (out / "machine.txt").read_text(encoding="utf-8").strip().splitlines()
    print(f"Measured with `bash bench/choices_gpu.sh measure` on {'; '.join(machine)}.\n")
    print(
        "| template | kernel ms (the lens; check) | kernel ms, do_bench (agreement) | rate | "
        "eager baseline ms | × eager | torch.compile ms | × Inductor |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for bench_file in sorted(out.glob("*.bench.json")):
        name = bench_file.name.removesuffix(".bench.json")
        independent_file = out / f"{name}.independent.json"
        try:
            independent = json.loads(independent_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            independent = None
        print(row(name, json.loads(bench_file.read_text(encoding="utf-8")), independent))
    print("\n× eager, × Inductor: the baseline's median over the kernel's (above 1: the template is faster).")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
