"""textDocument/documentHighlight: the symbol under the cursor wherever it occurs, writes (a
header key, a set or loop target, a render keyword) told from reads."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def highlight(
        ls: RocmLanguageServer, params: lsp.DocumentHighlightParams
    ) -> list[lsp.DocumentHighlight] | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        offset = snapshot.positions.offset(params.position)
        if isinstance(snapshot, PythonSnapshot):
            from rocm_lsp.core.features.python_symbols import highlights_python

            found = highlights_python(snapshot.analysis, offset)
        else:
            from rocm_lsp.core.features.symbols import highlights

            found = highlights(snapshot.analysis, offset)
        return [convert.document_highlight(h, snapshot.positions) for h in found] or None
