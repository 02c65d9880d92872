"""textDocument/definition: from a node or [vars] variable to its header entry."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: RocmLanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        uri = params.text_document.uri
        snapshot = await ls.template_snapshot(uri)
        from rocm_lsp.core.features.navigation import definition_at

        if snapshot is None:
            return None
        span = definition_at(snapshot.analysis, snapshot.positions.offset(params.position))
        return None if span is None else convert.location(uri, span, snapshot.positions)
