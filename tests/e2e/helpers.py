"""Small helpers for end-to-end tests: open documents, wait for diagnostics, positions."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

TIMEOUT = 15.0
REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def position(text: str, needle: str, delta: int = 0) -> lsp.Position:
    """The position of ``needle`` (+ ``delta`` characters) in ASCII ``text``."""
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return lsp.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="jinja", version=version, text=text)
        )
    )


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def pulls(client: LanguageClient) -> bool:
    caps = client.capabilities
    return bool(caps and caps.text_document and caps.text_document.diagnostic is not None)


def refreshes_pulls(client: LanguageClient) -> bool:
    """Whether the client pulls again when asked (``workspace/diagnostic/refresh``)."""
    workspace = client.capabilities.workspace if client.capabilities else None
    refresh = workspace.diagnostics.refresh_support if workspace and workspace.diagnostics else False
    return bool(pulls(client) and refresh)


async def diagnostics(client: LanguageClient, uri: str, version: int | None = None) -> list[lsp.Diagnostic]:
    """The diagnostics the client would show: pulled, or the pushed ones for ``version``."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri))
        )
        return list(report.items)
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        pushed = client.diagnostics.get(uri)
        version_ok = version is None or getattr(client, "_versions", {}).get(uri) == version
        if pushed is not None and version_ok:
            return list(pushed)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics for {uri} (version {version})")


def codes(found: list[lsp.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in found
    )
