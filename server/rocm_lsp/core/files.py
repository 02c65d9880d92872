"""Writing files so that readers never see half of one (caches, previews)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def user_cache_dir(name: str) -> Path:
    """``$ROCM_LSP_CACHE_DIR/name``, else ``$XDG_CACHE_HOME`` (or ``~/.cache``)``/rocm-lsp/name``."""
    if os.environ.get("ROCM_LSP_CACHE_DIR"):
        return Path(os.environ["ROCM_LSP_CACHE_DIR"]) / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rocm-lsp" / name
