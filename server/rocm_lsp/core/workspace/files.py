"""Reading workspace files safely, and writing files so that readers never see half of one.

Workspace files are untrusted: a ``*.hip.jinja`` or a neighbour ``.py`` may be a FIFO (reading
it blocks forever), a device such as ``/dev/zero`` (reading it never ends) or a link to one.
``read_capped`` reads regular files only, and at most ``cap + 1`` bytes of them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TEMPLATE_SUFFIX = ".hip.jinja"  # what names a template file (the editor's and `check`'s rule alike)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class NotRegularFile(OSError):
    """The path names a FIFO, device, socket or directory (or, when links are not followed, a link)."""


def file_kind(mode: int) -> str:
    """``"a FIFO (named pipe)"``, ``"a character device"``, … for a non-regular ``st_mode``."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _refuse(path: Path, mode: int) -> NotRegularFile:
    try:
        link = os.path.islink(path)
    except (OSError, ValueError):
        link = False
    what = f"a symbolic link to {file_kind(mode)}" if link and not stat.S_ISLNK(mode) else file_kind(mode)
    return NotRegularFile(f"not a regular file: it is {what}")


def read_capped(path: Path, cap: int, follow_symlinks: bool = True) -> tuple[bytes, int]:
    """``(at most cap + 1 bytes of the file, its size)``; only regular files are opened.

    A link to a regular file is read (unless ``follow_symlinks`` is false); a FIFO, device,
    socket or directory, or a link to one, raises ``NotRegularFile`` before anything blocks;
    other failures raise ``OSError``. The file is opened non-blocking and checked again with
    ``fstat`` on the descriptor, so that a swap between the two checks is caught too.
    """
    mode = (os.stat if follow_symlinks else os.lstat)(path).st_mode
    if not stat.S_ISREG(mode):
        raise _refuse(path, mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, info.st_mode)
        chunks: list[bytes] = []
        left = cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data, max(info.st_size, len(data))
    finally:
        os.close(fd)


def read_text_file(path: Path, cap: int | None = None) -> tuple[str | None, str | None]:
    """``(text, None)`` for a usable template or module file, else ``(None, why not)``.

    ``cap`` defaults to ``MAX_TEMPLATE_BYTES``. Non-regular files give ``"not a regular file:
    …"``; files over the cap, with a NUL byte or not UTF-8 give ``decode``'s reasons. Other
    failures to open or read (missing file, no permission) raise ``OSError``.
    """
    from rocm_lsp.core.engine.analysis import MAX_TEMPLATE_BYTES, decode  # the engine loads on first use

    limit = MAX_TEMPLATE_BYTES if cap is None else cap
    try:
        data, size = read_capped(path, limit)
    except NotRegularFile as exc:
        return None, str(exc)
    if len(data) > limit:
        return None, f"file is {size / 1e6:.1f} MB; templates above {limit >> 20} MiB are not analysed"
    return decode(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only when writing: not on the start-up of a one-file `check`

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
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
