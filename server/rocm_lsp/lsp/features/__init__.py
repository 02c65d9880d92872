"""One module per LSP method (or tight pair); each registers its handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rocm_lsp.lsp.server import RocmLanguageServer


def register_all(server: RocmLanguageServer) -> None:
    from rocm_lsp.lsp.features import (
        assembly_command,
        benchmark_command,
        code_actions,
        code_lens,
        compile_command,
        completion,
        configuration,
        definition,
        diagnostics,
        document_symbols,
        folding,
        highlight,
        hover,
        inlay_hints,
        preview,
        references,
        rename,
        signature_help,
        status_command,
        torch_preview_command,
        tune_command,
    )

    for module in (
        configuration,
        diagnostics,
        hover,
        code_lens,
        compile_command,
        assembly_command,
        benchmark_command,
        tune_command,
        torch_preview_command,
        preview,
        inlay_hints,
        completion,
        signature_help,
        definition,
        document_symbols,
        references,
        highlight,
        rename,
        folding,
        code_actions,
        status_command,
    ):
        module.register(server)
