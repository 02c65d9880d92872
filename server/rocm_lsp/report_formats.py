"""Output formats of ``rocm-lsp check``: concise, full (with the source and the fix, as ruff's),
json (ruff's fields), github, sarif.

Messages quote template text, which may hold terminal control sequences (an ESC that clears
the screen, a CR that overwrites the line with "All checks passed"): text formats pass every
path and message through ``printable``; json and sarif escape them as JSON does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rocm_lsp import __version__
from rocm_lsp.core.diagnostics import RULES, Diagnostic, Severity
from rocm_lsp.core.workspace.check import FileReport

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# C0, DEL and C1 controls; bidirectional overrides and isolates ("Trojan Source"); the
# Unicode line and paragraph separators, which some terminals and viewers break lines at;
# lone surrogates (a file name that is not UTF-8), which cannot be written out at all.
_CONTROLS = [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F)]
_CONTROLS += [*range(0x2066, 0x206A), 0x2028, 0x2029, *range(0xD800, 0xE000)]


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code < 0xDD00:  # a byte that os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_ESCAPES = {code: _escape(code) for code in _CONTROLS}
_ESCAPES_KEEPING_LF = {code: text for code, text in _ESCAPES.items() if code != 0x0A}


def printable(text: Any, newlines: bool = False) -> str:
    """``text`` with control characters written as ``\\x1b``, ``\\r``, ``\\u202e``, …; line feeds
    are kept when ``newlines`` (multi-line contexts), escaped otherwise."""
    return str(text).translate(_ESCAPES_KEEPING_LF if newlines else _ESCAPES)


def _rows(report: FileReport, d: Diagnostic) -> tuple[int, int, int, int]:
    """1-based (row, column, end row, end column) with columns in characters."""
    try:
        line, col = report.index.position(d.span.start)
        end_line, end_col = report.index.position(max(d.span.end, d.span.start))
    except Exception:  # noqa: BLE001 - a malformed finding is still reported, at the top
        return 1, 1, 1, 1
    return line + 1, col + 1, end_line + 1, end_col + 1


def _severity(d: Diagnostic) -> Severity:
    try:
        return Severity(d.severity)
    except (ValueError, TypeError):
        return Severity.ERROR


def _headline(report: FileReport, d: Diagnostic) -> str:
    """``path:row:col: CODE message`` on one line (concise's line, full's first)."""
    row, col, _, _ = _rows(report, d)
    message = printable(str(d.message).replace("\n", " "))
    return f"{printable(report.path)}:{row}:{col}: {printable(d.code)} {message}"


def concise(reports: list[FileReport]) -> str:
    return "".join(f"{_headline(report, d)}\n" for report in reports for d in report.diagnostics)


def json_records(reports: list[FileReport]) -> list[dict]:
    out = []
    for report in reports:
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            out.append(
                {
                    "filename": str(report.path),
                    "code": str(d.code),
                    "message": str(d.message),
                    "severity": _severity(d).label,
                    "location": {"row": row, "column": col},
                    "end_location": {"row": end_row, "column": end_col},
                }
            )
    return out


def as_json(reports: list[FileReport]) -> str:
    return json.dumps(json_records(reports), indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(reports: list[FileReport]) -> str:
    lines = []
    for report in reports:
        path = _escape_property(printable(report.path))
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            code = printable(d.code)
            props = (
                f"file={path},line={row},col={col},"
                f"endLine={end_row},endColumn={end_col},title={_escape_property(f'rocm-lsp ({code})')}"
            )
            text = _escape_data(printable(f"{code} {d.message}", newlines=True))
            lines.append(f"::{GITHUB_LEVEL[_severity(d)]} {props}::{text}")
    return "".join(f"{line}\n" for line in lines)


def _sarif_rule(code: str) -> dict:
    rule = RULES.get(code)
    title = rule.title if rule is not None else "unregistered code"
    level = SARIF_LEVEL[rule.severity] if rule is not None else "error"
    return {
        "id": code,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": level},
        # no helpUri: SARIF wants an absolute URI and the project has no published documentation site
        "help": {"text": f"{code}: see docs/diagnostics.md in the rocm-lsp sources"},
    }


def sarif(reports: list[FileReport]) -> str:
    used = sorted({str(d.code) for r in reports for d in r.diagnostics})
    rules = [_sarif_rule(code) for code in used]
    results = []
    for report in reports:
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            results.append(
                {
                    "ruleId": str(d.code),
                    "ruleIndex": used.index(str(d.code)),
                    "level": SARIF_LEVEL[_severity(d)],
                    "message": {"text": str(d.message)},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": report.path.as_posix()},
                                "region": {
                                    "startLine": row,
                                    "startColumn": col,
                                    "endLine": end_row,
                                    "endColumn": end_col,
                                },
                            }
                        }
                    ],
                }
            )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "rocm-lsp", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


MAX_SHOWN_LINES = 6  # `full` shows at most this many source lines of one finding (first and last ones)


def _shown(char: str) -> str:
    """How ``full`` shows one character of a source line (tabs as 4 spaces, controls escaped)."""
    return "    " if char == "\t" else printable(char)


def _excerpt(report: FileReport, d: Diagnostic) -> list[str]:
    """The source lines of a finding, each with ``^`` under the part of it that the finding covers."""
    index = report.index
    try:
        first, _ = index.position(d.span.start)
        last, _ = index.position(max(d.span.end, d.span.start))
    except Exception:  # noqa: BLE001 - a malformed finding is still reported, without source
        return []
    if d.span.end > d.span.start and last > first and index.position(d.span.end)[1] == 0:
        last -= 1  # a span ending at a line break: the next line is not part of it
    numbers = list(range(first, last + 1))
    if len(numbers) > MAX_SHOWN_LINES:
        half = MAX_SHOWN_LINES // 2
        numbers = numbers[:half] + [-1] + numbers[-half:]
    width = len(str(last + 1))
    out = [f"{'':>{width}} |"]
    for number in numbers:
        if number < 0:
            out.append(f"{'...':>{width}} |")
            continue
        line = index.line_span(number)
        source = index.text[line.start : line.end]
        start = max(d.span.start, line.start) - line.start
        end = min(max(d.span.end, d.span.start), line.end) - line.start
        before = "".join(_shown(c) for c in source[:start])
        marks = "^" * max(1, len("".join(_shown(c) for c in source[start:end])))
        if d.span.end > d.span.start and end <= start and number != first:
            marks = ""  # the span only reaches the start of this line
        out.append(f"{number + 1:>{width}} | {''.join(_shown(c) for c in source)}".rstrip())
        if marks:
            out.append(f"{'':>{width}} | {' ' * len(before)}{marks}")
    out.append(f"{'':>{width}} |")
    return out


def full(reports: list[FileReport], fixes: Mapping[tuple[Path, str, int, int], str] | None = None) -> str:
    """Like ruff's ``full``: ``path:row:col: CODE message``, the source lines with ``^`` under the
    finding, ``help: <fix>`` where ``fixes`` (``(path, code, start, end)`` -> the fix's title)
    has one, and a blank line after each finding."""
    blocks = []
    for report in reports:
        for d in report.diagnostics:
            lines = [_headline(report, d), *_excerpt(report, d)]
            title = (fixes or {}).get((report.path, str(d.code), d.span.start, d.span.end))
            if title:
                lines.append(f"help: {printable(title)}")
            blocks.append("".join(f"{line}\n" for line in lines))
    return "\n".join(blocks) + ("\n" if blocks else "")


FORMATS: dict[str, Callable[[list[FileReport]], str]] = {
    "concise": concise,
    "full": full,
    "json": as_json,
    "github": github,
    "sarif": sarif,
}
