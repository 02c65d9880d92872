"""textDocument/codeLens: actions on each def_kernel (every one is also a plain command)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp.features.benchmark_command import BENCHMARK
from rocm_lsp.lsp.features.benchmark_command import lens_title as bench_title
from rocm_lsp.lsp.features.compile_command import COMPILE, lens_title
from rocm_lsp.lsp.server import RocmLanguageServer

PREVIEW = "rocm-lsp.preview"


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: RocmLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
        uri = params.text_document.uri
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None or snapshot.analysis.outline is None:
            return []
        lenses = []
        for site in snapshot.analysis.outline.sites:
            if site.hook != "def_kernel" or site.call_span is None:
                continue
            where = snapshot.positions.range(site.call_span)
            command = lsp.Command(title="Preview C++", command=PREVIEW, arguments=[uri])
            lenses.append(lsp.CodeLens(range=where, command=command))
            for title, name in (
                (lens_title(ls, uri, snapshot.version), COMPILE),
                (bench_title(ls, uri, snapshot.version), BENCHMARK),
            ):
                lenses.append(
                    lsp.CodeLens(range=where, command=lsp.Command(title=title, command=name, arguments=[uri]))
                )
        return lenses
