"""Pathological documents in the real server: each gets its finding, every feature still
answers, nothing is printed on stderr, and while one is being analysed (and typed in),
hover on another document is answered."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from lsp_session import diagnostics_of, server_problems
from lsprotocol import types as lsp
from pathological import CASES
from pytest_lsp import LanguageClient

REPO = Path(__file__).resolve().parents[2]
GEMM = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
GENEROUS_S = 60.0  # a bound for a slow CI machine, not a timing claim
EDITOR_CASES = [c for c in CASES if c.in_editor]


def _open(client: LanguageClient, uri: str, text: str) -> None:
    item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_every_pathological_document_gets_its_finding(session: LanguageClient) -> None:
    client = session
    for case in EDITOR_CASES:  # one server for all: it must also survive them one after another
        uri = f"file:///pathological/{case.name}.hip.jinja"
        _open(client, uri, case.data.decode("utf-8", "replace"))
        found = await diagnostics_of(client, uri, 1)
        assert any(str(d.code) == case.code and case.says in d.message for d in found), (case.name, found)
        doc = lsp.TextDocumentIdentifier(uri)
        start, end = lsp.Position(0, 0), lsp.Position(9, 0)
        await client.text_document_hover_async(lsp.HoverParams(doc, start))
        await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
        await client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, lsp.Range(start, end)))
        await client.text_document_completion_async(lsp.CompletionParams(doc, lsp.Position(5, 3)))
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc))
    assert server_problems(client) == []


async def test_hover_elsewhere_is_answered_while_a_slow_document_is_typed_in(session: LanguageClient) -> None:
    client = session
    normal = "file:///responsive/gemm.hip.jinja"
    _open(client, normal, GEMM)
    await diagnostics_of(client, normal, 1)
    slow = next(c for c in CASES if c.name == "endless_loop").data.decode()
    slow_uri = "file:///responsive/slow.hip.jinja"
    _open(client, slow_uri, slow)
    pending = []
    for version in range(2, 8):  # typing in the slow document: every version takes 2 s to render
        _change(client, slow_uri, version, slow + " " * version)
        doc = lsp.TextDocumentIdentifier(slow_uri)
        pending.append(client.text_document_code_lens_async(lsp.CodeLensParams(doc)))
        await asyncio.sleep(0.05)
    _change(client, normal, 2, GEMM + "\n")  # a new version: its hover needs a new analysis
    where = lsp.Position(GEMM[: GEMM.index("kernel.def_kernel(")].count("\n"), 12)
    start = time.monotonic()
    hover = await asyncio.wait_for(
        client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(normal), where)),
        GENEROUS_S,
    )
    waited = time.monotonic() - start
    assert hover is not None and "PT_EXPORT" in hover.contents.value
    print(f"hover on another document while a 2 s document is typed in: {waited * 1000:.0f} ms")
    await asyncio.wait_for(asyncio.gather(*pending), GENEROUS_S)
    found = await diagnostics_of(client, slow_uri, 7)
    assert [str(d.code) for d in found] == ["RL113"]
    assert server_problems(client) == []
