"""textDocument/documentSymbol: the kernel, the nodes and the variables."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(ls: RocmLanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        from rocm_lsp.core.features.navigation import document_symbols

        if snapshot is None:
            return []
        return [convert.symbol(s, snapshot.positions) for s in document_symbols(snapshot.analysis)]
