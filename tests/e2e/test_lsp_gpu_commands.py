"""Compile and Benchmark from the editor: progress, diagnostics on template lines, lens
titles, and a server that keeps answering when the benchmark cannot run (no GPU here)."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from helpers import REPO_TEMPLATES, diagnostics, open_doc, position, pulls, refreshes_pulls, replace_all
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from cli_support import SHUFFLE, SHUFFLE_LINE, needs_clang, planted_template

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


async def _run(client: LanguageClient, command: str, *arguments: object) -> str:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


def _shows(client: LanguageClient) -> bool:
    window = client.capabilities.window
    return bool(window and window.show_document and window.show_document.support)


@needs_clang
async def test_show_assembly_opens_the_isa_at_a_template_line_and_follows_saves(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = planted_template(tmp_path, SHUFFLE)
    uri, text = path.as_uri(), path.read_text()
    open_doc(client, uri, text)
    summary = await _run(client, "rocm-lsp.assembly", uri, "gfx942", SHUFFLE_LINE)
    assert summary.startswith("AMDGPU ISA for gfx942: ") and summary.endswith(".gfx942.s"), summary
    view = Path(summary.rsplit(" instructions in ", 1)[1])
    lines = view.read_text().splitlines()
    assert lines[0].startswith("// AMDGPU ISA of planted.hip.jinja for gfx942, compiled by clang-22 ")
    heading = f"// ── planted.hip.jinja:{SHUFFLE_LINE} ──  v += __shfl_xor(v, 1);"
    if _shows(client):  # opened at the line's first block, with the focus (not Neovim 0.7)
        shown = client.shown_documents[-1]
        assert Path(shown.uri.removeprefix("file://")) == view and shown.take_focus is True
        assert shown.selection is not None and lines[shown.selection.start.line] == heading
    else:
        assert heading in lines
    # the compile's findings and outcome are the document's, as a Compile's
    titles = await lens_titles(client, uri)
    assert titles[1].startswith("Compile ✓ gfx942: 64 VGPRs") or titles[1].startswith("Compile ✓ gfx942: ")
    assert titles[3] == "Assembly (gfx942)"
    # saved with a line above the shuffle: the view is rewritten with the shuffle one line down
    moved = text.replace("  v += __shfl_xor", "  v *= 3.0f;\n  v += __shfl_xor")
    replace_all(client, uri, moved, 2)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    heading_after = f"// ── planted.hip.jinja:{SHUFFLE_LINE + 1} ──  v += __shfl_xor(v, 1);"
    for _ in range(600):
        if heading_after in view.read_text():
            break
        await asyncio.sleep(0.05)
    assert heading_after in view.read_text().splitlines()
    # arguments that are not a target or a line: a message, and the server keeps answering
    bad = await _run(client, "rocm-lsp.assembly", uri, "h100")
    assert bad.startswith("rocm-lsp.assembly: the arguments are the template's URI, a target")
    assert await _run(client, "rocm-lsp.assembly", uri, None, "twelve") == bad
    assert await _run(client, "rocm-lsp.assembly", "file:///nowhere/x.hip.jinja") is None


@needs_clang
async def test_compare_targets_writes_the_side_by_side_table(client: LanguageClient, tmp_path: Path) -> None:
    path = planted_template(tmp_path, SHUFFLE)
    uri = path.as_uri()
    open_doc(client, uri, path.read_text())
    summary = await _run(client, "rocm-lsp.compareTargets", uri)
    assert summary.startswith("compared gfx942, gfx950, sm_90 in "), summary
    table_path = Path(summary.removeprefix("compared gfx942, gfx950, sm_90 in ").split(" (not compiled")[0])
    table = table_path.read_text()
    assert table.startswith("# planted.hip.jinja: resources per target\n")
    assert "## `reduce`" in table and "\n| gfx942 | " in table and "\n| gfx950 | " in table
    assert ("\n| sm_90 | " in table) == (NVCC is not None)
    if _shows(client):
        assert Path(client.shown_documents[-1].uri.removeprefix("file://")) == table_path
