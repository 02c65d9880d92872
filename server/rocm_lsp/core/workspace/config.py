"""Typed settings shared by the CLI (``[tool.rocm-lsp]`` in pyproject.toml) and the server."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import RULES, Diagnostic, Severity

SEVERITIES = {s.label: s for s in Severity}
# The profiles' names, kept here so that settings are checked without importing the engine;
# tests/test_cli.py checks they match ``core.profiles.PROFILES``.
PROFILE_NAMES = ("seed", "rocm-2.13", "rocm-2.15", "rocm-2.14")  # canonical names, then aliases


COMPILE_TIMEOUT_S = 120.0  # default `compileTimeout`: a compile is stopped after this long
BENCHMARK_TIMEOUT_S = 180.0  # default `benchmarkTimeout`: the benchmark worker is killed after this long
# default `occupancyFloor`: below 2 waves per SIMD a kernel has no other wave to hide latency with
OCCUPANCY_FLOOR = 2
# default `targets`: MI300 (CDNA3), MI350 (CDNA4) and H100/H200 (Hopper)
COMPARE_TARGETS = ("gfx942", "gfx950", "sm_90")
# `inductor`: how the Benchmark and Tune compare with Inductor (torch.compile of the baseline)
INDUCTOR_MODES = ("default", "max-autotune", "off")
TUNE_MAX_CONFIGURATIONS = 128  # default `tuneMaxConfigurations`: a larger [tune] space is sampled


@dataclass(frozen=True)
class GpuSettings:
    """What Compile and Benchmark run with: the same keys in the editor's settings
    (initializationOptions, ``workspace/configuration``), in ``[tool.rocm-lsp]`` (all but the
    programs) and, as flags, on ``rocm-lsp compile``/``bench``; read by :func:`gpu_from_mapping`."""

    compiler: str | None = None  # `compiler`: hipcc, nvcc or a path; None: discovered
    arch: str | None = None  # `arch`: gfx942, sm_90, …; None: the device's, else a default
    benchmark_interpreter: str | None = None  # `benchmarkInterpreter`: a Python with torch; None: ours
    compile_timeout: float = COMPILE_TIMEOUT_S  # `compileTimeout`, seconds
    benchmark_timeout: float = BENCHMARK_TIMEOUT_S  # `benchmarkTimeout`, seconds
    occupancy_floor: int = OCCUPANCY_FLOOR  # `occupancyFloor`: warn below these waves/SIMD (0: never)
    targets: tuple[str, ...] = COMPARE_TARGETS  # `targets`: what Compare targets and Show assembly offer
    inductor: str = INDUCTOR_MODES[0]  # `inductor`: torch.compile mode of the comparison, or "off"
    devices: tuple[str, ...] = ()  # `benchmarkDevices`: GPU indices a sweep uses; (): every visible one
    tune_max_configurations: int = TUNE_MAX_CONFIGURATIONS  # `tuneMaxConfigurations`
    warnings: tuple[str, ...] = field(default=(), compare=False)  # problems with the settings
    errors: tuple[str, ...] = field(default=(), compare=False)  # the invalid values among them

    @property
    def default_target(self) -> str:
        """The target of an assembly view nobody chose one for: ``arch``, else the first target."""
        return self.arch or self.targets[0]


# The keys users write (the editor's camelCase; kebab-case and snake_case also match) -> fields.
GPU_KEYS = {
    "compiler": "compiler",
    "arch": "arch",
    "benchmarkInterpreter": "benchmark_interpreter",
    "compileTimeout": "compile_timeout",
    "benchmarkTimeout": "benchmark_timeout",
    "occupancyFloor": "occupancy_floor",
    "targets": "targets",
    "inductor": "inductor",
    "benchmarkDevices": "devices",
    "tuneMaxConfigurations": "tune_max_configurations",
}
# Settings that name a program to run: never taken from a project file (SECURITY.md: the
# workspace's files are untrusted, the user's settings and command line are not).
PROGRAM_KEYS = ("compiler", "benchmarkInterpreter")
TEXT_EXPECTED = {
    "compiler": "hipcc, nvcc or the path of a compiler (a string)",
    "arch": "a GPU architecture such as gfx942 or sm_90 (a string)",
    "benchmarkInterpreter": "the name or path of a Python interpreter (a string)",
}
SECONDS_EXPECTED = "a positive number of seconds (0: the default)"
FLOOR_EXPECTED = "a whole number of waves per SIMD, 0 or more (0: never warn)"
TARGETS_EXPECTED = 'a list of GPU architectures such as ["gfx942", "gfx950", "sm_90"]'
OTHER_EXPECTED = {
    "inductor": 'one of "default", "max-autotune", "off"',
    "devices": "a list of GPU indices such as [0, 1] (empty: every visible GPU)",
    "tune_max_configurations": "a whole number of configurations, 1 to 100000",
}
_TARGET_NAME = re.compile(r"(?:gfx[0-9a-f]{3,4}|sm_\d{2,3}a?|compute_\d{2,3}a?)")


def _fold(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


_GPU_BY_FOLDED = {_fold(key): key for key in GPU_KEYS}
_GPU_DEFAULTS = {f.name: f.default for f in fields(GpuSettings)}


def gpu_key(key: str) -> str | None:
    """The GPU setting a key names (``benchmarkInterpreter`` for ``benchmark-interpreter``), if any."""
    return _GPU_BY_FOLDED.get(_fold(str(key)))


def gpu_from_mapping(
    data: Mapping[str, Any], base: GpuSettings = GpuSettings(), *, programs: bool = True
) -> GpuSettings:
    """GPU settings from a mapping (the editor's settings, a ``[tool.rocm-lsp]`` table, the CLI's
    flags by key) over ``base``; never raises.

    ``null``, ``""`` and a timeout of 0 mean the default. Invalid values are left at ``base``'s
    and reported in ``errors`` (and ``warnings``, which also lists unknown keys, and the program
    keys when ``programs`` is false: a project file must not choose what runs).
    """
    warnings = list(base.warnings)
    errors = list(base.errors)
    updates: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        canonical = gpu_key(key)
        if canonical is None:
            warnings.append(f"unknown rocm-lsp setting {key!r}")
            continue
        if canonical in PROGRAM_KEYS and not programs:
            warnings.append(
                f"{key}: ignored here: a project file may not choose the program rocm-lsp runs "
                "(give it on the command line or in the editor's settings)"
            )
            continue
        name = GPU_KEYS[canonical]
        parsed, ok = _gpu_value(canonical, value)
        if not ok:
            expected = (
                SECONDS_EXPECTED if name.endswith("_timeout")
                else FLOOR_EXPECTED if name == "occupancy_floor"
                else TARGETS_EXPECTED if name == "targets"
                else OTHER_EXPECTED[name] if name in OTHER_EXPECTED
                else TEXT_EXPECTED[canonical]
            )  # fmt: skip
            problem = _invalid(key, expected, value)
            warnings.append(problem)
            errors.append(problem)
            continue
        updates[name] = _GPU_DEFAULTS[name] if parsed is None else parsed
    return replace(base, **updates, warnings=tuple(warnings), errors=tuple(errors))


def _gpu_value(key: str, value: Any) -> tuple[str | float | tuple[str, ...] | None, bool]:
    """(the value, or None for the default; whether it is valid) for one GPU setting."""
    if value is None:
        return None, True
    if key == "occupancyFloor":
        whole = isinstance(value, int) and not isinstance(value, bool)
        return (value, True) if whole and 0 <= value <= 64 else (None, False)
    if key == "inductor":
        return (value, True) if value in INDUCTOR_MODES else (None, False)
    if key == "tuneMaxConfigurations":
        whole = isinstance(value, int) and not isinstance(value, bool)
        return (value, True) if whole and 1 <= value <= 100_000 else (None, False)
    if key == "benchmarkDevices":
        if isinstance(value, (str, int)) and not isinstance(value, bool):  # the CLI's "0,1"
            value = [part.strip() for part in str(value).split(",") if part.strip()]
        items = [str(v) for v in value] if isinstance(value, (list, tuple)) else None
        valid = items is not None and len(items) <= 64 and all(i.isdigit() for i in items)
        return (tuple(dict.fromkeys(items or ())), True) if valid else (None, False)
    if key == "targets":
        if isinstance(value, str):  # the CLI's comma-separated list
            value = [part.strip() for part in value.split(",") if part.strip()]
        names = tuple(value) if isinstance(value, (list, tuple)) else ()
        valid = 0 < len(names) <= 16 and all(isinstance(n, str) and _TARGET_NAME.fullmatch(n) for n in names)
        return (tuple(dict.fromkeys(names)), True) if valid else (None, False)
    if GPU_KEYS[key].endswith("_timeout"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, False
        try:
            seconds = float(value)
        except OverflowError:  # an integer beyond any float
            return None, False
        if seconds == 0:
            return None, True
        return seconds, 0 < seconds < float("inf")
    if not isinstance(value, str):
        return None, False
    return value.strip() or None, True


@dataclass(frozen=True)
class Settings:
    profile: str | None = None  # override every file's header profile
    select: tuple[str, ...] = ()  # code prefixes to report (empty: all)
    ignore: tuple[str, ...] = ()  # code prefixes never reported
    fail_on: Severity = Severity.ERROR
    severity: tuple[tuple[str, Severity], ...] = ()  # per-code severity overrides
    gpu: GpuSettings = GpuSettings()  # Compile and Benchmark (the GPU keys of the same mapping)
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


def from_mapping(data: dict[str, Any], base: Settings = Settings(), *, programs: bool = True) -> Settings:
    """Settings from a mapping (pyproject table or initializationOptions); never raises.

    Invalid values are left at ``base``'s and reported in ``errors`` (and ``warnings``, which
    also lists unknown keys): ``rocm-lsp check`` stops on errors, the server logs warnings.
    The GPU keys go to :func:`gpu_from_mapping` (``programs``: whether they may name programs).
    """
    warnings = list(base.warnings)
    errors = list(base.errors)
    updates: dict[str, Any] = {}
    gpu_items: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        norm = key.replace("-", "_")
        problems: list[str] = []
        if gpu_key(key) is not None:
            gpu_items[key] = value
        elif norm == "profile":
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
    gpu = gpu_from_mapping(gpu_items, replace(base.gpu, warnings=(), errors=()), programs=programs)
    warnings.extend(gpu.warnings)
    errors.extend(gpu.errors)
    updates["gpu"] = replace(gpu, warnings=(), errors=())  # reported once, in the Settings'
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
    """``[tool.rocm-lsp]`` from the nearest pyproject.toml at or above ``start`` (a project file:
    its GPU keys may not name programs)."""
    from rocm_lsp.core.workspace.files import read_text_file

    if sys.version_info >= (3, 11):  # here, not at the top: off `serve`'s way to initialize
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

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
    return from_mapping(table, programs=False)
