"""textDocument/prepareRename and textDocument/rename: a header name, a template variable or a
size symbol, in every place of the document (``core/features/symbols.py``); in a Python module, a
template variable with the render keywords that pass it (``python_symbols.py``). A refused
rename answers RequestFailed with the reason, which the client shows; prepareRename answers
None where there is no name at all (in a Python module, other servers may rename there)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: RocmLanguageServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        from rocm_lsp.core.features.python_symbols import prepare_rename_python
        from rocm_lsp.core.features.symbols import Refusal, prepare_rename

        offset = snapshot.positions.offset(params.position)
        if isinstance(snapshot, PythonSnapshot):
            found = prepare_rename_python(snapshot.analysis, offset)
        else:
            found = prepare_rename(snapshot.analysis, offset)
        if isinstance(found, Refusal):
            raise convert.request_failed(found.reason)
        return None if found is None else snapshot.positions.range(found)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    async def rename(ls: RocmLanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        snapshot = await ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        from rocm_lsp.core.features.python_symbols import rename_python
        from rocm_lsp.core.features.symbols import Refusal, rename

        offset = snapshot.positions.offset(params.position)
        if isinstance(snapshot, PythonSnapshot):
            edits = rename_python(snapshot.analysis, offset, params.new_name)
        else:
            edits = rename(snapshot.analysis, offset, params.new_name)
        if isinstance(edits, Refusal):
            raise convert.request_failed(edits.reason)
        version = snapshot.version if convert.takes_document_changes(ls.client_capabilities) else None
        return convert.workspace_edit(edits, snapshot.positions, snapshot.uri, version)
