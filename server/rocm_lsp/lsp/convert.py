"""The one module that builds LSP types: spans <-> ranges (with the negotiated position
encoding), core diagnostics, hovers, hints, completions, symbols, code lenses, code actions and the
server's messages, requests and reports -> lsprotocol. The feature modules pass domain
data in (spans, core findings, titles, command ids) and return what comes out
(``tests/test_architecture.py`` holds the rule)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from rocm_lsp.core.diagnostics import Diagnostic, Severity
from rocm_lsp.core.text import LineIndex, Span

if TYPE_CHECKING:  # the feature modules import these lazily, off the start-up path
    from rocm_lsp.core.features.completion import Completion, SignatureHelp
    from rocm_lsp.core.features.fixes import Fix
    from rocm_lsp.core.features.hover import Hover
    from rocm_lsp.core.features.inlay import InlayHint
    from rocm_lsp.core.features.navigation import Symbol
    from rocm_lsp.core.features.symbols import Fold, Highlight
    from rocm_lsp.core.text import Edit

SOURCE = "rocm-lsp"
_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_COMPLETION_KIND = {
    "hook": lsp.CompletionItemKind.Method,
    "node": lsp.CompletionItemKind.Variable,
    "variable": lsp.CompletionItemKind.Variable,
    "dtype": lsp.CompletionItemKind.EnumMember,
    "key": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.Value,
    "attribute": lsp.CompletionItemKind.Field,
}
_MESSAGE_TYPE = {
    Severity.ERROR: lsp.MessageType.Error,
    Severity.WARNING: lsp.MessageType.Warning,
    Severity.INFO: lsp.MessageType.Info,
}
_SYMBOL_KIND = {
    "function": lsp.SymbolKind.Function,
    "variable": lsp.SymbolKind.Variable,
    "constant": lsp.SymbolKind.Constant,
    "namespace": lsp.SymbolKind.Namespace,
}


class Positions:
    """Offsets <-> LSP positions for one text in one position encoding."""

    def __init__(self, index: LineIndex, encoding: str = lsp.PositionEncodingKind.Utf16) -> None:
        self.index = index
        self.encoding = encoding

    def _units(self, text: str) -> int:
        if self.encoding == lsp.PositionEncodingKind.Utf32:
            return len(text)
        if self.encoding == lsp.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)

    def position(self, offset: int) -> lsp.Position:
        line, col = self.index.position(offset)
        start = self.index.line_span(line).start
        return lsp.Position(line, self._units(self.index.text[start : start + col]))

    def range(self, span: Span) -> lsp.Range:
        return lsp.Range(self.position(span.start), self.position(max(span.start, span.end)))

    def offset(self, position: lsp.Position) -> int:
        if position.line >= self.index.line_count:
            return len(self.index.text)
        line = self.index.line_span(position.line)
        text = self.index.text[line.start : line.end]
        if self.encoding == lsp.PositionEncodingKind.Utf32:
            return line.start + min(position.character, len(text))
        units = 0
        for i, ch in enumerate(text):
            if units >= position.character:
                return line.start + i
            if self.encoding == lsp.PositionEncodingKind.Utf8:
                units += len(ch.encode("utf-8", "surrogatepass"))
            else:
                units += 2 if ord(ch) > 0xFFFF else 1
        return line.end


def diagnostic(d: Diagnostic, pos: Positions, uri: str) -> lsp.Diagnostic:
    related = [
        lsp.DiagnosticRelatedInformation(lsp.Location(uri, pos.range(r.span)), r.message) for r in d.related
    ]
    return lsp.Diagnostic(
        range=pos.range(d.span),
        message=d.message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        source=SOURCE,
        related_information=related or None,
    )


def diagnostic_report(
    found: Iterable[Diagnostic], pos: Positions | None, uri: str
) -> lsp.DocumentDiagnosticReport:
    """The answer to ``textDocument/diagnostic``: every finding, in full (``pos`` None: the
    document is not analysed, an empty report)."""
    items = [] if pos is None else [diagnostic(d, pos, uri) for d in found]
    return lsp.RelatedFullDocumentDiagnosticReport(items=items)


def published_diagnostics(
    found: Iterable[Diagnostic], pos: Positions, uri: str, version: int | None
) -> lsp.PublishDiagnosticsParams:
    """``textDocument/publishDiagnostics`` for one version of a document."""
    items = [diagnostic(d, pos, uri) for d in found]
    return lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)


def cleared_diagnostics(uri: str) -> lsp.PublishDiagnosticsParams:
    """``textDocument/publishDiagnostics`` with nothing: the client forgets the document's findings."""
    return lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])


def hover(h: Hover, pos: Positions) -> lsp.Hover:
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=h.markdown),
        range=pos.range(h.span),
    )


def inlay_hint(h: InlayHint, pos: Positions) -> lsp.InlayHint:
    return lsp.InlayHint(
        position=pos.position(h.offset),
        label=h.label,
        kind=lsp.InlayHintKind.Type,
        padding_left=True,
        tooltip=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=f"```cpp\n{h.tooltip}\n```"),
    )


def completion(c: Completion, pos: Positions, offset: int, snippets: bool) -> lsp.CompletionItem:
    """``snippets``: the client supports snippet syntax (else tab stops are left out)."""
    edit = None
    snippet = snippets and c.insert_text is not None
    text = (c.insert_text or c.label) if snippet else c.plain_text
    if c.replace_from is not None:
        edit = lsp.TextEdit(pos.range(Span(c.replace_from, offset)), text)
    return lsp.CompletionItem(
        label=c.label,
        kind=_COMPLETION_KIND.get(c.kind, lsp.CompletionItemKind.Text),
        detail=c.detail,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=c.documentation)
        if c.documentation
        else None,
        insert_text_format=lsp.InsertTextFormat.Snippet if snippet else lsp.InsertTextFormat.PlainText,
        text_edit=edit,
        insert_text=None if edit else text,
    )


def completion_list(
    found: Iterable[Completion], pos: Positions, offset: int, snippets: bool
) -> lsp.CompletionList:
    """Every completion at ``offset``, as one complete list."""
    return lsp.CompletionList(
        is_incomplete=False, items=[completion(c, pos, offset, snippets) for c in found]
    )


def signature_help(s: SignatureHelp) -> lsp.SignatureHelp:
    params = [lsp.ParameterInformation(label=label, documentation=doc) for label, doc in s.parameters]
    info = lsp.SignatureInformation(
        label=s.label,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=s.documentation),
        parameters=params,
        active_parameter=s.active,
    )
    return lsp.SignatureHelp(signatures=[info], active_signature=0, active_parameter=s.active)


def symbol(s: Symbol, pos: Positions) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=s.name,
        kind=_SYMBOL_KIND[s.kind],
        detail=s.detail,
        range=pos.range(s.span),
        selection_range=pos.range(s.selection),
        children=[symbol(c, pos) for c in s.children] or None,
    )


def location(uri: str, span: Span, pos: Positions) -> lsp.Location:
    return lsp.Location(uri, pos.range(span))


def code_lens(span: Span, pos: Positions, title: str, command: str, uri: str, *more: Any) -> lsp.CodeLens:
    """A lens over ``span`` titled ``title`` that runs ``command`` with the document's ``uri``
    (and ``more`` arguments)."""
    return lsp.CodeLens(
        range=pos.range(span), command=lsp.Command(title=title, command=command, arguments=[uri, *more])
    )


def log_message(text: str, severity: Severity = Severity.INFO) -> lsp.LogMessageParams:
    """``window/logMessage``: ``text`` in the client's log."""
    return lsp.LogMessageParams(type=_MESSAGE_TYPE[severity], message=text)


def show_message(text: str, severity: Severity = Severity.INFO) -> lsp.ShowMessageParams:
    """``window/showMessage``: ``text`` shown to the user."""
    return lsp.ShowMessageParams(type=_MESSAGE_TYPE[severity], message=text)


def show_document(uri: str, line: int | None = None, focus: bool = False) -> lsp.ShowDocumentParams:
    """``window/showDocument``: open ``uri`` in the editor (at the 0-based ``line`` when given),
    the focus staying where it is unless ``focus``."""
    selection = None if line is None else lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
    return lsp.ShowDocumentParams(uri=uri, external=False, take_focus=focus, selection=selection)


def apply_edit(edit: lsp.WorkspaceEdit, label: str) -> lsp.ApplyWorkspaceEditParams:
    """``workspace/applyEdit``: ask the client to apply ``edit`` (``label`` names it for undo)."""
    return lsp.ApplyWorkspaceEditParams(edit=edit, label=label)


def configuration_request(section: str) -> lsp.ConfigurationParams:
    """``workspace/configuration`` for one settings ``section``."""
    return lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=section)])


def text_edits(edits: Iterable[Edit], pos: Positions) -> list[lsp.TextEdit]:
    """Core edits (spans of the analysed text) as LSP text edits, in the negotiated encoding."""
    return [lsp.TextEdit(pos.range(e.span), e.new_text) for e in edits]


def takes_document_changes(capabilities: lsp.ClientCapabilities) -> bool:
    """Whether the client applies ``documentChanges`` (edits tied to a document version)."""
    workspace = capabilities.workspace
    edit = workspace.workspace_edit if workspace is not None else None
    return bool(edit is not None and edit.document_changes)


def workspace_edit(edits: Iterable[Edit], pos: Positions, uri: str, version: int | None) -> lsp.WorkspaceEdit:
    """Edits of one document: ``documentChanges`` tied to ``version`` (a client that supports
    them refuses to apply them to another version), else plain ``changes`` (``version`` None)."""
    found = text_edits(edits, pos)
    if version is None:
        return lsp.WorkspaceEdit(changes={uri: found})
    document = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return lsp.WorkspaceEdit(
        document_changes=[lsp.TextDocumentEdit(text_document=document, edits=list(found))]
    )


def code_action(fix: Fix, found: Diagnostic, pos: Positions, uri: str, version: int | None) -> lsp.CodeAction:
    """A ``quickfix`` for one finding (``found``, attached as the client's diagnostic)."""
    return lsp.CodeAction(
        title=fix.title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(found, pos, uri)],
        is_preferred=fix.preferred or None,
        edit=workspace_edit(fix.edits, pos, uri, version),
    )


def fix_all_action(
    title: str, kind: str, edits: Iterable[Edit], pos: Positions, uri: str, version: int | None
) -> lsp.CodeAction:
    """A source action (``source.fixAll.rocm-lsp``) that applies many fixes at once."""
    return lsp.CodeAction(title=title, kind=kind, edit=workspace_edit(edits, pos, uri, version))


def request_failed(reason: str) -> JsonRpcException:
    """The error that answers a request the server understood but will not do (a refused
    rename): the client shows ``reason``."""
    return JsonRpcException(message=reason, code=lsp.LSPErrorCodes.RequestFailed)


def document_highlight(h: Highlight, pos: Positions) -> lsp.DocumentHighlight:
    kind = lsp.DocumentHighlightKind.Write if h.kind == "write" else lsp.DocumentHighlightKind.Read
    return lsp.DocumentHighlight(range=pos.range(h.span), kind=kind)


def folding_range(f: Fold) -> lsp.FoldingRange:
    """A fold in whole lines (core lines are the client's: both break at \\n, \\r\\n and \\r)."""
    kind = {"comment": lsp.FoldingRangeKind.Comment, "header": lsp.FoldingRangeKind.Region}.get(f.kind)
    return lsp.FoldingRange(start_line=f.start_line, end_line=f.end_line, kind=kind)
