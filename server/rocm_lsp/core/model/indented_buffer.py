"""Inductor's ``IndentedBuffer``: the line buffer whose ``splice`` shapes hook output."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator


class IndentedBuffer:
    """Lines with an indent level; ``tabwidth`` spaces per level."""

    tabwidth = 4

    def __init__(self, initial_indent: int = 0) -> None:
        self._lines: list[str] = []
        self._indent = initial_indent

    def getvalue(self) -> str:
        return "".join(f"{line}\n" for line in self._lines)

    def prefix(self) -> str:
        return " " * (self._indent * self.tabwidth)

    def writeline(self, line: str) -> None:
        self._lines.append(f"{self.prefix()}{line}" if line.strip() else "")

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.writeline(line)

    @contextlib.contextmanager
    def indent(self, offset: int = 1) -> Iterator[None]:
        self._indent += offset
        try:
            yield
        finally:
            self._indent -= offset

    def splice(self, other_code: IndentedBuffer | str, strip: bool = False) -> None:
        """Append another buffer (re-based to its least indent) or a dedented string."""
        if isinstance(other_code, IndentedBuffer):
            indents = [len(line) - len(line.lstrip()) for line in other_code._lines if line]
            dedent = min(indents) if indents else 0
            for line in other_code._lines:
                IndentedBuffer.writeline(self, line[dedent:])
            return
        other_code = textwrap.dedent(other_code)
        if strip:
            other_code = other_code.lstrip()
        if not other_code:
            return
        for line in other_code.rstrip().split("\n"):
            IndentedBuffer.writeline(self, line)
