"""textDocument/signatureHelp: the hook's parameters while typing its arguments."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_SIGNATURE_HELP, lsp.SignatureHelpOptions(trigger_characters=["(", ","]))
    async def signature_help(
        ls: RocmLanguageServer, params: lsp.SignatureHelpParams
    ) -> lsp.SignatureHelp | None:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        from rocm_lsp.core.features.completion import signature_help_at

        if snapshot is None:
            return None
        found = signature_help_at(snapshot.analysis, snapshot.positions.offset(params.position))
        return None if found is None else convert.signature_help(found)
