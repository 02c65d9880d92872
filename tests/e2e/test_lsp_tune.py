"""Tune from the editor: the lens, progress, the ranked table opened beside the template, and
the winner written into ``[vars]`` by the Apply lens's command and by the code action — over
stdio with the real server, hipcc builds, and the fake benchmark interpreter of test_tune."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from test_tune import FAKE_TEMPLATE, fake_interpreter

pytestmark = pytest.mark.skipif(
    shutil.which("hipcc") is None, reason="no hipcc (scripts/test.sh installs Debian's)"
)
SPACE = 'MS = [4.0, 0.5]\nPLANT = ["none", "mismatch"]'
BEST = 'best MS=0.5, PLANT="none": 0.5 ms · 4.00× eager · 2.00× Inductor'


def small_space() -> str:
    text = FAKE_TEMPLATE.read_text(encoding="utf-8")
    start, end = text.index("[tune]\n"), text.index("[bench]")
    return text[:start] + "[tune]\n" + SPACE + "\n\n" + text[end:]


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri)))
    return [lens.command.title for lens in lenses if lens.command is not None]


async def test_tune_ranks_shows_the_table_and_applies_the_winner(
    client: LanguageClient, tmp_path: Path
) -> None:
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    settings = {"compiler": "hipcc", "arch": "gfx90a", "benchmarkInterpreter": fake_interpreter(tmp_path)}
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": settings})
    )
    path = tmp_path / "fake_ms.hip.jinja"
    text = small_space()
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    open_doc(client, uri, text)
    assert (await lens_titles(client, uri))[-1] == "Tune"

    headline = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.tune", arguments=[uri])
    )
    assert headline == BEST
    reports = [
        r.message
        for values in client.progress_reports.values()
        for r in values
        if isinstance(r, lsp.WorkDoneProgressReport) and r.message
    ]
    if client.capabilities.window and client.capabilities.window.work_done_progress:
        assert "benchmarked 4/4 on 1 GPU" in reports
    titles = await lens_titles(client, uri)
    assert titles[-2:] == [f"Tune: {BEST}", 'Apply tuned [vars]: MS=0.5, PLANT="none"']
    window = client.capabilities.window
    if window and window.show_document and window.show_document.support:
        table = Path(client.shown_documents[-1].uri.removeprefix("file://"))
        assert table.name.endswith(".tune.md")
        assert '| 1 | `MS=0.5, PLANT="none"` | ok | 0.5 | 0.495–0.505 |' in table.read_text()

    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri),
            lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
            lsp.CodeActionContext(diagnostics=[], only=["refactor.rewrite"]),
        )
    )
    assert actions is not None and [a.title for a in actions] == ['Apply tuned [vars]: MS=0.5, PLANT="none"']
    assert await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.applyTuned", arguments=[uri])
    )
    edit = applied[-1].edit
    changes = (
        edit.document_changes[0].edits  # type: ignore[union-attr,index]
        if edit.document_changes
        else edit.changes[uri]  # type: ignore[index]
    )
    assert [(e.range.start.line, e.new_text) for e in changes] == [
        (text[: text.index("MS = 4.0")].count("\n"), "0.5")
    ]
