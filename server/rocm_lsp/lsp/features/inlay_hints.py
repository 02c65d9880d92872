"""textDocument/inlayHint: each hook call's value in short."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hint(ls: RocmLanguageServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        from rocm_lsp.core.features.inlay import inlay_hints

        if snapshot is None:
            return []
        pos = snapshot.positions
        start, end = pos.offset(params.range.start), pos.offset(params.range.end)
        return [convert.inlay_hint(h, pos) for h in inlay_hints(snapshot.analysis, start, end)]
