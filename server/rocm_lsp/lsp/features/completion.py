"""textDocument/completion: hooks after ``kernel.``, nodes in inputs/outputs, header keys."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[".", "[", ",", '"'])
    )
    async def completion(ls: RocmLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        from rocm_lsp.core.features.completion import completions_at

        if snapshot is None:
            return None
        offset = snapshot.positions.offset(params.position)
        found = completions_at(snapshot.analysis, offset)
        snippets = _snippet_support(ls.client_capabilities)
        return convert.completion_list(found, snapshot.positions, offset, snippets)


def _snippet_support(caps: lsp.ClientCapabilities) -> bool:
    text = caps.text_document
    item = text.completion.completion_item if text and text.completion else None
    return bool(item and item.snippet_support)
