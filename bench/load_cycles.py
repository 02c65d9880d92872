"""Leaks: open, analyse, hover and close documents hundreds of times; does the server grow?

Each cycle opens a template under a new URI (the shipped templates in turn), waits for its
diagnostics, hovers a hook call, asks for code lenses and inlay hints, and closes it. The
server's resident memory (VmRSS) is sampled every ``--every`` cycles; the slope over the
second half (after warm-up: imports, caches) is the leak rate, in KiB per cycle.

Usage: ``python bench/load_cycles.py [--cycles 500] [--every 25]`` (``--quick``: 100).
Prints a markdown table and a JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import rss_mib  # noqa: E402

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").glob("*.hip.jinja"))


def slope(samples: list[tuple[int, float]]) -> float:
    """Least-squares slope of (cycle, MiB), in KiB per cycle."""
    xs, ys = [x for x, _ in samples], [y for _, y in samples]
    if len(xs) < 2 or len(set(xs)) < 2:
        return 0.0
    return statistics.linear_regression(xs, ys).slope * 1024


async def cycle(client: LanguageClient, uri: str, text: str, published: dict[str, asyncio.Future]) -> None:
    done = published[uri] = asyncio.get_running_loop().create_future()
    item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    await asyncio.wait_for(done, 120)
    doc = lsp.TextDocumentIdentifier(uri)
    offset = text.index("kernel.") + 8
    where = lsp.Position(text.count("\n", 0, offset), offset - text.rfind("\n", 0, offset) - 1)
    await client.text_document_hover_async(lsp.HoverParams(doc, where))
    await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
    end = lsp.Position(text.count("\n") + 1, 0)
    await client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, lsp.Range(lsp.Position(0, 0), end)))
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc))


async def run(cycles: int, every: int) -> dict:
    client = LanguageClient("leaks", "1")
    published: dict[str, asyncio.Future] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        future = published.pop(params.uri, None)
        if future is not None and params.version is not None and not future.done():
            future.set_result(None)

    await client.start_io(sys.executable, "-m", "rocm_lsp", "serve")
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri="file:///c")
    )
    client.initialized(lsp.InitializedParams())
    pid = client._server.pid  # type: ignore[union-attr]
    texts = [p.read_text() for p in TEMPLATES]
    samples: list[tuple[int, float]] = [(0, rss_mib(pid))]
    start = time.perf_counter()
    for i in range(cycles):
        await cycle(
            client,
            f"file:///cycles/{i}/{TEMPLATES[i % len(TEMPLATES)].name}",
            texts[i % len(texts)],
            published,
        )
        if (i + 1) % every == 0:
            samples.append((i + 1, rss_mib(pid)))
    seconds = time.perf_counter() - start
    await client.shutdown_async(None)
    client.exit(None)
    second_half = [s for s in samples if s[0] >= cycles // 2]
    return {
        "cycles": cycles,
        "seconds": round(seconds, 1),
        "rss_mib": [(c, round(m, 1)) for c, m in samples],
        "growth_mib": round(samples[-1][1] - samples[0][1], 1),
        "second_half_growth_mib": round(second_half[-1][1] - second_half[0][1], 1),
        "slope_kib_per_cycle_second_half": round(slope(second_half), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(100 if args.quick else args.cycles, args.every))
    samples = result["rss_mib"]
    print(f"{result['cycles']} open/analyse/hover/close cycles in {result['seconds']} s\n")
    print("| measurement | value |\n|---|---:|")
    first, last = samples[0][1], samples[-1][1]
    print(f"| resident memory at start / after {samples[-1][0]} cycles | {first} / {last} MiB |")
    print(f"| growth over the second half | {result['second_half_growth_mib']} MiB |")
    print(f"| slope over the second half | {result['slope_kib_per_cycle_second_half']} KiB/cycle |\n")
    print(json.dumps({"bench": "load_cycles", **result}))


if __name__ == "__main__":
    main()
