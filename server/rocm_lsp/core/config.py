"""Typed settings shared by the CLI (``[tool.rocm-lsp]`` in pyproject.toml) and the server."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import RULES, Diagnostic, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEVERITIES = {s.label: s for s in Severity}


@dataclass(frozen=True)
class Settings:
    profile: str | None = None  # override every file's header profile
    select: tuple[str, ...] = ()  # code prefixes to report (empty: all)
    ignore: tuple[str, ...] = ()  # code prefixes never reported
    fail_on: Severity = Severity.ERROR
    severity: tuple[tuple[str, Severity], ...] = ()  # per-code severity overrides
    warnings: tuple[str, ...] = field(default=(), compare=False)  # problems with the settings

    def wants(self, diagnostic: Diagnostic) -> bool:
        code = diagnostic.code
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def filter(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """The wanted diagnostics, with severity overrides applied."""
        overrides = dict(self.severity)
        out = []
        for d in diagnostics:
            if not self.wants(d):
                continue
            if d.code in overrides and overrides[d.code] is not d.severity:
                d = replace(d, severity=overrides[d.code])
            out.append(d)
        return out


def parse_codes(value: Any) -> tuple[tuple[str, ...], list[str]]:
    """Codes or code prefixes from a list or a comma-separated string; unknown ones reported."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    codes, problems = [], []
    for item in items:
        code = str(item).strip().upper()
        if not code:
            continue
        if not any(rule.startswith(code) for rule in RULES):
            problems.append(f"unknown rule code or prefix {code!r}")
            continue
        codes.append(code)
    return tuple(codes), problems


def from_mapping(data: dict[str, Any], base: Settings = Settings()) -> Settings:
    """Settings from a mapping (pyproject table or initializationOptions); never raises."""
    warnings = list(base.warnings)
    updates: dict[str, Any] = {}
    for key, value in data.items():
        norm = key.replace("-", "_")
        if norm == "profile":
            if value is None or isinstance(value, str):
                updates["profile"] = value or None
            else:
                warnings.append("profile must be a string")
        elif norm in ("select", "ignore"):
            codes, problems = parse_codes(value)
            updates[norm] = codes
            warnings.extend(problems)
        elif norm == "severity":
            pairs, problems = _severities(value)
            updates["severity"] = pairs
            warnings.extend(problems)
        elif norm == "fail_on":
            if value in SEVERITIES:
                updates["fail_on"] = SEVERITIES[value]
            else:
                warnings.append(f"fail-on must be one of {', '.join(SEVERITIES)}")
        else:
            warnings.append(f"unknown rocm-lsp setting {key!r}")
    return replace(base, **updates, warnings=tuple(warnings))


def _severities(value: Any) -> tuple[tuple[tuple[str, Severity], ...], list[str]]:
    if not isinstance(value, dict):
        return (), ['severity must be a table of CODE = "error" | "warning" | "info"']
    pairs, problems = [], []
    for code, level in value.items():
        if str(code) not in RULES:
            problems.append(f"severity: unknown rule code {code!r}")
        elif level not in SEVERITIES:
            problems.append(f"severity: {code} must be error, warning or info, not {level!r}")
        else:
            pairs.append((str(code), SEVERITIES[level]))
    return tuple(pairs), problems


def load_pyproject(start: Path) -> Settings:
    """``[tool.rocm-lsp]`` from the nearest pyproject.toml at or above ``start``."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                return Settings(warnings=(f"{candidate}: cannot read: {exc}",))
            table = data.get("tool", {}).get("rocm-lsp", {})
            if not isinstance(table, dict):
                return Settings(warnings=(f"{candidate}: [tool.rocm-lsp] must be a table",))
            return from_mapping(table)
    return Settings()
