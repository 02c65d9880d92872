"""Fuzzing the real server: random edit sequences sent as incremental ``didChange``, with
hover, completion, signature help, definition, inlay hints, code lenses and symbols asked
after every edit without waiting for the answers (as an editor does while typing).

Every request must be answered without an error, the server must print no traceback and
send no error message, and once typing stops the diagnostics must be those of the latest
version: pushed with that version number (VS Code) or pulled (Neovim), and equal, code by
code and range by range, to what the core finds in the text the client holds.
"""

from __future__ import annotations

import asyncio
import itertools

from fuzzing import edits, fuzz, lsp_position, seed_templates
from hypothesis import given
from hypothesis import strategies as st
from lsp_session import diagnostics_of, server_problems
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from rocm_lsp.core.engine.analysis import analyze

SEEDS = seed_templates()
ANSWER_TIMEOUT = 120.0  # generous: a slow CI machine, never a timing assertion
_uris = itertools.count()


def _position(text: str, offset: int, encoding: str) -> lsp.Position:
    return lsp.Position(*lsp_position(text, offset, encoding))


def _requests(client: LanguageClient, uri: str, position: lsp.Position, end: lsp.Position) -> list:
    doc = lsp.TextDocumentIdentifier(uri)
    whole = lsp.Range(lsp.Position(0, 0), end)
    return [
        client.text_document_hover_async(lsp.HoverParams(doc, position)),
        client.text_document_completion_async(lsp.CompletionParams(doc, position)),
        client.text_document_signature_help_async(lsp.SignatureHelpParams(doc, position)),
        client.text_document_definition_async(lsp.DefinitionParams(doc, position)),
        client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, whole)),
        client.text_document_code_lens_async(lsp.CodeLensParams(doc)),
        client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc)),
    ]


async def _settled(client: LanguageClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    """The diagnostics of ``version`` once the server has caught up, never followed by a
    stale push."""
    found = await diagnostics_of(client, uri, version, ANSWER_TIMEOUT)
    pushed = client.published.log.get(uri, [])  # type: ignore[attr-defined]
    if pushed:
        await asyncio.sleep(0.3)  # a later (stale) publish would show up here
        versions = [p.version for p in pushed]
        assert versions == sorted(versions), f"diagnostics published out of order: {versions}"
        assert versions[-1] == version, versions
    return found


def _expected(text: str, encoding: str) -> list[tuple]:
    out = []
    for d in analyze(text).diagnostics:
        start, end = lsp_position(text, d.span.start, encoding), lsp_position(text, d.span.end, encoding)
        out.append((d.code, start, end))
    return sorted(out)


def _got(found: list[lsp.Diagnostic]) -> list[tuple]:
    return sorted(
        (
            str(d.code),
            (d.range.start.line, d.range.start.character),
            (d.range.end.line, d.range.end.character),
        )
        for d in found
    )


@fuzz(40)
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    changes=edits(10),
    pauses=st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.05, 0.15]), min_size=10, max_size=10),
)
async def test_random_edits_through_the_server(session: LanguageClient, seed, changes, pauses) -> None:
    client = session
    encoding = client.init_result.capabilities.position_encoding or "utf-16"  # type: ignore[attr-defined]
    uri = f"file:///fuzz/doc{next(_uris)}.hip.jinja"
    text, version = SEEDS[seed], 1
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
        )
    )
    pending = _requests(client, uri, lsp.Position(0, 0), _position(text, len(text), encoding))
    for change, pause in zip(changes, pauses):
        e = change.clamp(text)
        where = lsp.Range(_position(text, e.start, encoding), _position(text, e.end, encoding))
        text, version = e.apply(text), version + 1
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangePartial(range=where, text=e.new)],
            )
        )
        cursor = _position(text, e.start + len(e.new), encoding)
        pending += _requests(client, uri, cursor, _position(text, len(text), encoding))
        if pause:
            await asyncio.sleep(pause)
    answers = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), ANSWER_TIMEOUT)
    failed = [a for a in answers if isinstance(a, BaseException)]
    assert not failed, failed[0]
    found = await _settled(client, uri, version)
    assert _got(found) == _expected(text, encoding), repr(text)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    assert server_problems(client) == []
