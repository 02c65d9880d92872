"""``check``: diagnostics for files on disk, the engine behind ``rocm-lsp check``."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.engine.analysis import MAX_TEMPLATE_BYTES, analyze, unreadable
from rocm_lsp.core.engine.jinja_checks import internal_error
from rocm_lsp.core.text import LineIndex
from rocm_lsp.core.workspace.cache import CheckCache
from rocm_lsp.core.workspace.config import Settings
from rocm_lsp.core.workspace.files import TEMPLATE_SUFFIX, read_capped, read_text_file
from rocm_lsp.core.workspace.torch_tree import python_profile

PYTHON_SUFFIX = ".py"
MAX_DEPTH = 100  # directory levels searched below a named directory
FILES_PER_WORKER = 8  # fewer files than this per core are checked in this process: a worker costs more
CHUNK_FILES = 8  # files a worker takes at a time: small enough to keep every core busy to the end


@dataclass(frozen=True)
class FileReport:
    path: Path
    index: LineIndex
    diagnostics: tuple[Diagnostic, ...]


def _stderr_warning(message: str) -> None:
    from rocm_lsp.report_formats import printable

    print(f"rocm-lsp: warning: {printable(message)}", file=sys.stderr)


def discover(paths: Iterable[Path], warn: Callable[[str], None] = _stderr_warning) -> Iterator[Path]:
    """Files to check: named files as given; directories searched recursively (sorted) for
    templates and for Python modules that hold Inductor templates.

    Directory links are not followed, and directories more than ``MAX_DEPTH`` levels down or
    that cannot be listed are skipped with a warning. Special files named like templates are
    kept (``check_file`` reports them); special ``.py`` files are skipped.
    """
    for path in paths:
        if path.is_dir():
            found = []
            top = str(path).rstrip(os.sep).count(os.sep)

            def unlisted(exc: OSError) -> None:
                warn(f"{exc.filename}: cannot list the directory: {exc.strerror or exc}")

            for root, dirs, files in os.walk(path, onerror=unlisted):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                if dirs and root.rstrip(os.sep).count(os.sep) - top >= MAX_DEPTH:
                    warn(f"{root}: directories more than {MAX_DEPTH} levels deep are not searched")
                    dirs[:] = []
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
        data, _ = read_capped(path, MAX_TEMPLATE_BYTES)
    except OSError:  # NotRegularFile included: FIFOs, devices and links to them are skipped
        return False
    if len(data) > MAX_TEMPLATE_BYTES or b"\x00" in data:
        return False
    from rocm_lsp.core.pymodules.analyzer import holds_templates  # only where there is Python

    return holds_templates(data.decode("utf-8", "replace"))


def check_file(path: Path, settings: Settings | None = None, cache: CheckCache | None = None) -> FileReport:
    """Read and analyse one file; never raises.

    Unreadable files (missing, special, binary, too large) become one RL100 finding; a failure
    of the engine itself becomes one RL199 finding. ``*.py`` files are read as Inductor
    template modules (``analyze_python``), with base classes and constants imported from
    modules of the same directory; they bypass the cache, as their findings depend on those
    other files too.
    """
    settings = settings or Settings()
    try:
        text, problem = read_text_file(path)
    except OSError as exc:
        text, problem = None, f"cannot read the file: {exc.strerror or exc}"
    if text is None:
        analysis = unreadable(problem or "unreadable")
        return FileReport(path, analysis.index, tuple(settings.filter(analysis.diagnostics)))
    try:
        return _check_text(path, text, settings, cache)
    except Exception as exc:  # noqa: BLE001 - one hostile file must not stop the run
        return FileReport(path, LineIndex(text), tuple(settings.filter([internal_error(exc)])))


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_count(files: int, jobs: int = 0) -> int:
    """Worker processes for ``files`` files: ``jobs`` (0: one per usable core), but none that
    would get fewer than ``FILES_PER_WORKER`` files; 1 means this process alone."""
    return max(1, min(jobs or usable_cores(), files // FILES_PER_WORKER))


def check_files(
    paths: Sequence[Path], settings: Settings | None = None, cache: CheckCache | None = None, jobs: int = 0
) -> list[FileReport]:
    """:func:`check_file` of each path, in the order given, in up to ``jobs`` worker processes
    (0: one per usable core); the findings are the same however many there are.

    Few files, one job, or no ``fork`` (the workers start from this process's loaded engine)
    mean this process does them all. Each worker forks its own render helper on first use.
    """
    settings = settings or Settings()
    workers = worker_count(len(paths), jobs)
    import multiprocessing  # not on a one-file run's path

    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_file(path, settings, cache) for path in paths]
    one = functools.partial(check_file, settings=settings, cache=cache)
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(one, paths, chunksize=CHUNK_FILES))


def _check_text(path: Path, text: str, settings: Settings, cache: CheckCache | None) -> FileReport:
    if path.suffix == PYTHON_SUFFIX:
        choice = python_profile(path, settings.profile)
        from rocm_lsp.core.pymodules.analyzer import analyze_python

        module = analyze_python(text, choice.name, module_reader(path), choice.reason)
        return FileReport(path, module.index, tuple(settings.filter(list(module.diagnostics))))
    key = cache.key(text.encode("utf-8"), settings.profile) if cache is not None else ""
    found = cache.get(key, len(text)) if cache is not None else None
    if found is None:
        found = analyze(text, settings.profile, concrete=False).diagnostics
        if cache is not None:
            cache.put(key, found)
    return FileReport(path, LineIndex(text), tuple(settings.filter(found)))


def module_reader(path: Path) -> Callable[[str], str | None]:
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
            text, _ = read_text_file(candidate)
        except (OSError, ValueError):  # ValueError: a NUL byte in the module name
            return None
        return text

    return read
