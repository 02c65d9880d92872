"""Diagnostics: pushed on open, change (debounced) and save, cleared on close; pulled by
clients that support ``textDocument/diagnostic``."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer, Snapshot, analysable

DEBOUNCE_SECONDS = 0.1  # well inside the 150 ms budget after the last keystroke


def items(ls: RocmLanguageServer, snapshot: Snapshot) -> list[lsp.Diagnostic]:
    found = list(snapshot.analysis.diagnostics)
    outcome = ls.compile_outcomes.get(snapshot.uri)
    if outcome is not None and outcome.version == snapshot.version:
        found += outcome.diagnostics  # compiler messages stay until the next edit
    found = ls.settings.filter(found)
    return [convert.diagnostic(d, snapshot.positions, snapshot.uri) for d in found]


async def publish(ls: RocmLanguageServer, uri: str) -> None:
    snapshot = await ls.snapshot(uri)
    if snapshot is None or not ls.current(snapshot):
        return
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items(ls, snapshot), version=snapshot.version)
        )
    from rocm_lsp.lsp.features import preview

    preview.refresh(ls, snapshot)


async def refresh_all(ls: RocmLanguageServer) -> None:
    ls._analyses.clear()  # settings (e.g. the profile) changed: analyse again
    for uri in list(ls.workspace.text_documents):
        if analysable(uri):
            await publish(ls, uri)
    if ls.pull_diagnostics:
        caps = ls.client_capabilities.workspace
        if caps is not None and caps.diagnostics is not None and caps.diagnostics.refresh_support:
            ls.workspace_diagnostic_refresh(None)


def register_pull(server: RocmLanguageServer) -> None:
    """Register ``textDocument/diagnostic`` (only for clients that support it)."""

    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(
            identifier="rocm-lsp", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    async def diagnostic(
        ls: RocmLanguageServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.DocumentDiagnosticReport:
        snapshot = await ls.snapshot(params.text_document.uri)
        found = [] if snapshot is None else items(ls, snapshot)
        return lsp.RelatedFullDocumentDiagnosticReport(items=found)


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: RocmLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        if analysable(params.text_document.uri):
            ls.schedule(params.text_document.uri, 0, publish)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: RocmLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        if analysable(params.text_document.uri):
            ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS, publish)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: RocmLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if analysable(params.text_document.uri):
            ls.schedule(params.text_document.uri, 0, publish)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: RocmLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget(uri)
        if analysable(uri) and not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
