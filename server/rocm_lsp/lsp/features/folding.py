"""textDocument/foldingRange: the header, each multi-line Jinja block and comment of a template.
Python modules get none (their own folding is the Python server's)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding(
        ls: RocmLanguageServer, params: lsp.FoldingRangeParams
    ) -> list[lsp.FoldingRange] | None:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        from rocm_lsp.core.features.symbols import folding_ranges

        return [convert.folding_range(f) for f in folding_ranges(snapshot.analysis)]
