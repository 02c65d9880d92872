"""``check``: diagnostics for files on disk, the engine behind ``rocm-lsp check``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.analysis import analyze, decode, unreadable
from rocm_lsp.core.cache import CheckCache
from rocm_lsp.core.config import Settings
from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.text import LineIndex

TEMPLATE_SUFFIX = ".hip.jinja"


@dataclass(frozen=True)
class FileReport:
    path: Path
    index: LineIndex
    diagnostics: tuple[Diagnostic, ...]


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Template files: named files as given, directories searched recursively (sorted)."""
    for path in paths:
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / f for f in files if f.endswith(TEMPLATE_SUFFIX))
            yield from sorted(found)
        else:
            yield path


def check_file(path: Path, settings: Settings | None = None, cache: CheckCache | None = None) -> FileReport:
    """Read and analyse one file; unreadable files become one RL100 finding."""
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
    key = cache.key(data, settings.profile) if cache is not None else ""
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = analyze(text, settings.profile).diagnostics
        if cache is not None:
            cache.put(key, found)
    return FileReport(path, LineIndex(text), tuple(settings.filter(found)))
