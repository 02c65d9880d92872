"""Pathological templates: how long each takes and how much memory, and how responsive the
server stays meanwhile.

* Each case of ``tests/robustness/pathological.py`` (an endless loop, a recursive macro,
  ``range(10**12)``, a 10 MB file, binary data, 10,000 header nodes, ``"s0**999"``, memory
  bombs…) is checked with ``check_file`` in a fresh process: wall time, the finding, and the
  peak resident memory above the process's baseline after imports.
* The server: while a document whose every version takes 2 s to render is typed in (a
  version every 50 ms), another document is edited and hovered; the hover's latency is
  measured ``--rounds`` times.

Usage: ``python bench/load_pathological.py [--rounds 20]`` (``--quick``: 5 rounds).
Prints markdown tables and a JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests" / "robustness"))
from pathological import CASES  # noqa: E402

from lsp_latency import pct  # noqa: E402

ONE_CASE = """
import json, resource, sys, time
from pathlib import Path
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.workspace.check import check_file
analyze('{#- rocm-lsp\\n[nodes]\\nX = { dtype = "float16", size = ["s0"] }\\n-#}{{ kernel.size(X, 0) }}')
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
report = check_file(Path(sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
codes = sorted({d.code for d in report.diagnostics})
print(json.dumps({"seconds": seconds, "peak_above_baseline_mib": (peak - base) / 1024, "codes": codes}))
"""


def each_case(folder: Path) -> list[dict]:
    rows = []
    for case in CASES:
        path = folder / f"{case.name}.hip.jinja"
        path.write_bytes(case.data)
        proc = subprocess.run([sys.executable, "-c", ONE_CASE, str(path)], capture_output=True, text=True)
        found = json.loads(proc.stdout)
        rows.append({"case": case.name, "bytes": len(case.data), **found})
    return rows


async def responsiveness(rounds: int) -> dict:
    client = LanguageClient("pathological", "1")
    client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda params: None)
    await client.start_io(sys.executable, "-m", "rocm_lsp", "serve")
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri="file:///p")
    )
    client.initialized(lsp.InitializedParams())
    gemm = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
    slow = next(c for c in CASES if c.name == "endless_loop").data.decode()
    normal, busy = "file:///p/gemm.hip.jinja", "file:///p/slow.hip.jinja"
    for uri, text in ((normal, gemm), (busy, slow)):
        item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    where = lsp.Position(gemm[: gemm.index("kernel.def_kernel(")].count("\n"), 12)
    waits, version, pending = [], 1, []
    for i in range(rounds):
        for _ in range(5):  # typing in the slow document; each version is asked for (code lens)
            version += 1
            change = lsp.TextDocumentContentChangeWholeDocument(text=slow + " " * version)
            ident = lsp.VersionedTextDocumentIdentifier(uri=busy, version=version)
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(ident, [change]))
            lens = client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(busy)))
            pending.append(asyncio.ensure_future(lens))
            await asyncio.sleep(0.05)
        change = lsp.TextDocumentContentChangeWholeDocument(text=gemm + "\n" * (i + 1))
        ident = lsp.VersionedTextDocumentIdentifier(uri=normal, version=i + 2)
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(ident, [change]))
        start = time.perf_counter()
        await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(normal), where))
        waits.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.5)
    await asyncio.gather(*pending)
    await client.shutdown_async(None)
    client.exit(None)
    return {
        "rounds": rounds,
        "p50": round(pct(waits, 0.5)),
        "p90": round(pct(waits, 0.9)),
        "max": round(max(waits)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = each_case(Path(folder))
    hover = asyncio.run(responsiveness(5 if args.quick else args.rounds))
    print("| case | size | time | peak memory above baseline | finding |\n|---|---:|---:|---:|---|")
    for r in rows:
        size = f"{r['bytes'] / 1e6:.1f} MB" if r["bytes"] > 1e5 else f"{r['bytes']} B"
        codes = ", ".join(c for c in r["codes"] if c != "RL214") or ", ".join(r["codes"])
        peak = f"{r['peak_above_baseline_mib']:.0f} MiB"
        print(f"| `{r['case']}` | {size} | {r['seconds']:.2f} s | {peak} | {codes} |")
    print(
        f"\nhover on another document while a 2 s document is typed in ({hover['rounds']} rounds): "
        f"p50 {hover['p50']} ms, p90 {hover['p90']} ms, max {hover['max']} ms\n"
    )
    print(json.dumps({"bench": "load_pathological", "cases": rows, "hover_while_busy_ms": hover}))


if __name__ == "__main__":
    main()
