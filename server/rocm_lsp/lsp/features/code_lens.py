"""textDocument/codeLens: actions on each def_kernel (every one is also a plain command)."""

from __future__ import annotations

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import (
    APPLY_TUNED_COMMAND,
    ASSEMBLY_COMMAND,
    BENCHMARK_COMMAND,
    COMPARE_COMMAND,
    COMPILE_COMMAND,
    PREVIEW_COMMAND,
    TORCH_PREVIEW_COMMAND,
    TUNE_COMMAND,
)
from rocm_lsp.lsp.features import tune_command
from rocm_lsp.lsp.features.benchmark_command import lens_title as bench_title
from rocm_lsp.lsp.features.compile_command import lens_title
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer, is_python


def register(server: RocmLanguageServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: RocmLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
        uri = params.text_document.uri
        if is_python(uri):
            return await _module_lenses(ls, uri)
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None or snapshot.analysis.outline is None:
            return []
        lenses = []
        tuned = []  # a [tune] table: the Tune lens; a winner not in [vars] yet: the Apply lens
        if snapshot.analysis.header.tune:
            tuned.append((tune_command.lens_title(ls, uri, snapshot.version), TUNE_COMMAND))
            if tune_command.winner_edits(ls, snapshot):
                tuned.append((tune_command.apply_title(ls, uri), APPLY_TUNED_COMMAND))
        for site in snapshot.analysis.outline.sites:
            if site.hook != "def_kernel" or site.call_span is None:
                continue
            for title, command in (
                ("Preview C++", PREVIEW_COMMAND),
                (lens_title(ls, uri, snapshot.version), COMPILE_COMMAND),
                (bench_title(ls, uri, snapshot.version), BENCHMARK_COMMAND),
                (f"Assembly ({ls.gpu_settings.default_target})", ASSEMBLY_COMMAND),
                ("Compare targets", COMPARE_COMMAND),
                *tuned,
            ):
                lenses.append(convert.code_lens(site.call_span, snapshot.positions, title, command, uri))
        return lenses


async def _module_lenses(ls: RocmLanguageServer, uri: str) -> list[lsp.CodeLens]:
    """Preview and Compile C++ with torch on each ROCm template class of a Python module (choice
    0 of the default problem)."""
    snapshot = await ls.snapshot(uri) if ls.is_open(uri) else None
    if not isinstance(snapshot, PythonSnapshot):
        return []
    from rocm_lsp.gpu.py_render import template_classes

    lenses = []
    for c in template_classes(snapshot.analysis.text):
        for title, more in (("Preview C++ with torch", ()), ("Compile C++ with torch", (None, None, True))):
            lenses.append(
                convert.code_lens(
                    c.span, snapshot.positions, title, TORCH_PREVIEW_COMMAND, uri, c.name, *more
                )
            )
    return lenses
