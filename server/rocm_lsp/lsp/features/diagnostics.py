"""Diagnostics: pushed on open, change (debounced) and save, cleared on close; pulled by
clients that support ``textDocument/diagnostic``.

Compile findings arrive without an edit. A pull client that accepts
``workspace/diagnostic/refresh`` (VS Code) is asked to pull again; one that does not (Neovim
0.10–0.11) gets them pushed, apart from the pulled analysis findings, so it shows both.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer, Snapshot, analysable

DEBOUNCE_SECONDS = 0.1  # well inside the 150 ms budget after the last keystroke


def pushes_compile_findings(ls: RocmLanguageServer) -> bool:
    """Whether compile findings travel by ``publishDiagnostics`` (every client but a refreshable puller)."""
    return not ls.pull_diagnostics or not ls.pull_refresh


def items(
    ls: RocmLanguageServer, snapshot: Snapshot, analysed: bool = True, compiled: bool = True
) -> list[Diagnostic]:
    """The findings of ``snapshot``: the analysis's, and the compiler's for this version."""
    found = list(snapshot.analysis.diagnostics) if analysed else []
    outcome = ls.compile_outcomes.get(snapshot.uri)
    if compiled and outcome is not None and outcome.version == snapshot.version:
        found += outcome.diagnostics  # compiler messages stay until the next edit
    return ls.settings.filter(found)


async def publish(ls: RocmLanguageServer, uri: str) -> None:
    snapshot = await ls.snapshot(uri)
    if snapshot is None or not ls.current(snapshot):
        return
    if pushes_compile_findings(ls):
        found = items(ls, snapshot, analysed=not ls.pull_diagnostics)
        ls.text_document_publish_diagnostics(
            convert.published_diagnostics(found, snapshot.positions, uri, snapshot.version)
        )
    from rocm_lsp.lsp.features import preview

    preview.refresh(ls, snapshot)


def ask_client_to_pull(ls: RocmLanguageServer) -> None:
    """In pull mode, ``workspace/diagnostic/refresh``: the client pulls every open document again."""
    if ls.pull_diagnostics and ls.pull_refresh:
        ls.workspace_diagnostic_refresh(None)


async def findings_changed(ls: RocmLanguageServer, uri: str) -> None:
    """Findings of ``uri`` changed without an edit (a compile finished): every client shows them."""
    await publish(ls, uri)
    ask_client_to_pull(ls)


async def refresh_all(ls: RocmLanguageServer) -> None:
    ls._analyses.clear()  # settings (e.g. the profile) changed: analyse again
    for uri in list(ls.workspace.text_documents):
        if analysable(uri):
            await publish(ls, uri)
    ask_client_to_pull(ls)


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
        uri = params.text_document.uri
        snapshot = await ls.snapshot(uri)
        if snapshot is None:
            return convert.diagnostic_report([], None, uri)
        found = items(ls, snapshot, compiled=not pushes_compile_findings(ls))
        return convert.diagnostic_report(found, snapshot.positions, uri)


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
        from rocm_lsp.lsp.features import assembly_command, torch_preview_command

        assembly_command.regenerate_soon(ls, params.text_document.uri)
        torch_preview_command.regenerate_soon(ls, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: RocmLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget(uri)
        if analysable(uri) and pushes_compile_findings(ls):
            ls.text_document_publish_diagnostics(convert.cleared_diagnostics(uri))
