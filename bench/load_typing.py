"""Load: many open templates edited at typing speed, with hovers, against ``rocm-lsp serve``.

50 generated templates (``gen_corpus.py``) are opened; then for a minute one keystroke
every 100 ms lands on a random one of them (an inserted character, now and then a
backspace, sent as an incremental ``didChange``), each followed by the inlay-hint and
code-lens requests VS Code sends after an edit; twice a second a hover on a hook call of a
random document. Measured: diagnostics latency (``didChange`` sent to the
``publishDiagnostics`` of that version arriving, the 100 ms debounce included), hover and
editor-request latency, requests left unanswered, and the server's resident memory over
time (VmRSS each second).

Usage: ``python bench/load_typing.py [--docs 50] [--seconds 60] [--rate 10] [--hovers 2]``
(``--quick``: 20 s). Prints a markdown table and a JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_corpus import generate  # noqa: E402
from lsp_latency import pct, rss_mib  # noqa: E402

TYPED = "abcdefghijklmnopqrstuvwxyz_0123456789 ;(),+*"


def position(text: str, offset: int) -> lsp.Position:
    """LSP position of ``offset`` (ASCII text, ``\\n`` lines)."""
    line = text.count("\n", 0, offset)
    return lsp.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(pct(values, 0.5), 1),
        "p90": round(pct(values, 0.9), 1),
        "p99": round(pct(values, 0.99), 1),
        "max": round(max(values), 1),
    }


class Session:
    """The client side: documents as the client holds them, and when each version was sent."""

    def __init__(self) -> None:
        self.client = LanguageClient("load", "1")
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.sent: dict[tuple[str, int], float] = {}
        self.diagnostics_ms: list[float] = []
        self.published: dict[str, int] = {}
        self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda params: self._published(params))

    def _published(self, params: lsp.PublishDiagnosticsParams) -> None:
        if params.version is None:
            return
        self.published[params.uri] = params.version
        sent = self.sent.pop((params.uri, params.version), None)
        if sent is not None:
            self.diagnostics_ms.append((time.perf_counter() - sent) * 1000)

    def open(self, uri: str, text: str) -> None:
        self.texts[uri], self.versions[uri] = text, 1
        self.sent[(uri, 1)] = time.perf_counter()
        item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))

    def keystroke(self, uri: str, rng: random.Random) -> None:
        text = self.texts[uri]
        body = text.index("-#}") + 4
        offset = rng.randrange(body, len(text))
        if rng.random() < 0.1 and text[offset - 1] not in "\n{}%#":
            start, end, new = offset - 1, offset, ""  # backspace
        else:
            start, end, new = offset, offset, rng.choice(TYPED)
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(position(text, start), position(text, end)), text=new
        )
        self.texts[uri] = text[:start] + new + text[end:]
        self.versions[uri] += 1
        version = self.versions[uri]
        self.sent[(uri, version)] = time.perf_counter()
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
            )
        )


async def _timed(request) -> float:  # noqa: ANN001 - an awaitable
    start = time.perf_counter()
    await request
    return (time.perf_counter() - start) * 1000


async def run(docs: int, seconds: float, rate: float, hovers: float, seed: int) -> dict:
    session = Session()
    client = session.client
    await client.start_io(sys.executable, "-m", "rocm_lsp", "serve")
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri="file:///load")
    )
    client.initialized(lsp.InitializedParams())
    pid = client._server.pid  # type: ignore[union-attr]
    rss = [(0.0, rss_mib(pid))]
    with tempfile.TemporaryDirectory() as folder:
        paths = generate(Path(folder), docs, seed=seed)
        for path in paths:
            session.open(f"file:///load/{path.name}", path.read_text())
    rng = random.Random(seed)
    uris = list(session.texts)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while any(session.published.get(u) != 1 for u in uris) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    opened_ms = percentiles(session.diagnostics_ms)
    session.diagnostics_ms.clear()

    hover_tasks: list[asyncio.Task[float]] = []
    editor_tasks: list[asyncio.Task[float]] = []
    start = loop.time()
    keystrokes = next_hover = next_sample = 0
    while (now := loop.time() - start) < seconds:
        if now >= keystrokes / rate:
            uri = rng.choice(uris)
            session.keystroke(uri, rng)
            doc = lsp.TextDocumentIdentifier(uri)
            whole = lsp.Range(lsp.Position(0, 0), lsp.Position(session.texts[uri].count("\n") + 1, 0))
            editor_tasks.append(
                asyncio.ensure_future(
                    _timed(client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, whole)))
                )
            )
            editor_tasks.append(
                asyncio.ensure_future(_timed(client.text_document_code_lens_async(lsp.CodeLensParams(doc))))
            )
            keystrokes += 1
        if hovers and now >= next_hover / hovers:
            uri = rng.choice(uris)
            text = session.texts[uri]
            hooks = [i + 8 for i in range(len(text)) if text.startswith("kernel.", i)] or [0]
            where = position(text, rng.choice(hooks))
            hover = client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), where))
            hover_tasks.append(asyncio.ensure_future(_timed(hover)))
            next_hover += 1
        if now >= next_sample:
            rss.append((round(now, 1), rss_mib(pid)))
            next_sample += 1
        await asyncio.sleep(0.005)
    answered = await asyncio.wait_for(
        asyncio.gather(*hover_tasks, *editor_tasks, return_exceptions=True), 300
    )
    failed = [a for a in answered if isinstance(a, BaseException)]
    settle = loop.time() + 30
    while any(session.published.get(u) != session.versions[u] for u in uris) and loop.time() < settle:
        await asyncio.sleep(0.05)
    stale = sum(session.published.get(u) != session.versions[u] for u in uris)
    rss.append((round(loop.time() - start, 1), rss_mib(pid)))
    await client.shutdown_async(None)
    client.exit(None)
    hover_ms = [a for a in answered[: len(hover_tasks)] if isinstance(a, float)]
    editor_ms = [a for a in answered[len(hover_tasks) :] if isinstance(a, float)]
    return {
        "docs": docs,
        "seconds": seconds,
        "keystrokes": keystrokes,
        "hovers": len(hover_tasks),
        "open_diagnostics_ms": opened_ms,
        "diagnostics_after_edit_ms": percentiles(session.diagnostics_ms),
        "versions_not_published": len(session.sent),  # superseded within the debounce
        "documents_not_at_latest_version": stale,
        "hover_ms": percentiles(hover_ms),
        "editor_requests_ms": percentiles(editor_ms),
        "failed_requests": len(failed),
        "rss_mib": {"samples": rss, "start": rss[0][1], "end": rss[-1][1], "max": max(r for _, r in rss)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=10.0, help="keystrokes per second, all documents")
    parser.add_argument("--hovers", type=float, default=2.0, help="hovers per second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(
        run(args.docs, 20.0 if args.quick else args.seconds, args.rate, args.hovers, args.seed)
    )
    d, h, e = result["diagnostics_after_edit_ms"], result["hover_ms"], result["editor_requests_ms"]
    o, m = result["open_diagnostics_ms"], result["rss_mib"]
    load = f"{result['keystrokes']} keystrokes and {result['hovers']} hovers in {result['seconds']:.0f} s"
    print(f"{result['docs']} templates, {load}\n")
    print("| measurement | p50 | p90 | p99 | max | n |\n|---|---:|---:|---:|---:|---:|")
    for name, s in (
        ("diagnostics after opening (all at once)", o),
        ("diagnostics after a keystroke (100 ms debounce included)", d),
        ("hover", h),
        ("inlay hints + code lens after a keystroke", e),
    ):
        cells = " | ".join(f"{s.get(k)} ms" for k in ("p50", "p90", "p99", "max"))
        print(f"| {name} | {cells} | {s['n']} |")
    print(
        f"\nfailed requests: {result['failed_requests']}; documents not at their latest version after "
        f"settling: {result['documents_not_at_latest_version']}; resident memory {m['start']:.1f} → "
        f"{m['end']:.1f} MiB (max {m['max']:.1f})\n"
    )
    print(json.dumps({"bench": "load_typing", **result}))


if __name__ == "__main__":
    main()
