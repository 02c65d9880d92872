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
# The profiles' names, kept here so that settings are checked without importing the engine;
# tests/test_cli.py checks they match ``core.profiles.PROFILES``.
PROFILE_NAMES = ("seed", "rocm-2.13", "rocm-2.15", "rocm-2.14")  # canonical names, then aliases


@dataclass(frozen=True)
class Settings:
    profile: str | None = None  # override every file's header profile
    select: tuple[str, ...] = ()  # code prefixes to report (empty: all)
    ignore: tuple[str, ...] = ()  # code prefixes never reported
    fail_on: Severity = Severity.ERROR
    severity: tuple[tuple[str, Severity], ...] = ()  # per-code severity overrides
    warnings: tuple[str, ...] = field(default=(), compare=False)  # problems with the settings
    errors: tuple[str, ...] = field(default=(), compare=False)  # the invalid values among them

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


CODES_EXPECTED = 'a list of rule codes or prefixes such as "RL2" or "RL201", or one comma-separated string'
LEVELS_EXPECTED = 'one of "error", "warning", "info"'


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _invalid(key: str, expected: str, value: Any) -> str:
    return f"{key}: expected {expected}, got {_shown(value)}"


def parse_codes(value: Any, key: str = "select") -> tuple[tuple[str, ...], list[str]]:
    """Codes or code prefixes from a list of strings or a comma-separated string, and the
    problems with the value (a wrong type, unknown codes)."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return (), [_invalid(key, CODES_EXPECTED, value)]
    codes, problems = [], []
    for item in items:
        if not isinstance(item, str):
            problems.append(_invalid(key, CODES_EXPECTED, item))
            continue
        code = item.strip().upper()
        if not code:
            continue
        if not any(rule.startswith(code) for rule in RULES):
            problems.append(
                _invalid(key, "registered rule codes or prefixes (see docs/diagnostics.md)", item)
            )
            continue
        codes.append(code)
    return tuple(codes), problems


def from_mapping(data: dict[str, Any], base: Settings = Settings()) -> Settings:
    """Settings from a mapping (pyproject table or initializationOptions); never raises.

    Invalid values are left at ``base``'s and reported in ``errors`` (and ``warnings``, which
    also lists unknown keys): ``rocm-lsp check`` stops on errors, the server logs warnings.
    """
    warnings = list(base.warnings)
    errors = list(base.errors)
    updates: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        norm = key.replace("-", "_")
        problems: list[str] = []
        if norm == "profile":
            if value is None or value == "":
                updates["profile"] = None
            elif isinstance(value, str) and value in PROFILE_NAMES:
                updates["profile"] = value
            else:
                names = ", ".join(f'"{name}"' for name in PROFILE_NAMES)
                problems.append(_invalid(key, f"one of {names}", value))
        elif norm in ("select", "ignore"):
            codes, problems = parse_codes(value, key)
            if not problems:
                updates[norm] = codes
        elif norm == "severity":
            pairs, problems = _severities(value, key)
            if not problems:
                updates["severity"] = pairs
        elif norm == "fail_on":
            if isinstance(value, str) and value in SEVERITIES:
                updates["fail_on"] = SEVERITIES[value]
            else:
                problems.append(_invalid(key, LEVELS_EXPECTED, value))
        else:
            warnings.append(f"unknown rocm-lsp setting {key!r}")
        errors.extend(problems)
        warnings.extend(problems)
    return replace(base, **updates, warnings=tuple(warnings), errors=tuple(errors))


def _severities(value: Any, key: str = "severity") -> tuple[tuple[tuple[str, Severity], ...], list[str]]:
    if not isinstance(value, dict):
        return (), [_invalid(key, f"a table of CODE = {LEVELS_EXPECTED.removeprefix('one of ')}", value)]
    pairs, problems = [], []
    for code, level in value.items():
        if str(code) not in RULES:
            problems.append(_invalid(key, "registered rule codes as keys (see docs/diagnostics.md)", code))
        elif not (isinstance(level, str) and level in SEVERITIES):
            problems.append(_invalid(f"{key}.{code}", LEVELS_EXPECTED, level))
        else:
            pairs.append((str(code), SEVERITIES[level]))
    return tuple(pairs), problems


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (a regular file), if any."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def project_root(start: Path) -> Path:
    """The folder of the nearest ``pyproject.toml`` at or above ``start``, else ``start``."""
    found = find_pyproject(start)
    return found.parent if found is not None else start


def load_pyproject(start: Path) -> Settings:
    """``[tool.rocm-lsp]`` from the nearest pyproject.toml at or above ``start``."""
    from rocm_lsp.core.workspace.files import read_text_file

    candidate = find_pyproject(start)
    if candidate is None:
        return Settings()
    try:
        text, problem = read_text_file(candidate)
        if text is None:
            return Settings(warnings=(f"{candidate}: cannot read: {problem}",))
        data = tomllib.loads(text)
    except (OSError, RecursionError, tomllib.TOMLDecodeError) as exc:
        return Settings(warnings=(f"{candidate}: cannot read: {exc}",))
    tool = data.get("tool")
    table = tool.get("rocm-lsp", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        message = _invalid("[tool.rocm-lsp]", "a table", table).removeprefix("[tool.rocm-lsp]: ")
        return Settings(warnings=(message,), errors=(message,))
    return from_mapping(table)
