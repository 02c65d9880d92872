"""textDocument/codeAction: the quick fixes of the findings in the range (``quickfix``), and
``source.fixAll.rocm-lsp``, which applies every safe fix (what ``rocm-lsp check --fix`` applies
in one pass), and, after a sweep, "Apply tuned [vars]" (``features/tune_command.py``). The fixes
are the core's (``core/features/fixes.py``).

Python modules get no actions: their findings lie in string literals, where a fix or an ignore
comment would change the template text the module holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as lsp

from rocm_lsp.lsp import convert
from rocm_lsp.lsp.features.tune_command import APPLY_KIND, apply_title, winner_edits
from rocm_lsp.lsp.server import RocmLanguageServer

QUICKFIX = "quickfix"
FIX_ALL = "source.fixAll.rocm-lsp"
FIX_ALL_TITLE = "Fix all safely fixable rocm-lsp findings"


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether the client asked for ``kind`` (``only`` lists kinds or their prefixes)."""
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


def register(server: RocmLanguageServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL, APPLY_KIND]),
    )
    async def code_action(
        ls: RocmLanguageServer, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction] | None:
        snapshot = await ls.template_snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        from rocm_lsp.core.features.fixes import edits_of, fix_all, fixes_for

        analysis, pos, uri = snapshot.analysis, snapshot.positions, snapshot.uri
        version = snapshot.version if convert.takes_document_changes(ls.client_capabilities) else None
        found = ls.settings.filter(list(analysis.diagnostics))
        only = params.context.only
        start, end = pos.offset(params.range.start), pos.offset(params.range.end)
        actions = []
        if _wanted(only, QUICKFIX):
            for d in found:
                if d.span.start <= end and start <= d.span.end:
                    actions += [convert.code_action(f, d, pos, uri, version) for f in fixes_for(analysis, d)]
        if _wanted(only, FIX_ALL):
            fixed = fix_all(analysis, found)
            if fixed.fixes:
                edits = edits_of(fixed.fixes)
                actions.append(convert.fix_all_action(FIX_ALL_TITLE, FIX_ALL, edits, pos, uri, version))
        tuned = winner_edits(ls, snapshot) if _wanted(only, APPLY_KIND) else ()
        if tuned:
            actions.append(convert.fix_all_action(apply_title(ls, uri), APPLY_KIND, tuned, pos, uri, version))
        return actions or None
