"""Rename (and prepareRename), references, document highlight and folding ranges through the
real server, in a template and in a Python template module."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import open_doc, position
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

TEXT = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
Y = { dtype = "float16", size = ["s0", 64] }
[vars]
BLOCK = 128
[shapes]
s0 = 1024
[bench]
reference = "X * 2"
-#}
{#
  Y = 2 * X
#}
{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} {
  {%- for i in range(2) %}
  // {{ i }}: {{ BLOCK }}
  {%- endfor %}
  constexpr int kBlock = {{ BLOCK }};
  const int64_t n = {{kernel.size(X, 0, -1)}};
}
"""
URI = "file:///demo/navigation.hip.jinja"
REQUEST_FAILED = -32803


def applied(text: str, edit: lsp.WorkspaceEdit, uri: str) -> str:
    """``text`` after the edits ``edit`` makes to ``uri`` (ASCII text: columns are offsets)."""
    edits: list[lsp.TextEdit] = list((edit.changes or {}).get(uri, []))
    for change in edit.document_changes or []:
        assert isinstance(change, lsp.TextDocumentEdit) and change.text_document.uri == uri
        edits += [e for e in change.edits if isinstance(e, lsp.TextEdit)]
    lines = text.splitlines(keepends=True)
    starts = [sum(len(line) for line in lines[:i]) for i in range(len(lines) + 1)]

    def offset(p: lsp.Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def takes_document_changes(client: LanguageClient) -> bool:
    workspace = client.capabilities.workspace if client.capabilities else None
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def doc(uri: str = URI) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


def where(text: str, needle: str, delta: int, length: int) -> tuple[int, int, int]:
    """(line, first column, last column) of ``length`` characters ``delta`` into ``needle``."""
    start = position(text, needle, delta)
    return (start.line, start.character, start.character + length)


def spans(found: list[lsp.Location] | list[lsp.DocumentHighlight] | None) -> list[tuple[int, int, int]]:
    """(line, first column, last column) of each range, in order."""
    out = []
    for item in found or []:
        r = item.range
        assert r.start.line == r.end.line
        out.append((r.start.line, r.start.character, r.end.character))
    return sorted(out)


async def test_rename_a_node(client: LanguageClient) -> None:
    open_doc(client, URI, TEXT)
    edit = await client.text_document_rename_async(
        lsp.RenameParams(doc(), position(TEXT, "kernel.size(X", 12), new_name="Inp")
    )
    assert edit is not None
    assert applied(TEXT, edit, URI) == (
        TEXT.replace("\nX = {", "\nInp = {")
        .replace('"X * 2"', '"Inp * 2"')
        .replace("inputs=[X]", "inputs=[Inp]")
        .replace("kernel.size(X", "kernel.size(Inp")
    )  # names_str and the comment keep X
    if takes_document_changes(client):
        assert edit.document_changes is not None
        change = edit.document_changes[0]
        assert isinstance(change, lsp.TextDocumentEdit) and change.text_document.version == 1


async def test_prepare_rename_refuses_a_hook(client: LanguageClient) -> None:
    open_doc(client, URI, TEXT)
    with pytest.raises(JsonRpcException) as refused:
        await client.text_document_prepare_rename_async(
            lsp.PrepareRenameParams(doc(), position(TEXT, "kernel.size", 8))
        )
    assert (refused.value.code, refused.value.message) == (
        REQUEST_FAILED,
        "kernel.size is a hook: it cannot be renamed",
    )
    with pytest.raises(JsonRpcException) as refused:
        await client.text_document_rename_async(
            lsp.RenameParams(doc(), position(TEXT, "{{ BLOCK }};", 3), new_name="Y")
        )
    assert refused.value.message == "Y is already declared in [nodes]: choose another name"
    found = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(doc(), position(TEXT, "{{ BLOCK }};", 4))
    )
    assert found == lsp.Range(position(TEXT, "BLOCK }};"), position(TEXT, " }};"))
    nothing = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(doc(), position(TEXT, "constexpr"))
    )
    assert nothing is None


async def test_references_of_a_var(client: LanguageClient) -> None:
    open_doc(client, URI, TEXT)
    at = position(TEXT, "{{ BLOCK }}", 3)
    found = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc(), position=at, context=lsp.ReferenceContext(include_declaration=True)
        )
    )
    uses = [where(TEXT, "{{ BLOCK }}", 3, 5), where(TEXT, "{{ BLOCK }};", 3, 5)]
    assert spans(found) == [where(TEXT, "BLOCK = 128", 0, 5), *uses]
    assert all(location.uri == URI for location in found or [])
    found = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc(), position=at, context=lsp.ReferenceContext(include_declaration=False)
        )
    )
    assert spans(found) == uses


async def test_highlight_a_loop_variable_and_a_node(client: LanguageClient) -> None:
    open_doc(client, URI, TEXT)
    found = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(doc(), position(TEXT, "{{ i }}", 3))
    )
    assert [(h.range.start, h.kind) for h in found or []] == [
        (position(TEXT, "for i", 4), lsp.DocumentHighlightKind.Write),
        (position(TEXT, "{{ i }}", 3), lsp.DocumentHighlightKind.Read),
    ]
    found = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(doc(), position(TEXT, "\nX = {", 1))
    )
    kinds = [h.kind for h in sorted(found or [], key=lambda h: (h.range.start.line, h.range.start.character))]
    assert spans(found) == [
        where(TEXT, "\nX = {", 1, 1),
        where(TEXT, '"X * 2"', 1, 1),
        where(TEXT, "inputs=[X]", 8, 1),
        where(TEXT, "size(X", 5, 1),
    ]
    assert kinds == [lsp.DocumentHighlightKind.Write, *[lsp.DocumentHighlightKind.Read] * 3]
    nothing = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(doc(), position(TEXT, "constexpr"))
    )
    assert nothing is None


async def test_folding_ranges_of_a_fixture(client: LanguageClient) -> None:
    open_doc(client, URI, TEXT)
    found = await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc()))
    assert [(f.start_line, f.end_line, f.kind) for f in found or []] == [
        (0, 10, lsp.FoldingRangeKind.Region),
        (11, 13, lsp.FoldingRangeKind.Comment),
        (15, 17, None),
    ]


async def test_rename_in_a_python_module_renames_the_render_keyword(
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
    edit = await client.text_document_rename_async(
        lsp.RenameParams(doc(uri), position(text, "{{ name }}", 4), new_name="function_name")
    )
    assert edit is not None
    assert applied(text, edit, uri) == text.replace("name", "function_name")
    found = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(doc(uri), position(text, "value=", 1))
    )
    assert spans(found) == [where(text, "{{ value }}", 3, 5), where(text, "value=6", 0, 5)]
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc(uri)))
    assert folds is None  # Python's own folding is the Python server's
