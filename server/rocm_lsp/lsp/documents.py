"""Open documents split into lines as the LSP specification and editors do.

pygls 2.1's ``TextDocument.lines`` is ``str.splitlines``, which also ends a line at
``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``. The client counts
lines only at ``\\n``, ``\\r\\n`` and ``\\r``, so after any of those characters pygls applied
incremental edits on the wrong line and the server's text drifted from the editor's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pygls.workspace import TextDocument, Workspace

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SpecTextDocument(TextDocument):
    """A pygls document whose lines end only at ``\\n``, ``\\r\\n`` or ``\\r``."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(_LINE.findall(self.source))


def use_spec_lines(workspace: Workspace) -> None:
    """Make ``workspace`` open every document as a :class:`SpecTextDocument`."""

    def create(
        doc_uri: str, source: str | None = None, version: int | None = None, language_id: str | None = None
    ) -> TextDocument:
        return SpecTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=workspace._sync_kind,
            position_codec=workspace.position_codec,
        )

    workspace._create_text_document = create  # type: ignore[method-assign]
