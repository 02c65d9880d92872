"""Template-only commands on an open Python module: a plain None, never a crash, and the
server keeps answering (``rocm-lsp.render`` raised AttributeError on ``PythonAnalysis``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import diagnostics, open_doc, position
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

MODULE = (
    "class ROCmGreeting:\n"
    '    src = "int {{ greeting }}() { return 0; }"\n\n'
    "    def render(self, kernel):\n"
    "        return self._template_from_string(self.src).render(greeting='hello')\n"
)


@pytest.mark.parametrize(
    "command", ["rocm-lsp.render", "rocm-lsp.preview", "rocm-lsp.compile", "rocm-lsp.benchmark"]
)
async def test_template_commands_on_a_python_module_answer_none(
    client: LanguageClient, tmp_path: Path, command: str
) -> None:
    module = tmp_path / "greeting_template.py"
    module.write_text(MODULE)
    uri = module.as_uri()
    open_doc(client, uri, MODULE)
    assert await diagnostics(client, uri, 1) == []
    answer = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=[uri])
    )
    assert answer is None
    # ... and the server still answers the module's own features
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position(MODULE, "{{ greeting }}", 4))
    )
    assert hover is not None and "greeting='hello'" in hover.contents.value
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri)))
    assert not lenses
