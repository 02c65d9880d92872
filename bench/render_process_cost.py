"""What rendering in a contained child process costs, per template, in milliseconds.

For each shipped template (``templates/*.hip.jinja``, the 527-line GEMM among them) the
template, header and profile come from one ``analyze(text)``; then, in interleaved rounds
(contained, in-process, contained, … so that a busy machine disturbs both alike), the bench
times ``render(template, header, profile, contained=True)`` (a child forked from the render
helper, OS limits, result sent back as data) against ``contained=False`` (the same render
here, under the watchdog), and the full ``analyze(text)`` (which renders contained once, and
a second time with [shapes] substituted when the header has shapes).

Reports median and p90 of each and the median difference (contained - in-process).

Usage::

    python bench/render_process_cost.py [--rounds 100] [--warm-up 5]

Prints a markdown table, then one JSON line (``{"bench": "render_process_cost", ...}``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.engine.render import render

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").glob("*.hip.jinja"))


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def measure(path: Path, rounds: int, warm_up: int) -> dict[str, object]:
    text = path.read_text()
    analysis = analyze(text)
    if analysis.template is None:
        raise SystemExit(f"{path.name}: no template ({[d.code for d in analysis.diagnostics]})")
    template, header, profile = analysis.template, analysis.header, analysis.profile
    times: dict[str, list[float]] = {"contained": [], "in_process": [], "analyze": []}
    for i in range(warm_up + rounds):
        start = time.perf_counter()
        contained = render(template, header, profile, contained=True)
        t_contained = _ms(start)
        start = time.perf_counter()
        plain = render(template, header, profile, contained=False)
        t_plain = _ms(start)
        start = time.perf_counter()
        analyze(text)
        t_analyze = _ms(start)
        if contained.failure is not None or plain.failure is not None or contained.text != plain.text:
            raise SystemExit(f"{path.name}: the contained and in-process renders differ")
        if i >= warm_up:
            times["contained"].append(t_contained)
            times["in_process"].append(t_plain)
            times["analyze"].append(t_analyze)
    row: dict[str, object] = {"template": path.name, "lines": text.count("\n") + 1}
    for key, values in times.items():
        row[f"{key}_median_ms"] = statistics.median(values)
        row[f"{key}_p90_ms"] = _p90(values)
    diffs = [c - p for c, p in zip(times["contained"], times["in_process"], strict=True)]
    row["difference_median_ms"] = statistics.median(diffs)
    row["difference_p90_ms"] = _p90(diffs)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warm-up", type=int, default=5)
    args = parser.parse_args()
    rows = [measure(path, args.rounds, args.warm_up) for path in TEMPLATES]
    print(f"render cost per template, {args.rounds} interleaved rounds (ms)\n")
    print(
        "| template | lines | contained p50 | p90 | in-process p50 | p90 "
        "| difference p50 | p90 | analyze() p50 | p90 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = [
            r[k]
            for k in (
                "contained_median_ms",
                "contained_p90_ms",
                "in_process_median_ms",
                "in_process_p90_ms",
                "difference_median_ms",
                "difference_p90_ms",
                "analyze_median_ms",
                "analyze_p90_ms",
            )
        ]
        print(f"| {r['template']} | {r['lines']} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    print(json.dumps({"bench": "render_process_cost", "rounds": args.rounds, "rows": rows}))


if __name__ == "__main__":
    main()
