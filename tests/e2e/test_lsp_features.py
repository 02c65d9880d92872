"""Hover snapshots, inlay hints, completion, signature help, navigation, configuration, and
the proof that the editor and ``rocm-lsp check`` report the same findings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import REPO_TEMPLATES, diagnostics, open_doc, position, pulls, replace_all
from inline_snapshot import snapshot
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from rocm_lsp.core.workspace.check import check_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diagnostics"
SMALL = """{#- rocm-lsp
kernel_name = "k"
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
W = { dtype = "float16", size = [64, 32] }
Bias = "none"
Y = { dtype = "float16", size = ["s0", 32] }
[vars]
BLOCK = 128
[shapes]
s0 = 1024
-#}
{% set M = kernel.size(X, 0) %}
{{kernel.def_kernel(inputs=[X, W, Bias], outputs=[Y], names_str="X, W, Bias, Y")}} {
{{kernel.check_not_null(X)}}
  const int64_t numel = {{kernel.size(X, 0, -1)}};
  constexpr int kBlock = {{ BLOCK }};
}
"""
URI = "file:///demo/small.hip.jinja"


async def hover_text(client: LanguageClient, text: str, needle: str, delta: int = 0) -> str | None:
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(URI), position(text, needle, delta))
    )
    return None if hover is None else hover.contents.value


async def test_hover_snapshots(client: LanguageClient) -> None:
    open_doc(client, URI, SMALL)
    assert await hover_text(client, SMALL, "kernel.size(X, 0, -1)", 8) == snapshot("""\
```cpp
64L*ks0
```

`size(node, start_index, end_index=…, default_value=…)` — The product of the node's sizes over [start_index, end_index] as a C++ expression; size symbols become `ks…` arguments.

With `[shapes]` (s0=1024):
```cpp
65536L
```\
""")
    assert await hover_text(client, SMALL, "kernel.check_not_null", 8) == snapshot("""\
```cpp

        if (!X) {
            int64_t X_size = 64L*ks0;
            if (X_size > 0) {
                throw std::runtime_error("input X is null but size is not 0!");
            }
        }

```

`check_not_null(node)` — A C++ block that throws if the node's pointer is null while its size is not 0.

With `[shapes]` (s0=1024):
```cpp

        if (!X) {
            int64_t X_size = 65536L;
            if (X_size > 0) {
                throw std::runtime_error("input X is null but size is not 0!");
            }
        }

```\
""")
    assert await hover_text(client, SMALL, "def_kernel(", 2) == snapshot("""\
```cpp
PT_EXPORT int k(const half* X, const half* W, half* Y, const long ks0, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)
```

`def_kernel(inputs, outputs, names_str=…, input_reorder=…)` — The exported C++ signature: `PT_EXPORT int NAME(params, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)`. Size symbols used by earlier `size()` calls become `const long ks…` parameters.

**Parameters** (in order):
- `const half* X` ← node `X` (float16, [s0, 64])
- `const half* W` ← node `W` (float16, [64, 32])
- `half* Y` ← node `Y` (float16, [s0, 32])
- `const long ks0` ← size symbol `s0`

**Inductor's wrapper calls it as:**
```python
k(
    c_void_p(X.data_ptr()),
    c_void_p(W.data_ptr()),
    c_void_p(Y.data_ptr()),
    c_void_p(s0.data_ptr()),
    None,
    None,
)
```

The seed's `call_kernel` wraps size arguments in `c_void_p(….data_ptr())` too; Inductor of that era passed them that way.

With `[shapes]` (s0=1024):
```cpp
PT_EXPORT int k(const half* X, const half* W, half* Y, size_t* workspace_size, uint8_t* workspace, hipStream_t stream)
```\
""")
    assert await hover_text(client, SMALL, "inputs=[X", 8) == snapshot("""\
**X**: float16, size [s0, 64], stride contiguous

C++ element type: `half`

C++ parameter: `const half* X`\
""")
    assert await hover_text(client, SMALL, "{{ BLOCK }}", 4) == snapshot("`BLOCK` = `128` (from `[vars]`)")
    assert await hover_text(client, SMALL, "[shapes]", 2) == snapshot(
        "**shapes**: Example values for size symbols, used by `--static`, compile and benchmark."
    )


async def test_inlay_hints(client: LanguageClient) -> None:
    open_doc(client, URI, SMALL)
    hints = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(URI),
            range=lsp.Range(lsp.Position(0, 0), lsp.Position(30, 0)),
        )
    )
    assert [(h.position.line, h.label) for h in hints] == snapshot(
        [
            (12, "= ks0"),
            (13, "= PT_EXPORT int k(const half* X, const half* W, h…"),
            (14, "= if (!X) { …"),
            (15, "= 64L*ks0"),
        ]
    )


async def test_completion(client: LanguageClient) -> None:
    text = SMALL.replace("  constexpr int kBlock", "  {{ kernel. }}\n  constexpr int kBlock")
    open_doc(client, URI, text)
    result = await client.text_document_completion_async(
        lsp.CompletionParams(
            lsp.TextDocumentIdentifier(URI), position(text, "{{ kernel. }}", len("{{ kernel."))
        )
    )
    labels = [item.label for item in result.items]
    assert labels[:4] == ["def_kernel", "size", "check_not_null", "arg_name"]
    first = result.items[0]
    item_caps = client.capabilities.text_document.completion.completion_item
    if item_caps is not None and item_caps.snippet_support:
        assert first.insert_text_format == lsp.InsertTextFormat.Snippet
        assert first.text_edit.new_text == 'def_kernel(inputs=[$1], outputs=[$2], names_str="$4")$0'
    else:  # Neovim 0.7 inserts text as it stands: no tab stops
        assert first.insert_text_format == lsp.InsertTextFormat.PlainText
        assert first.text_edit.new_text == 'def_kernel(inputs=[], outputs=[], names_str="")'

    nodes = await client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(URI), position(text, "inputs=[X", len("inputs=[")))
    )
    assert [i.label for i in nodes.items] == ["X", "W", "Bias", "Y", "none"]

    dtypes = await client.text_document_completion_async(
        lsp.CompletionParams(
            lsp.TextDocumentIdentifier(URI), position(text, 'dtype = "float16"', len('dtype = "'))
        )
    )
    assert "bfloat16" in [i.label for i in dtypes.items]


async def test_signature_help(client: LanguageClient) -> None:
    open_doc(client, URI, SMALL)
    help_ = await client.text_document_signature_help_async(
        lsp.SignatureHelpParams(lsp.TextDocumentIdentifier(URI), position(SMALL, 'names_str="X', 3))
    )
    assert help_.signatures[0].label == "def_kernel(inputs, outputs, names_str=…, input_reorder=…)"
    assert help_.active_parameter == 2


async def test_definition_and_symbols(client: LanguageClient) -> None:
    open_doc(client, URI, SMALL)
    location = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(URI), position(SMALL, "outputs=[Y", len("outputs=[")))
    )
    assert location.range.start == position(SMALL, "Y = {")
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(URI))
    )
    assert [(s.name, [c.name for c in s.children or []]) for s in symbols] == [
        ("k", []),
        ("nodes", ["X", "W", "Bias", "Y"]),
        ("vars", ["BLOCK"]),
    ]


async def test_editor_and_check_agree_on_every_fixture(client: LanguageClient) -> None:
    """One engine: the diagnostics the editor shows are exactly `rocm-lsp check`'s."""
    files = sorted([*FIXTURES.glob("*.hip.jinja"), *REPO_TEMPLATES.glob("*.hip.jinja")])
    assert len(files) > 50
    for path in files:
        uri = path.as_uri()
        client.diagnostics.pop(uri, None)
        open_doc(client, uri, path.read_text())
    for path in files:
        report = check_file(path)
        expected = sorted(
            (d.code, *report.index.position(d.span.start), *report.index.position(d.span.end))
            for d in report.diagnostics
        )
        found = await diagnostics(client, path.as_uri(), 1)
        got = sorted(
            (
                str(d.code),
                d.range.start.line,
                d.range.start.character,
                d.range.end.line,
                d.range.end.character,
            )
            for d in found
        )
        assert got == expected, path.name


async def test_broken_edits_never_stop_the_server(client: LanguageClient) -> None:
    open_doc(client, URI, SMALL)
    pieces = [
        "{{",
        "{%",
        "{#",
        '"',
        "[",
        "(",
        "}}",
        "kernel.def_kernel(inputs=[",
        "\x00",
        "é€😀",
        "-#}",
        "[nodes]\n",
    ]
    text = SMALL
    for version, piece in enumerate(pieces * 3, start=2):
        cut = (version * 37) % len(text)
        text = text[:cut] + piece + text[cut:]
        replace_all(client, URI, text, version)
        hover = await client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(URI), lsp.Position(min(version, 20), 3))
        )
        assert hover is None or hover.contents.value
    final = len(pieces) * 3 + 1
    found = await diagnostics(client, URI, final)
    # the edits left NUL bytes in the text: one RL100 at the start, whatever else is broken
    assert [(d.code, d.message, d.range.start, d.range.end) for d in found] == [
        (
            "RL100",
            "file contains a NUL byte: it is binary, not a template",
            lsp.Position(0, 0),
            lsp.Position(0, 0),
        )
    ]
    replace_all(client, URI, SMALL, final + 1)
    assert [d.code for d in await diagnostics(client, URI, final + 1)] == []


async def test_unknown_settings_warn_in_the_log(client: LanguageClient) -> None:
    await client.workspace_did_change_configuration_async(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": {"bogus": 1, "ignore": ["RL201"]}})
    ) if hasattr(
        client, "workspace_did_change_configuration_async"
    ) else client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": {"bogus": 1, "ignore": ["RL201"]}})
    )
    broken = SMALL.replace('names_str="X, W, Bias, Y"', 'names_str="X, W, Y"')
    open_doc(client, URI, broken)
    for _ in range(100):
        if any("unknown rocm-lsp setting 'bogus'" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.02)
    assert any("unknown rocm-lsp setting 'bogus'" in m.message for m in client.log_messages)
    assert [d.code for d in await diagnostics(client, URI, 1)] == []
    # the ignored RL201 was left out of what this client reads: pulled (VS Code, Neovim 0.10+), or pushed (0.7)
    pulled = {"visual-studio-code": True, "neovim": True, "neovim@v0.7.0": False}[client.client_name]
    assert pulls(client) is pulled
    assert (client.init_result.capabilities.diagnostic_provider is not None) is pulled
