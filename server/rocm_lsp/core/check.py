"""``check``: diagnostics for files on disk, the engine behind ``rocm-lsp check``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.analysis import MAX_TEMPLATE_BYTES, analyze, decode, unreadable
from rocm_lsp.core.cache import CheckCache
from rocm_lsp.core.config import Settings
from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.python_templates import ModuleReader, analyze_python, holds_templates
from rocm_lsp.core.text import LineIndex

TEMPLATE_SUFFIX = ".hip.jinja"
PYTHON_SUFFIX = ".py"


@dataclass(frozen=True)
class FileReport:
    path: Path
    index: LineIndex
    diagnostics: tuple[Diagnostic, ...]


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to check: named files as given; directories searched recursively (sorted) for
    templates and for Python modules that hold Inductor templates."""
    for path in paths:
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.endswith(TEMPLATE_SUFFIX):
                        found.append(Path(root) / name)
                    elif name.endswith(PYTHON_SUFFIX) and _holds_templates(Path(root) / name):
                        found.append(Path(root) / name)
            yield from sorted(found)
        else:
            yield path


def _holds_templates(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if len(data) > MAX_TEMPLATE_BYTES or b"\x00" in data:
        return False
    return holds_templates(data.decode("utf-8", "replace"))


def check_file(path: Path, settings: Settings | None = None, cache: CheckCache | None = None) -> FileReport:
    """Read and analyse one file; unreadable files become one RL100 finding.

    ``*.py`` files are read as Inductor template modules (``analyze_python``), with base
    classes and constants imported from modules of the same directory; they bypass the cache,
    as their findings depend on those other files too.
    """
    settings = settings or Settings()
    try:
        data = path.read_bytes()
    except OSError as exc:
        analysis = unreadable(f"cannot read the file: {exc.strerror or exc}")
        return FileReport(path, analysis.index, tuple(settings.filter(analysis.diagnostics)))
    text, problem = decode(data)
    if text is None:
        analysis = unreadable(problem or "unreadable")
        return FileReport(path, analysis.index, tuple(settings.filter(analysis.diagnostics)))
    if path.suffix == PYTHON_SUFFIX:
        module = analyze_python(text, settings.profile, module_reader(path))
        return FileReport(path, module.index, tuple(settings.filter(list(module.diagnostics))))
    key = cache.key(data, settings.profile) if cache is not None else ""
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = analyze(text, settings.profile).diagnostics
        if cache is not None:
            cache.put(key, found)
    return FileReport(path, LineIndex(text), tuple(settings.filter(found)))


def module_reader(path: Path) -> ModuleReader:
    """Reads the modules ``path`` imports that live in its own directory (``from .x import``,
    ``from pkg.dir.x import`` where ``dir`` is the directory's name) or, for ``..x``, above it."""
    directory = path.parent

    def read(module: str) -> str | None:
        dots = len(module) - len(module.lstrip("."))
        parts = module.lstrip(".").split(".")
        if not parts[-1]:
            return None
        if dots:
            base = directory
            for _ in range(dots - 1):
                base = base.parent
            candidate = base.joinpath(*parts[:-1], parts[-1] + PYTHON_SUFFIX)
        elif len(parts) == 1 or parts[-2] == directory.name:
            candidate = directory / (parts[-1] + PYTHON_SUFFIX)
        else:
            return None
        try:
            text, _ = decode(candidate.read_bytes())
        except OSError:
            return None
        return text

    return read
