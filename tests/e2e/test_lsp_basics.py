"""The server as an editor sees it: capabilities, diagnostics as you type, hover, lenses."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from helpers import REPO_TEMPLATES, codes, diagnostics, open_doc, position, pulls, replace_all
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

GEMM = (REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja").read_text()
URI = "file:///demo/gemm_bias_fp16.hip.jinja"
BROKEN = GEMM.replace('names_str="X, W, Bias, Y"', 'names_str="X, W, Y"')


async def test_capabilities(client: LanguageClient) -> None:
    caps = client.init_result.capabilities
    assert caps.hover_provider
    assert caps.code_lens_provider is not None
    assert caps.inlay_hint_provider
    assert set(caps.completion_provider.trigger_characters) >= {".", "["}
    assert caps.signature_help_provider is not None
    assert caps.definition_provider and caps.document_symbol_provider
    commands = {"rocm-lsp.preview", "rocm-lsp.render", "rocm-lsp.compile", "rocm-lsp.benchmark"}
    assert set(caps.execute_command_provider.commands) >= commands
    # pull diagnostics only for clients that support them (Neovim 0.10 yes, VS Code 1.65 profile no)
    assert (caps.diagnostic_provider is not None) == pulls(client)


async def test_diagnostics_appear_and_clear_as_you_type(client: LanguageClient) -> None:
    open_doc(client, URI, BROKEN)
    found = await diagnostics(client, URI, 1)
    line = position(BROKEN, 'names_str="X, W, Y"', len("names_str=")).line
    col = position(BROKEN, 'names_str="X, W, Y"', len("names_str=")).character
    assert codes(found) == [("RL201", line, col, line, col + len('"X, W, Y"'))]
    assert found[0].message == "names_str lists 3 names (X, W, Y) but def_kernel got 3 inputs + 1 output"
    assert found[0].severity == lsp.DiagnosticSeverity.Error and found[0].source == "rocm-lsp"

    replace_all(client, URI, GEMM, 2)
    assert codes(await diagnostics(client, URI, 2)) == []

    if not pulls(client):
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(URI)))
        for _ in range(200):
            if client.publish_log[-1].uri == URI and client.publish_log[-1].version is None:
                break
            await asyncio.sleep(0.02)
        assert list(client.publish_log[-1].diagnostics) == []


async def test_fast_edits_publish_the_latest_version(client: LanguageClient) -> None:
    if pulls(client):
        return  # the client pulls; nothing is pushed
    open_doc(client, URI, GEMM)
    await diagnostics(client, URI, 1)
    for version in range(2, 12):
        text = BROKEN if version % 2 else GEMM  # the last edit (11) is the broken one
        replace_all(client, URI, text, version)
        await asyncio.sleep(0.01)
    found = await diagnostics(client, URI, 11)
    assert [d.code for d in found] == ["RL201"]
    assert all(p.version in (1, 11, None) for p in client.publish_log if p.uri == URI)


async def test_hover_on_def_kernel_shows_the_exact_signature(client: LanguageClient) -> None:
    open_doc(client, URI, GEMM)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(URI), position(GEMM, "kernel.def_kernel(", 9))
    )
    assert hover is not None
    rendered = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "render", str(REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in rendered.splitlines() if line.startswith("PT_EXPORT int gemm_bias_fp16("))
    signature = line.removesuffix(" {")
    assert hover.contents.value.startswith(f"```cpp\n{signature}\n```\n")
    assert "**Inductor's wrapper calls it as:**" in hover.contents.value
    assert "    c_void_p(X.data_ptr()),\n" in hover.contents.value


async def test_hover_nowhere_is_null(client: LanguageClient) -> None:
    open_doc(client, URI, GEMM)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(URI), position(GEMM, "#include", 2))
    )
    assert hover is None


async def test_lenses_and_preview_command(client: LanguageClient) -> None:
    open_doc(client, URI, GEMM)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(URI)))
    assert [(lens.command.title, lens.command.command, lens.command.arguments) for lens in lenses] == [
        ("Preview C++", "rocm-lsp.preview", (URI,)),
        ("Compile", "rocm-lsp.compile", (URI,)),
        ("Benchmark", "rocm-lsp.benchmark", (URI,)),
        ("Assembly (gfx942)", "rocm-lsp.assembly", (URI,)),
        ("Compare targets", "rocm-lsp.compareTargets", (URI,)),
        ("Tune", "rocm-lsp.tune", (URI,)),  # the GEMM has a [tune] table
    ]
    assert lenses[0].range.start == position(GEMM, "kernel.def_kernel(", 0)
    target = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.preview", arguments=[URI])
    )
    path = Path(target.removeprefix("file://"))
    rendered = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "render", str(REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert path.read_text() == rendered
    window = client.capabilities.window
    shows = bool(window and window.show_document and window.show_document.support)
    assert [d.uri for d in client.shown_documents] == ([target] if shows else [])  # not Neovim 0.7
    # regenerated on change while open
    replace_all(client, URI, GEMM.replace('kernel_name = "gemm_bias_fp16"', 'kernel_name = "renamed"'), 2)
    for _ in range(300):
        if "PT_EXPORT int renamed(" in path.read_text():
            break
        await asyncio.sleep(0.02)
    assert "PT_EXPORT int renamed(" in path.read_text()


async def test_non_templates_are_ignored(client: LanguageClient) -> None:
    uri = "file:///demo/notes.cpp"
    open_doc(client, uri, "{{ kernel.def_kernel(inputs=[X]) }}")
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 12))
    )
    assert hover is None
    await asyncio.sleep(0.3)
    assert uri not in client.diagnostics
