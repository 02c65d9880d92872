"""A content-addressed on-disk cache of check results, as ruff keeps one.

The key covers the file's bytes, the profile override and a fingerprint of the engine
(the core's own sources, and where each package the engine runs — jinja2, sympy, the
tree-sitter grammars — is installed, with its entry file's size and modification time, which
an install of another version changes: found without importing the package or reading every
distribution's metadata, both too slow for a one-file ``check``), so a cached result is exactly
what a fresh analysis would give. Writes are atomic.

The cache lives in the user's cache directory, never in the checkout (whose files anyone who
can open a pull request controls): ``$ROCM_LSP_CACHE_DIR/check`` or
``$XDG_CACHE_HOME/rocm-lsp/check`` (``~/.cache`` by default), then one folder per project.
Folders of the cache that are symbolic links disable it for the run; every entry read is
validated, and a malformed one is ignored (and rewritten by the fresh analysis).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import RULES, Diagnostic, Related, Severity
from rocm_lsp.core.text import Span
from rocm_lsp.core.workspace.files import atomic_write_bytes, atomic_write_text, read_capped, user_cache_dir

CACHE_VERSION = "2"
MAX_ENTRY_BYTES = 64 << 20
_FIELDS = {"code", "severity", "message", "span", "related"}


ENGINE_PACKAGES = (
    "jinja2", "markupsafe", "sympy", "mpmath", "tree_sitter", "tree_sitter_jinja", "tree_sitter_toml",
    "tree_sitter_python",
)  # fmt: skip


def fingerprinted_sources() -> list[Path]:
    """Every module whose code can change a finding: the whole core, every part of it."""
    core = Path(__file__).resolve().parent.parent
    return sorted(core.rglob("*.py"))


@functools.cache
def engine_fingerprint() -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    core = Path(__file__).resolve().parent.parent
    for path in fingerprinted_sources():
        digest.update(path.relative_to(core).as_posix().encode())
        digest.update(path.read_bytes())
    for package in ENGINE_PACKAGES:
        digest.update(f"\0{package}={_installed(package)}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _installed(package: str) -> str:
    """Where ``package`` is installed, and its entry file's size and modification time."""
    import importlib.util  # only with a cache: not on a `check --no-cache` start-up

    try:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        if origin is None:
            return "?"
        found = os.stat(origin)
    except (ImportError, ValueError, OSError):
        return "?"
    return f"{origin}:{found.st_size}:{found.st_mtime_ns}"


def cache_base() -> Path:
    """The folder holding every project's check cache (``user_cache_dir("check")``)."""
    return user_cache_dir("check")


def default_dir(project_root: Path) -> Path:
    """The check cache of the project at ``project_root``: ``cache_base()/<16 hex of its path>``."""
    resolved = str(project_root.resolve()).encode("utf-8", "surrogateescape")
    return cache_base() / hashlib.sha256(resolved).hexdigest()[:16]


class _CacheFolder:
    """A folder of the user's cache, entries keyed by content.

    ``owned_from`` is the first folder of ``root`` that the cache creates and owns (default:
    ``root`` itself); it and every folder below it must be real directories, not links.
    """

    suffix = ""
    what = ""  # which cache, in the warning that turns it off

    def __init__(self, root: Path, owned_from: Path | None = None) -> None:
        self.root = root
        self.owned_from = owned_from if owned_from is not None else root
        self.usable = True
        self.warning: str | None = None  # why the cache was turned off, for the user
        self._verified: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{self.suffix}"

    def _disable(self, reason: str) -> None:
        self.usable = False
        if self.warning is None:
            self.warning = f"the {self.what} cache is off for this run: {reason}"

    def _real_dirs(self, folder: Path, create: bool) -> bool:
        """Whether ``folder`` and the folders from ``owned_from`` down to it are directories
        (created if ``create``); a link or other file there turns the cache off."""
        try:
            parts = folder.relative_to(self.owned_from).parts
        except ValueError:
            parts = ()
            chain = [folder]
        else:
            chain = [self.owned_from]
            for part in parts:
                chain.append(chain[-1] / part)
        for current in chain:
            if current in self._verified:
                continue
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                if not create:
                    return False
                current.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.mkdir(current, 0o700)
                except FileExistsError:
                    pass
                mode = os.lstat(current).st_mode
                if current == self.root and stat.S_ISDIR(mode):
                    atomic_write_text(current / ".gitignore", "# created by rocm-lsp\n*\n")
            if stat.S_ISLNK(mode):
                self._disable(f"{current} is a symbolic link")
                return False
            if not stat.S_ISDIR(mode):
                self._disable(f"{current} is not a directory")
                return False
            self._verified.add(current)
        return True

    def _read(self, key: str) -> bytes | None:
        if not self.usable:
            return None
        target = self._path(key)
        try:
            if not self._real_dirs(target.parent, create=False):
                return None
            data, _ = read_capped(target, MAX_ENTRY_BYTES, follow_symlinks=False)
        except OSError:
            return None
        return data if len(data) <= MAX_ENTRY_BYTES else None

    def _write(self, key: str, data: bytes) -> None:
        if not self.usable:
            return
        target = self._path(key)
        try:
            if self._real_dirs(target.parent, create=True):
                atomic_write_bytes(target, data)
        except OSError:
            self.usable = False  # read-only or full disk: carry on without a cache


class CheckCache(_CacheFolder):
    """Diagnostics of analysed files, keyed by content."""

    suffix = ".json"
    what = "check"

    def key(self, data: bytes, profile: str | None) -> str:
        digest = hashlib.sha256(engine_fingerprint().encode())
        digest.update(f"\0{profile or ''}\0".encode())
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str, length: int) -> list[Diagnostic] | None:
        """The cached findings for ``key`` if there is a valid entry for a text of ``length``
        characters, else ``None``."""
        data = self._read(key)
        if data is None:
            return None
        try:
            return parse_entry(json.loads(data), length)
        except (ValueError, RecursionError):
            return None

    def put(self, key: str, diagnostics: list[Diagnostic]) -> None:
        records = [
            {
                "code": d.code,
                "severity": int(d.severity),
                "message": d.message,
                "span": [d.span.start, d.span.end],
                "related": [{"span": [r.span.start, r.span.end], "message": r.message} for r in d.related],
            }
            for d in diagnostics
        ]
        self._write(key, json.dumps(records).encode())


class CodeCache(_CacheFolder):
    """Jinja's compiled code of templates, keyed by their skeleton (``jinja_env.CodeStore``):
    ``user_cache_dir("compiled")``, shared by every project (the key covers the engine and the
    Python that compiled it). ``writable=False``: entries are read, never written (the server:
    an editor's every new line would add one)."""

    suffix = ".marshal"
    what = "compiled-template"

    def __init__(self, root: Path | None = None, writable: bool = True) -> None:
        super().__init__(root if root is not None else user_cache_dir("compiled"))
        self.writable = writable

    @staticmethod
    def _key(skeleton: str) -> str:
        digest = hashlib.sha256(f"{engine_fingerprint()}\0{sys.version}\0{skeleton}".encode())
        return digest.hexdigest()

    def get(self, key: str) -> bytes | None:
        return self._read(self._key(key))

    def put(self, key: str, data: bytes) -> None:
        if self.writable:
            self._write(self._key(key), data)


def _span(raw: Any, length: int) -> Span:
    if not (isinstance(raw, list) and len(raw) == 2 and all(type(v) is int for v in raw)):
        raise ValueError("a span is two integers")
    start, end = raw
    if not 0 <= start <= end <= length:
        raise ValueError("span outside the file")
    return Span(start, end)


def _diagnostic(raw: Any, length: int) -> Diagnostic:
    if not (isinstance(raw, dict) and set(raw) == _FIELDS):
        raise ValueError("not a diagnostic record")
    code, severity, message, related = raw["code"], raw["severity"], raw["message"], raw["related"]
    if not (isinstance(code, str) and code in RULES):
        raise ValueError("unknown code")
    if type(severity) is not int or severity not in {int(s) for s in Severity}:
        raise ValueError("bad severity")
    if not isinstance(message, str) or not isinstance(related, list):
        raise ValueError("bad message or related")
    links = []
    for item in related:
        if not (
            isinstance(item, dict) and set(item) == {"span", "message"} and isinstance(item["message"], str)
        ):
            raise ValueError("bad related record")
        links.append(Related(_span(item["span"], length), item["message"]))
    return Diagnostic(code, Severity(severity), message, _span(raw["span"], length), tuple(links))


def parse_entry(raw: Any, length: int) -> list[Diagnostic]:
    """The diagnostics of a cache entry for a text of ``length`` characters; ``ValueError``
    unless it is a list of well-formed records with registered codes and spans in the text."""
    if not isinstance(raw, list):
        raise ValueError("a cache entry is a list")
    return [_diagnostic(item, length) for item in raw]
