"""textDocument/hover: the exact C++ a hook expands to, node facts, header key docs."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: RocmLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        offset = snapshot.positions.offset(params.position)
        if isinstance(snapshot, PythonSnapshot):
            from rocm_lsp.core.features.python_hover import hover_python

            found = hover_python(snapshot.analysis, offset)
        else:
            from rocm_lsp.core.features.hover import hover_at

            found = hover_at(snapshot.analysis, offset)
        return None if found is None else convert.hover(found, snapshot.positions)
