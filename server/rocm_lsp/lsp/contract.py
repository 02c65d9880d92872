"""The wire contract with clients: the ``workspace/executeCommand`` ids the server answers, the
shapes of their results, and the file suffixes both sides match names by.

``vscode-extension/src/contract.ts`` holds the same constants and a ``Status`` interface;
``tests/test_contract.py`` checks that the two agree, that the server registers exactly these
commands, and that no other module (Python or the extension's TypeScript) spells the values.

Results: ``PREVIEW_COMMAND`` answers the generated file's URI, ``RENDER_COMMAND`` the rendered
text, ``COMPILE_COMMAND``, ``BENCHMARK_COMMAND``, ``ASSEMBLY_COMMAND`` and ``COMPARE_COMMAND`` a
one-line summary (each null for a document that is not an open template; the last two also open
their document with ``window/showDocument``), ``TUNE_COMMAND`` the sweep's headline (and opens
its ranked table), ``APPLY_TUNED_COMMAND`` whether the winner was written into ``[vars]``
(``workspace/applyEdit``), ``TORCH_PREVIEW_COMMAND`` a one-line summary (and opens the generated
file), ``TORCH_CHOICES_COMMAND`` the op choices ``[{"index", "name"}]`` (or why there are none),
``STATUS_COMMAND`` a :class:`Status`.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from rocm_lsp.core.workspace.files import TEMPLATE_SUFFIX

__all__ = [
    "ASSEMBLY_COMMAND",
    "BENCHMARK_COMMAND",
    "COMPARE_COMMAND",
    "APPLY_TUNED_COMMAND",
    "COMPILE_COMMAND",
    "PREVIEW_COMMAND",
    "PREVIEW_SUFFIX",
    "RENDER_COMMAND",
    "STATUS_COMMAND",
    "TEMPLATE_SUFFIX",
    "TORCH_CHOICES_COMMAND",
    "TORCH_PREVIEW_COMMAND",
    "TUNE_COMMAND",
    "Backend",
    "Status",
]

PREVIEW_COMMAND = "rocm-lsp.preview"  # argument: the template's URI
RENDER_COMMAND = "rocm-lsp.render"  # argument: the template's URI
COMPILE_COMMAND = "rocm-lsp.compile"  # argument: the template's URI (runs a compiler)
BENCHMARK_COMMAND = "rocm-lsp.benchmark"  # argument: the template's URI (runs the worker)
STATUS_COMMAND = "rocm-lsp.status"  # arguments: [the active document's URI] or none
# arguments: the template's URI, then optionally the target (null: the arch setting, else the first
# of the targets setting) and a 1-based template line whose instructions to show (runs a compiler)
ASSEMBLY_COMMAND = "rocm-lsp.assembly"
COMPARE_COMMAND = "rocm-lsp.compareTargets"  # argument: the template's URI (runs a compiler per target)
TUNE_COMMAND = "rocm-lsp.tune"  # argument: the template's URI (runs compilers and the worker)
APPLY_TUNED_COMMAND = "rocm-lsp.applyTuned"  # argument: the template's URI (edits its [vars])
# arguments: a Python module's URI, then optionally a ROCm template class, a choice (index or name
# fragment) and a problem {op, M, N, K, B, dtype, layout} (runs the benchmark interpreter's torch)
TORCH_PREVIEW_COMMAND = "rocm-lsp.previewWithTorch"
TORCH_CHOICES_COMMAND = "rocm-lsp.torchChoices"  # arguments: the module's URI, a class, a problem

PREVIEW_SUFFIX = ".generated.hip.cpp"  # the preview file; the client opens it beside the template

Backend = Literal["hipcc", "nvcc", "clang", "none"]  # clang: upstream clang-22, AMD device code only


class Status(TypedDict):
    """The ``STATUS_COMMAND`` result (keys in the client's camelCase)."""

    profile: str  # the effective profile of the document, else the settings' default
    profileReason: str  # why that profile: the setting, the header, the torch tree or the default
    backend: Backend  # which toolchain a compile would use
    held: dict[str, int]  # entries in each per-document table of the server (for diagnosis)
