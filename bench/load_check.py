"""Load: ``rocm-lsp check`` over 10,000 generated templates, cold and with a warm cache.

The corpus comes from ``gen_corpus.py`` (seeded, in folders of 100 files; about 10% of
files carry a planted mistake). Measured for the CLI as CI runs it (``--output-format json``): wall time, CPU
time, files per second, findings, the exit status, and the resident memory of the process
sampled every half second (so growth with the number of files shows).

Usage: ``python bench/load_check.py [--files 10000]`` (``--quick``: 1000 files).
Prints a markdown table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_throughput import cli_command, cli_env  # noqa: E402
from gen_corpus import generate  # noqa: E402
from lsp_latency import rss_mib  # noqa: E402


def check(directory: Path, cache: Path | None) -> dict:
    flags = ["--no-cache"] if cache is None else []
    env = cli_env()
    if cache is not None:
        env["ROCM_LSP_CACHE_DIR"] = str(cache)
    command = [*cli_command(), "check", *flags, "--output-format", "json", str(directory)]
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env, cwd=directory)
        rss: list[tuple[float, float]] = []
        while proc.poll() is None:
            try:
                rss.append((round(time.perf_counter() - start, 1), round(rss_mib(proc.pid), 1)))
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        wall = time.perf_counter() - start
        out.seek(0)
        findings = json.loads(out.read() or b"[]")
    cpu = round(_cpu_seconds() - cpu_start, 1)
    return {
        "exit": proc.returncode,
        "wall_s": round(wall, 1),
        "files_findings": len({f["filename"] for f in findings}),
        "findings": len(findings),
        "rss_mib_max": max((r for _, r in rss), default=0.0),
        "rss_mib_samples": rss[:: max(1, len(rss) // 20)],
        "cpu_s": cpu,
        "stderr_tail": proc.stderr.read().decode(errors="replace")[-300:] if proc.stderr else "",
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    files = 1000 if args.quick else args.files
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        made = 0
        for seed in range(10 * files):  # folders of 100 (seeded; a seed the generator cannot
            count = min(100, files - made)  # finish is skipped)
            if count <= 0:
                break
            try:
                generate(corpus / f"part{seed:02d}", count, seed=seed)
            except StopIteration:
                continue
            made += count
        lines = sum(p.read_text().count("\n") + 1 for p in corpus.rglob("*.hip.jinja"))
        cold = check(corpus, None)
        cache = Path(tmp) / "cache"
        filling = check(corpus, cache)
        warm = check(corpus, cache)
    result = {"files": files, "lines": lines, "cold": cold, "filling_cache": filling, "warm_cache": warm}
    print(f"rocm-lsp check of {files:,} templates ({lines:,} lines)\n")
    print("| run | wall | CPU | files/s | findings (files) | exit | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, run in (("cold (--no-cache)", cold), ("filling the cache", filling), ("warm cache", warm)):
        rate = files / run["wall_s"]
        print(
            f"| {name} | {run['wall_s']} s | {run['cpu_s']} s | {rate:.0f} | {run['findings']} "
            f"({run['files_findings']}) | {run['exit']} | {run['rss_mib_max']} MiB |"
        )
    print()
    print(json.dumps({"bench": "load_check", **result}))


if __name__ == "__main__":
    main()
