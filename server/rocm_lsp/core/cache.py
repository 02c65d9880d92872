"""A content-addressed on-disk cache of check results, as ruff keeps one.

The key covers the file's bytes, the profile override and a fingerprint of the engine
(the core's own sources and the versions of jinja2, sympy and tree-sitter-jinja), so a
cached result is exactly what a fresh analysis would give. Writes are atomic.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from rocm_lsp.core.diagnostics import Diagnostic, Related, Severity
from rocm_lsp.core.files import atomic_write_text
from rocm_lsp.core.text import Span

CACHE_VERSION = "1"
DEFAULT_DIR = ".rocm_lsp_cache"


@functools.cache
def engine_fingerprint() -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    core = Path(__file__).resolve().parent
    for path in sorted(core.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for dist in ("jinja2", "sympy", "tree-sitter", "tree-sitter-jinja"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{dist}=?".encode())
    return digest.hexdigest()


def default_dir() -> Path:
    env = os.environ.get("ROCM_LSP_CACHE_DIR")
    return Path(env) / "check" if env else Path(DEFAULT_DIR)


class CheckCache:
    """Diagnostics of analysed files, keyed by content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.usable = True

    def key(self, data: bytes, profile: str | None) -> str:
        digest = hashlib.sha256(engine_fingerprint().encode())
        digest.update(f"\0{profile or ''}\0".encode())
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Diagnostic] | None:
        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            return [
                Diagnostic(
                    d["code"],
                    Severity(d["severity"]),
                    d["message"],
                    Span(*d["span"]),
                    tuple(Related(Span(*r["span"]), r["message"]) for r in d["related"]),
                )
                for d in raw
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, diagnostics: list[Diagnostic]) -> None:
        if not self.usable:
            return
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
        target = self._path(key)
        try:
            if not self.root.exists():
                self.root.mkdir(parents=True, exist_ok=True)
                (self.root / ".gitignore").write_text("# created by rocm-lsp\n*\n")
            atomic_write_text(target, json.dumps(records))
        except OSError:
            self.usable = False  # read-only or full disk: carry on without a cache
