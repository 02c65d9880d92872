"""Language-server latency as an editor feels it, over stdio against ``rocm-lsp serve``.

Measures
* **initialize**: from spawning the process to the ``initialize`` response (imports included);
* **hover**: round trips on hook calls of a ~300-line template, warm (p50/p90/p99);
* **diagnostics after an edit**: from sending ``didChange`` to receiving
  ``publishDiagnostics`` for that version, minus the 100 ms debounce = the work;
* **resident memory** of the server after the session (VmRSS), and after 50 open/close cycles.

Usage: ``python bench/lsp_latency.py [--quick]``. Prints a markdown table and a JSON line.
Aims (issue 3): hover p99 <= 5 ms, initialize <= 600 ms, diagnostics <= 20 ms of work.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import functools
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_latency import template_for  # noqa: E402

DEBOUNCE_S = 0.1
SETTLE_S = 20.0  # the longest wait for a measured process's descendants to end
PR_SET_CHILD_SUBREAPER = 36  # prctl(2)


def installed(name: str) -> str | None:
    """The program ``name`` beside this Python (the bench's virtual environment), else on PATH."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


@functools.cache
def adopt_orphans() -> bool:
    """Make this process the subreaper of its descendants (Linux): a server's render helper,
    orphaned when the server exits, is then this process's child, which it can wait for."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def settle() -> None:
    """Wait until every process a measurement started has ended, its render helper and spare
    children too (a server's helper finishes its warm-up, up to a second, after the server
    exits): the next measurement starts on a machine as quiet as this one was. Call it only
    when no process this one started is still wanted."""
    if not adopt_orphans():
        return
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


async def close(client: LanguageClient) -> None:
    """Shut the server down and wait until it and every process it started have ended (the
    client stops inside this event loop, where the server's pipes close)."""
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    settle()


BARE_SERVER = """
from pygls.lsp.server import LanguageServer
from lsprotocol import types as lsp
server = LanguageServer("bare", "1")
@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls, params):
    return None
server.start_io()
"""


async def initialize_ms(command: list[str]) -> float:
    """Spawn to ``initialize`` response, for any server command; returns once the server and
    every process it started have ended."""
    adopt_orphans()
    client = LanguageClient("bench", "1")
    start = time.perf_counter()
    await client.start_io(*command)
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
    elapsed = (time.perf_counter() - start) * 1000
    await close(client)
    return elapsed


async def initialize_floor(runs: int) -> dict:
    """rocm-lsp's initialize beside a bare pygls server's, the floor on this machine."""
    ours = [await initialize_ms([sys.executable, "-m", "rocm_lsp", "serve"]) for _ in range(runs)]
    bare = [await initialize_ms([sys.executable, "-c", BARE_SERVER]) for _ in range(runs)]
    return {
        "rocm_lsp_median_ms": round(statistics.median(ours)),
        "bare_pygls_median_ms": round(statistics.median(bare)),
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(hovers: int, edits: int, cycles: int, text: str | None = None, new_lines: bool = False) -> dict:
    """The session on ``text`` (default: a ~300-line synthetic template); the result keeps
    every hover and diagnostics-work sample too (``hover_samples_ms``, ``work_samples_ms``).
    Each edit rewrites the last line (a keystroke), or with ``new_lines`` adds one below the
    header (Enter: every template line moves). Returns once every process it started has ended."""
    adopt_orphans()  # close() below then waits for the server's render helper too
    text = text if text is not None else template_for("seed", 300, 0)
    uri = "file:///bench/latency.hip.jinja"
    client = LanguageClient("bench", "1")
    published: dict[int | None, float] = {}
    waiters: dict[int, asyncio.Future[float]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        now = time.perf_counter()
        published[params.version] = now
        future = waiters.pop(params.version, None) if params.version is not None else None
        if future is not None and not future.done():
            future.set_result(now)

    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "rocm_lsp", "serve")
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri="file:///bench")
    )
    initialize_ms = (time.perf_counter() - start) * 1000
    client.initialized(lsp.InitializedParams())
    pid = client._server.pid  # type: ignore[union-attr]

    loop = asyncio.get_running_loop()
    waiters[1] = loop.create_future()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "jinja", 1, text)))
    await asyncio.wait_for(waiters[1], 60)

    lines = text.split("\n")
    targets = [
        lsp.Position(i, line.index("kernel.") + 8)
        for i, line in enumerate(lines)
        if "{{kernel." in line or "{{ kernel." in line
    ]
    hover_ms = []
    for i in range(hovers):
        pos = targets[i % len(targets)]
        t = time.perf_counter()
        await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), pos))
        hover_ms.append((time.perf_counter() - t) * 1000)

    diag_ms = []
    for version in range(2, 2 + edits):
        if new_lines:  # one more line below the header each time: every template line moves
            cut = text.index("\n", text.index("-#}")) + 1
            edited = text[:cut] + "".join(f"// edit {v}\n" for v in range(2, version + 1)) + text[cut:]
        else:
            edited = text + f"\n// edit {version}"
        waiters[version] = loop.create_future()
        t = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=edited)],
            )
        )
        done = await asyncio.wait_for(waiters[version], 60)
        diag_ms.append((done - t) * 1000 - DEBOUNCE_S * 1000)
    rss_after_session = rss_mib(pid)

    for cycle in range(cycles):
        other = f"file:///bench/cycle{cycle}.hip.jinja"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(other, "jinja", 1, text))
        )
        await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(other), targets[0]))
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(other)))
    await asyncio.sleep(0.5)
    rss_after_cycles = rss_mib(pid)
    await close(client)
    return {
        "initialize_ms": round(initialize_ms, 1),
        "hover_ms": {
            "p50": pct(hover_ms, 0.5),
            "p90": pct(hover_ms, 0.9),
            "p99": pct(hover_ms, 0.99),
            "n": len(hover_ms),
        },
        "diagnostics_work_ms": {
            "p50": pct(diag_ms, 0.5),
            "p90": pct(diag_ms, 0.9),
            "max": max(diag_ms),
            "n": len(diag_ms),
        },
        "rss_mib": {
            "after_session": round(rss_after_session, 1),
            f"after_{cycles}_open_close": round(rss_after_cycles, 1),
        },
        "template_lines": text.count("\n") + 1,
        "hover_samples_ms": hover_ms,
        "work_samples_ms": diag_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(100 if args.quick else 1000, 10 if args.quick else 40, 10 if args.quick else 50))
    result["initialize_vs_bare_pygls"] = asyncio.run(initialize_floor(3 if args.quick else 5))
    h, d = result["hover_ms"], result["diagnostics_work_ms"]
    print(f"rocm-lsp serve, {result['template_lines']}-line template\n")
    print("| measurement | value | aim |\n|---|---:|---|")
    floor = result["initialize_vs_bare_pygls"]
    print(f"| initialize (spawn to response) | {result['initialize_ms']:.0f} ms | <= 600 ms |")
    print(
        f"| initialize, median: rocm-lsp / bare pygls server | {floor['rocm_lsp_median_ms']} / "
        f"{floor['bare_pygls_median_ms']} ms | the floor |"
    )
    hover = f"{h['p50']:.2f} / {h['p90']:.2f} / {h['p99']:.2f} ms"
    print(f"| hover p50 / p90 / p99 ({h['n']}) | {hover} | p99 <= 5 ms |")
    work = f"{d['p50']:.1f} / {d['p90']:.1f} / {d['max']:.1f} ms"
    print(f"| diagnostics work after an edit p50 / p90 / max ({d['n']}) | {work} | <= 20 ms |")
    for key, value in result["rss_mib"].items():
        print(f"| resident memory {key.replace('_', ' ')} | {value} MiB | no growth |")
    print()
    summary = {k: v for k, v in result.items() if k not in ("hover_samples_ms", "work_samples_ms")}
    print(json.dumps({"bench": "lsp_latency", **summary}))


if __name__ == "__main__":
    main()
