"""textDocument/references: every place of the document where the name under the cursor is
the same symbol (a header name, a template variable, a size symbol; in a Python module, a
template variable and the render keywords that pass it)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: RocmLanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        offset = snapshot.positions.offset(params.position)
        declaration = params.context.include_declaration
        if isinstance(snapshot, PythonSnapshot):
            from rocm_lsp.core.features.python_symbols import references_python

            found = references_python(snapshot.analysis, offset, declaration)
        else:
            from rocm_lsp.core.features.symbols import references as references_at

            found = references_at(snapshot.analysis, offset, declaration)
        return [convert.location(snapshot.uri, span, snapshot.positions) for span in found] or None
