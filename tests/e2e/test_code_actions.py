"""Code actions through the real server: each quick fix (and fix-all) is applied as the client
would apply it, and the resulting text is compared with the expected text, written out here."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import position
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diagnostics"


def _fixture(name: str) -> str:
    return (FIXTURES / f"{name}.hip.jinja").read_text(encoding="utf-8")


def _offset(text: str, pos: lsp.Position, encoding: str) -> int:
    """The character offset of ``pos`` in ``text`` (lines end at \\n here) in the negotiated encoding."""
    start = 0
    for _ in range(pos.line):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    line = text[start : len(text) if end == -1 else end]
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return start + i
        if encoding == lsp.PositionEncodingKind.Utf8:
            units += len(ch.encode("utf-8"))
        elif encoding == lsp.PositionEncodingKind.Utf32:
            units += 1
        else:
            units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(line)


def _apply(client: LanguageClient, text: str, edit: lsp.WorkspaceEdit | None, uri: str) -> str:
    """``text`` after the client applies ``edit`` (``changes`` or ``documentChanges``)."""
    assert edit is not None
    if edit.document_changes is not None:
        (change,) = edit.document_changes
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.uri == uri and change.text_document.version == 1
        edits = list(change.edits)
    else:
        assert edit.changes is not None and list(edit.changes) == [uri]
        edits = list(edit.changes[uri])
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    encoding = caps.position_encoding or lsp.PositionEncodingKind.Utf16
    spans = [
        (_offset(text, e.range.start, encoding), _offset(text, e.range.end, encoding), e.new_text)
        for e in edits
        if isinstance(e, lsp.TextEdit)
    ]
    assert len(spans) == len(edits)
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


async def _actions(
    client: LanguageClient, uri: str, text: str, needle: str, only: list[str] | None = None
) -> list[lsp.CodeAction]:
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
        )
    )
    line = position(text, needle).line  # the whole line: its columns differ between encodings
    found = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(line, 0), lsp.Position(line + 1, 0)),
            context=lsp.CodeActionContext(diagnostics=[], only=only),
        )
    )
    actions = [a for a in found or [] if isinstance(a, lsp.CodeAction)]
    assert len(actions) == len(found or [])
    return actions


# fixture, where to ask (a needle in the text), the action's title, (old, new) in the text
CASES = [
    (
        "RL201_names_arity",
        '"X, Y")',
        'Set names_str to "X, W, Y"',
        ('names_str="X, Y"', 'names_str="X, W, Y"'),
    ),
    (
        "RL211_pt_export_missing",
        "kernel.def_kernel",
        "Write PT_EXPORT before def_kernel",
        ("{{kernel.def_kernel(", "PT_EXPORT {{kernel.def_kernel("),
    ),
    (
        "RL214_unused_node",
        "Bias =",
        "Remove the unused node Bias",
        ('Bias = { dtype = "float16", size = [64] }\n', ""),
    ),
    (
        "RL201_names_arity",
        '"X, Y")',
        "Ignore RL201 on this line",
        ("{# expect: RL201@59 #}\n", "{# expect: RL201@59 #} {#- rocm-lsp: ignore[RL201] #}\n"),
    ),
    (
        "RL214_unused_node",
        "Bias =",
        "Ignore RL214 on this line",
        ("size = [64] }\n", "size = [64] }  # rocm-lsp: ignore[RL214]\n"),
    ),
]


@pytest.mark.parametrize(("name", "needle", "title", "change"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
async def test_quick_fix_gives_the_exact_text(
    client: LanguageClient, name: str, needle: str, title: str, change: tuple[str, str]
) -> None:
    text = _fixture(name)
    uri = f"file:///fixes/{name}.hip.jinja"
    actions = await _actions(client, uri, text, needle)
    (action,) = [a for a in actions if a.title == title]
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert [d.code for d in action.diagnostics or []] == [name[:5]]
    assert bool(action.is_preferred) == ("Ignore" not in title)
    old, new = change
    assert text.count(old) == 1
    assert _apply(client, text, action.edit, uri) == text.replace(old, new)


async def test_positions_follow_the_negotiated_encoding(client: LanguageClient) -> None:
    """A character outside the BMP before the fix on its line: 2 UTF-16 units, 4 UTF-8 bytes."""
    text = _fixture("RL211_pt_export_missing").replace(
        "{{kernel.def_kernel(", "{# 𝔛 #}{{kernel.def_kernel(", 1
    )
    uri = "file:///fixes/astral.hip.jinja"
    actions = await _actions(client, uri, text, "kernel.def_kernel")
    (action,) = [a for a in actions if a.title == "Write PT_EXPORT before def_kernel"]
    expected = text.replace("{# 𝔛 #}{{kernel", "{# 𝔛 #}PT_EXPORT {{kernel")
    assert _apply(client, text, action.edit, uri) == expected


async def test_fix_all_applies_every_safe_fix(client: LanguageClient) -> None:
    text = _fixture("RL201_names_arity").replace(
        'Y = { dtype = "float16", size = [64, 64] }\n',
        'Y = { dtype = "float16", size = [64, 64] }\nSpare = { dtype = "float16", size = [8] }\n',
    )
    uri = "file:///fixes/fix_all.hip.jinja"
    actions = await _actions(client, uri, text, "return", only=[lsp.CodeActionKind.SourceFixAll])
    (action,) = actions
    assert action.kind == "source.fixAll.rocm-lsp"
    expected = text.replace('Spare = { dtype = "float16", size = [8] }\n', "").replace(
        'names_str="X, Y"', 'names_str="X, W, Y"'
    )
    assert _apply(client, text, action.edit, uri) == expected
    quick = await _actions(client, uri, text, '"X, Y")', only=[lsp.CodeActionKind.QuickFix])
    assert quick and all(a.kind == lsp.CodeActionKind.QuickFix for a in quick)


async def test_unsafe_fix_is_offered_but_not_in_fix_all(client: LanguageClient) -> None:
    text = _fixture("RL213_names_swapped")
    uri = "file:///fixes/swapped.hip.jinja"
    actions = await _actions(client, uri, text, "X, W], outputs", only=None)
    titles = [a.title for a in actions]
    assert 'Set names_str to "X, W, Y"' in titles
    assert "source.fixAll.rocm-lsp" not in [a.kind for a in actions]  # the only fix is unsafe


async def test_python_modules_get_no_actions(client: LanguageClient) -> None:
    text = 'TEMPLATE = r"""\n{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, Y")}}\n"""\n'
    uri = "file:///fixes/module.py"
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    at = position(text, "names_str")
    found = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(at, at),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    assert found is None
