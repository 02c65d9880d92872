"""Inductor's own Python template modules in the editor: live diagnostics at the line and
column inside the string, hover on ``{{ name }}``, silence on ordinary Python files."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from helpers import diagnostics, open_doc, position
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: torch_sources
from torch_sources import TorchSourcesNotFound, copy_rocm_modules  # noqa: E402


@pytest.fixture
def ck_module(tmp_path: Path) -> Path:
    """torch 2.13's ck_universal_gemm_template.py, from the torch found here (tests/torch_sources.py)."""
    try:
        return copy_rocm_modules(tmp_path) / "ck_universal_gemm_template.py"
    except TorchSourcesNotFound as exc:
        pytest.fail(f"this test reads PyTorch 2.13's ROCm template modules: {exc}", pytrace=False)


async def test_real_module_is_quiet_and_a_typo_lights_up(client: LanguageClient, ck_module: Path) -> None:
    text = ck_module.read_text()
    uri = ck_module.as_uri()
    open_doc(client, uri, text)
    found = await diagnostics(client, uri, 1)
    assert [d.severity for d in found if d.severity == lsp.DiagnosticSeverity.Error] == []
    assert {str(d.code) for d in found} <= {"RL502"}

    broken = text.replace("{{instance_definition}}", "{{instance_defintion}}", 1)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    found = await diagnostics(client, uri, 2)
    errors = [d for d in found if d.severity == lsp.DiagnosticSeverity.Error]
    assert [(str(d.code), d.range.start) for d in errors] == [
        ("RL501", position(broken, "{{instance_defintion}}", 2))
    ]


async def test_hover_on_a_template_variable_shows_what_render_passes(
    client: LanguageClient, tmp_path: Path
) -> None:
    module = tmp_path / "my_template.py"
    text = (
        "class ROCmMyTemplate:\n"
        '    body = """\n'
        "int {{ name }}() { return {{ value }}; }\n"
        '"""\n'
        "    def render(self, kernel):\n"
        "        return self._template_from_string(self.body).render(name='answer', value=6 * 7)\n"
    )
    module.write_text(text)
    uri = module.as_uri()
    open_doc(client, uri, text)
    assert await diagnostics(client, uri, 1) == []
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position(text, "{{ value }}", 4))
    )
    assert hover is not None
    assert (
        hover.contents.value == "`value` in `ROCmMyTemplate.body` is rendered with:\n- line 6: `value=6 * 7`"
    )


async def test_ordinary_python_files_stay_silent(client: LanguageClient, tmp_path: Path) -> None:
    module = tmp_path / "plain.py"
    text = "def f(x):\n    return '{' + str(x) + '}'\n"
    module.write_text(text)
    uri = module.as_uri()
    open_doc(client, uri, text)
    assert await diagnostics(client, uri, 1) == []
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 4))
    )
    assert hover is None
    await asyncio.sleep(0)


@pytest.mark.parametrize("tree", ["torch-2.13.0-tree", "no-tree"])
async def test_hover_on_def_kernel_in_python_shows_an_example_signature(
    client: LanguageClient, tmp_path: Path, tree: str
) -> None:
    """The profile comes from the torch tree around the module (its version.py, read as text)."""
    if tree == "no-tree":
        module = tmp_path / "gemm_template.py"
        profile, reason = "rocm-2.15", "no torch tree around the file; the newest profile applies"
    else:
        torch = tmp_path / "site-packages" / "torch"
        module = torch / "_inductor" / "codegen" / "rocm" / "gemm_template.py"
        module.parent.mkdir(parents=True)
        (torch / "version.py").write_text("__version__ = '2.13.0+cpu'\ndebug = False\n")
        profile, reason = "rocm-2.13", f"torch 2.13.0+cpu, from {torch / 'version.py'}"
    text = (
        "class ROCmGemmTemplate:\n"
        "    def render(self, kernel, X, W, Y):\n"
        "        return kernel.def_kernel(\n"
        '            inputs=[X, W], outputs=[Y], names_str="X, W, Y", size_args=["int32_t M"]\n'
        "        )\n"
    )
    module.write_text(text)
    uri = module.as_uri()
    open_doc(client, uri, text)
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position(text, "def_kernel(", 2))
    )
    assert hover is not None
    assert hover.contents.value == (
        "```cpp\nint KERNEL_NAME(const uint16_t* X, const uint16_t* W, uint16_t* Y, int32_t M,"
        "size_t* workspace_size, uint8_t* workspace, hipStream_t stream)\n```\n\n"
        f"*Example*: every node float16 128x64, row-major ({profile}); the real signature "
        f"depends on the graph's nodes.\n\nProfile {profile}: {reason}."
    )
