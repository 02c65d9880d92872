"""Where a template text that torch rendered sits in the module's source: the string literal
whose value it is (verbatim, dedented or stripped, as torch's classes pass them to Jinja), and
the ``.py`` line of each of its lines.

Pure: the render ran elsewhere (``gpu/py_render_worker.py``) and sent back the template texts
and, per generated line, ``[template id, template line]``; this finds the literals statically.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

from rocm_lsp.core.pymodules.module_model import Module, string_value
from rocm_lsp.core.pymodules.source_map import SourceMap
from rocm_lsp.core.text import LineIndex

# How torch may turn a literal's value into the text it renders, and whether that drops the
# leading blank lines (``strip``): dedenting keeps every line.
_FORMS: tuple[tuple[Callable[[str], str], bool], ...] = (
    (lambda v: v, False),
    (textwrap.dedent, False),
    (str.strip, True),
    (lambda v: textwrap.dedent(v).strip(), True),
    (str.lstrip, True),
)


def _literals(mod: Module) -> Iterator[tuple[str, SourceMap]]:
    stack = [mod.root]
    while stack:
        node = stack.pop()
        if node.type in ("string", "concatenated_string"):
            found = string_value(mod, node)
            if found is not None:
                yield found
            continue
        stack.extend(node.children)


class RenderMap:
    """The module's string literals, to place template lines on ``.py`` lines."""

    def __init__(self, text: str, label: str = "<module>") -> None:
        self.mod = Module(text, label)
        self.index = LineIndex(text)
        self.literals = [
            (value, smap) for value, smap in _literals(self.mod) if "\n" in value or "{" in value
        ]
        self._found: dict[str, tuple[str, SourceMap, int] | None] = {}

    def _literal_of(self, template: str) -> tuple[str, SourceMap, int] | None:
        """(the literal's value, its map, the value offset where the template's line 1 starts)."""
        if template in self._found:
            return self._found[template]
        found = None
        for value, smap in self.literals:
            for form, strips in _FORMS:
                if form(value) == template:
                    lead = len(value) - len(value.lstrip()) if strips else 0
                    found = (value, smap, _line_offset(value, value.count("\n", 0, lead)))
                    break
            if found is None and len(template) > 20 and template in value:
                found = (value, smap, value.index(template))
            if found is not None:
                break
        self._found[template] = found
        return found

    def py_line(self, template: str, line: int) -> int | None:
        """The 1-based ``.py`` line of the template's 1-based ``line``, or None when no literal
        of this module holds that template (it came from another module, or was built)."""
        found = self._literal_of(template)
        if found is None:
            return None
        value, smap, start = found
        first = value.count("\n", 0, start)
        at = _line_offset(value, first + line - 1)
        return self.index.position(smap.to_file(at))[0] + 1

    def lines(self, templates: dict[str, str], provenance: list[list | None]) -> list[int | None]:
        """Per generated line, the ``.py`` line it came from (None: not from this module)."""
        out: list[int | None] = []
        for where in provenance:
            if not where or where[0] not in templates:
                out.append(None)
                continue
            out.append(self.py_line(templates[where[0]], int(where[1])))
        return out


def _line_offset(value: str, line: int) -> int:
    """Offset of the 0-based ``line`` of ``value`` (its end when there are fewer lines)."""
    at = 0
    for _ in range(line):
        nxt = value.find("\n", at)
        if nxt < 0:
            return len(value)
        at = nxt + 1
    return at
