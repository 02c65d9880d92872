"""textDocument/codeLens: actions on each def_kernel (every one is also a plain command)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import (
    ASSEMBLY_COMMAND,
    BENCHMARK_COMMAND,
    COMPARE_COMMAND,
    COMPILE_COMMAND,
    PREVIEW_COMMAND,
)
from rocm_lsp.lsp.features.benchmark_command import lens_title as bench_title
from rocm_lsp.lsp.features.compile_command import lens_title
from rocm_lsp.lsp.server import RocmLanguageServer


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
            for title, command in (
                ("Preview C++", PREVIEW_COMMAND),
                (lens_title(ls, uri, snapshot.version), COMPILE_COMMAND),
                (bench_title(ls, uri, snapshot.version), BENCHMARK_COMMAND),
                (f"Assembly ({ls.gpu_settings.default_target})", ASSEMBLY_COMMAND),
                ("Compare targets", COMPARE_COMMAND),
            ):
                lenses.append(convert.code_lens(site.call_span, snapshot.positions, title, command, uri))
        return lenses
