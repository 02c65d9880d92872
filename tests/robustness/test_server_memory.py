"""No growth without bound: hundreds of open/hover/close cycles leave the server's resident
memory where it was after warm-up (a CI-sized ``bench/load_cycles.py``; the bound is
generous, a leak of a document per cycle would pass it within a few hundred cycles)."""

from __future__ import annotations

from pathlib import Path

from lsp_session import diagnostics_of, server_problems
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "templates").glob("*.hip.jinja"))
WARM_UP, CYCLES = 60, 240
BOUND_MIB = 24.0  # about 100 KiB a cycle; the measured rate is a few KiB (docs/reliability.md)


def _resident_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


async def test_open_close_cycles_do_not_grow_the_server(editor: LanguageClient) -> None:
    client = editor
    pid = client._server.pid  # type: ignore[union-attr]
    texts = [path.read_text() for path in TEMPLATES]
    after_warm_up = 0.0
    for i in range(WARM_UP + CYCLES):
        if i == WARM_UP:
            after_warm_up = _resident_mib(pid)
        text, uri = texts[i % len(texts)], f"file:///cycles/{i}/kernel.hip.jinja"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
            )
        )
        await diagnostics_of(client, uri, 1)
        doc = lsp.TextDocumentIdentifier(uri)
        hook = text.index("kernel.") + 8
        where = lsp.Position(text.count("\n", 0, hook), hook - text.rfind("\n", 0, hook) - 1)
        await client.text_document_hover_async(lsp.HoverParams(doc, where))
        await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc))
    growth = _resident_mib(pid) - after_warm_up
    print(f"resident memory growth over {CYCLES} cycles after warm-up: {growth:.1f} MiB")
    assert growth < BOUND_MIB
    assert server_problems(client) == []
