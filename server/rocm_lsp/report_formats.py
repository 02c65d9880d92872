"""Output formats of ``rocm-lsp check``: concise, json (ruff's fields), github, sarif."""

from __future__ import annotations

import json
from collections.abc import Callable

from rocm_lsp import __version__
from rocm_lsp.core.check import FileReport
from rocm_lsp.core.diagnostics import RULES, Diagnostic, Severity

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _rows(report: FileReport, d: Diagnostic) -> tuple[int, int, int, int]:
    """1-based (row, column, end row, end column) with columns in characters."""
    line, col = report.index.position(d.span.start)
    end_line, end_col = report.index.position(max(d.span.end, d.span.start))
    return line + 1, col + 1, end_line + 1, end_col + 1


def concise(reports: list[FileReport]) -> str:
    lines = []
    for report in reports:
        for d in report.diagnostics:
            row, col, _, _ = _rows(report, d)
            message = d.message.replace("\n", " ")
            lines.append(f"{report.path}:{row}:{col}: {d.code} {message}")
    return "".join(f"{line}\n" for line in lines)


def json_records(reports: list[FileReport]) -> list[dict]:
    out = []
    for report in reports:
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            out.append(
                {
                    "filename": str(report.path),
                    "code": d.code,
                    "message": d.message,
                    "severity": d.severity.label,
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
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            props = (
                f"file={_escape_property(str(report.path))},line={row},col={col},"
                f"endLine={end_row},endColumn={end_col},title={_escape_property(f'rocm-lsp ({d.code})')}"
            )
            lines.append(f"::{GITHUB_LEVEL[d.severity]} {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "".join(f"{line}\n" for line in lines)


def sarif(reports: list[FileReport]) -> str:
    used = sorted({d.code for r in reports for d in r.diagnostics})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": RULES[code].title},
            "defaultConfiguration": {"level": SARIF_LEVEL[RULES[code].severity]},
            "helpUri": f"docs/diagnostics.md#{code.lower()}",
        }
        for code in used
    ]
    results = []
    for report in reports:
        for d in report.diagnostics:
            row, col, end_row, end_col = _rows(report, d)
            results.append(
                {
                    "ruleId": d.code,
                    "ruleIndex": used.index(d.code),
                    "level": SARIF_LEVEL[d.severity],
                    "message": {"text": d.message},
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


FORMATS: dict[str, Callable[[list[FileReport]], str]] = {
    "concise": concise,
    "json": as_json,
    "github": github,
    "sarif": sarif,
}
