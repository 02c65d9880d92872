"""Preview C++ with torch from the editor: the lens on a ROCm template class, the generated file
opened beside the module, re-rendered on save, and a planted mistake as RL408 on its line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import diagnostics, open_doc, refreshes_pulls, replace_all
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from oracle_support import ORACLE_HELP, oracle_python
from torch_sources import _torch_dir_of

PYTHON = oracle_python()
pytestmark = pytest.mark.skipif(PYTHON is None, reason=ORACLE_HELP)
TILE = "ck_tile_universal_gemm_template.py"
LINE = "constexpr bool permuteA = false;"


async def run(client: LanguageClient, command: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_preview_with_torch_follows_saves_and_places_errors(
    client: LanguageClient, tmp_path: Path
) -> None:
    assert PYTHON is not None
    torch_dir = _torch_dir_of(PYTHON)
    assert torch_dir is not None
    folder = tmp_path / "torch" / "_inductor" / "codegen" / "rocm"
    folder.mkdir(parents=True)
    text = (torch_dir / "_inductor" / "codegen" / "rocm" / TILE).read_text(encoding="utf-8")
    path = folder / TILE
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": {"benchmarkInterpreter": PYTHON}})
    )
    open_doc(client, uri, text)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri)))
    assert [(lens.command.title, list(lens.command.arguments or [])) for lens in lenses if lens.command] == [
        ("Preview C++ with torch", [uri, "CKTileGemmTemplate"]),
        ("Compile C++ with torch", [uri, "CKTileGemmTemplate", None, None, True]),
    ]
    assert lenses[0].range.start.line == text[: text.index("class CKTileGemmTemplate")].count("\n")

    choices = await run(client, "rocm-lsp.torchChoices", uri, "CKTileGemmTemplate")
    assert isinstance(choices, list) and len(choices) == 112 and choices[3]["index"] == 3
    summary = await run(client, "rocm-lsp.previewWithTorch", uri, "CKTileGemmTemplate", 3)
    assert isinstance(summary, str) and summary.startswith("CKTileGemmTemplate choice 3 of 112 ("), summary
    preview = Path(summary.rsplit(" in ", 1)[1])
    assert preview.read_text().startswith("/**\n* Generated code for CK inductor backend\n")
    assert f"        {LINE}\n" in preview.read_text()
    window = client.capabilities.window
    if window and window.show_document and window.show_document.support:
        assert Path(client.shown_documents[-1].uri.removeprefix("file://")) == preview

    # an edit, saved: the preview (same choice) is rendered again from the editor's text
    edited = text.replace(LINE, "constexpr bool permuteA = false; // edited")
    replace_all(client, uri, edited, 2)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    for _ in range(1200):
        if "// edited" in preview.read_text():
            break
        await asyncio.sleep(0.05)
    assert "constexpr bool permuteA = false; // edited\n" in preview.read_text()

    # compiled too: no Composable Kernel headers here, said at the class (RL403), as for templates
    compiled = await run(client, "rocm-lsp.previewWithTorch", uri, "CKTileGemmTemplate", 3, None, True)
    assert (
        isinstance(compiled, str)
        and "; not compiled: this kernel includes Composable Kernel headers" in compiled
    )

    # a planted mistake in the template string: RL408 on its line of the module
    broken = text.replace(LINE, "constexpr bool permuteA = {{ no_such_value }};")
    replace_all(client, uri, broken, 3)
    message = await run(client, "rocm-lsp.previewWithTorch", uri, "CKTileGemmTemplate", 3)
    assert message == "not rendered (render): UndefinedError: 'no_such_value' is undefined"
    # the client is told without an edit: asked to pull again (VS Code), else sent the finding
    pushed = client.publish_log[-1].diagnostics if not refreshes_pulls(client) else []
    found = [d for d in (pushed or await diagnostics(client, uri, 3)) if d.code == "RL408"]
    row = broken[: broken.index("{{ no_such_value }}")].count("\n")
    assert [(d.range.start.line, d.message) for d in found] == [
        (row, "CKTileGemmTemplate: UndefinedError: 'no_such_value' is undefined")
    ]
    assert await run(client, "rocm-lsp.previewWithTorch", uri, "NoSuchClass") == (
        "rocm-lsp.previewWithTorch: the arguments are the module's URI, then optionally a template class "
        "name, a choice (index or name fragment), a problem object ({op, M, N, K, B, dtype, layout}) and "
        "true to also compile it"
    )
