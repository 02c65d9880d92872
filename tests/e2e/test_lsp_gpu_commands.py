"""Compile and Benchmark from the editor: progress, diagnostics on template lines, lens
titles, and a server that keeps answering when the benchmark cannot run (no GPU here)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from helpers import REPO_TEMPLATES, diagnostics, open_doc, position, pulls, refreshes_pulls
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

NVCC = shutil.which("nvcc") or ("/usr/local/bin/nvcc" if Path("/usr/local/bin/nvcc").exists() else None)
GEMM = (REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja").read_text()
BROKEN_CPP = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
-#}
#include <hip/hip_runtime.h>
{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} {
  int x = undeclared_name;
  return 0;
}
"""


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri)))
    return [lens.command.title for lens in lenses]


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed (CI machines have it)")
async def test_compile_maps_compiler_errors_to_template_lines(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "broken.hip.jinja"
    path.write_text(BROKEN_CPP)
    uri = path.as_uri()
    open_doc(client, uri, BROKEN_CPP)
    assert [d.code for d in await diagnostics(client, uri, 1)] == []
    refreshes, published = client.diagnostic_refreshes, len(client.publish_log)
    summary = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.compile", arguments=[uri])
    )
    assert summary == "compile failed: 1 error(s)"
    # the client is told without an edit: asked to pull again, or sent the compiler's findings
    if refreshes_pulls(client):
        assert client.diagnostic_refreshes == refreshes + 1
        found = await diagnostics(client, uri, 1)
    else:
        found = client.publish_log[-1].diagnostics
        assert len(client.publish_log) == published + 1
        if pulls(client):  # the analysis's findings are pulled, the compiler's pushed: no duplicates
            assert await diagnostics(client, uri, 1) == []
    assert [(d.code, d.range.start.line, d.message) for d in found] == [
        ("RL401", 6, 'nvcc: identifier "undeclared_name" is undefined')
    ]
    titles = await lens_titles(client, uri)
    assert titles[1] == "Compile ✗ 1 error"
    # progress was reported and ended
    assert any(
        isinstance(p, lsp.WorkDoneProgressEnd)
        for reports in client.progress_reports.values()
        for p in reports
    )


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed (CI machines have it)")
async def test_compile_lens_shows_resources(client: LanguageClient) -> None:
    uri = (REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja").as_uri()
    open_doc(client, uri, GEMM)
    summary = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.compile", arguments=[uri])
    )
    assert summary.startswith("compiled with nvcc for sm_")
    title = (await lens_titles(client, uri))[1]
    assert title.startswith("Compile ✓ ") and " regs, " in title and "KiB smem" in title


async def test_benchmark_without_a_gpu_is_a_message_and_the_server_keeps_answering(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = (REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja").as_uri()
    open_doc(client, uri, GEMM)
    message = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.benchmark", arguments=[uri])
    )
    if importlib.util.find_spec("torch") is None:  # CI's environment: checked before compiling
        assert message == (
            f"benchmark failed: torch cannot be imported by the benchmark interpreter {sys.executable}; "
            "set rocmLsp.benchmarkInterpreter to a Python with torch installed"
        )
    elif NVCC is None:
        assert message.startswith("not benchmarked: no HIP compiler found")
    else:  # torch but no CUDA device: the worker says so, nothing crashes
        assert message.startswith("benchmark failed: ") and "CUDA" in message
    assert (await lens_titles(client, uri))[2] == f"Benchmark: {message}"
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position(GEMM, "kernel.def_kernel(", 9))
    )
    assert hover is not None and hover.contents.value.startswith("```cpp\nPT_EXPORT int gemm_bias_fp16(")
