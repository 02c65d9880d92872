"""Child processes for GPU work (compilers, the benchmark worker, toolchain probes).

Each runs in its own process group, so a timeout, a cancel or the end of the run kills
everything it started (cc1plus, ptxas, a daemonised helper). Its output is read as it comes,
kept up to a cap (a child that prints forever cannot fill the server's memory), and decoded
leniently (a child that prints bytes that are not UTF-8 cannot make the caller raise).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MAX_OUTPUT = 8 << 20  # bytes kept of each stream; the rest is read and dropped
POLL_S = 0.05
_DRAIN_S = 2.0  # after the child ends, how long its pipes may stay open (a grandchild's)


@dataclass(frozen=True)
class Finished:
    """How a child ended: ``stopped`` is "timeout" or "cancelled" when we killed it."""

    returncode: int | None
    stdout: str
    stderr: str
    stopped: str = ""
    truncated: bool = False

    def describe_exit(self, name: str) -> str:
        """``"nvcc exited with status 2"``, ``"nvcc was killed by SIGSEGV"``."""
        code = self.returncode
        if code is not None and code < 0:
            try:
                return f"{name} was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"{name} was killed by signal {-code}"
        return f"{name} exited with status {code}"


class _Reader(threading.Thread):
    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True, name="rocm-lsp-child-output")
        self.stream = stream
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536):  # type: ignore[attr-defined]  # a BufferedReader
                if self.size < MAX_OUTPUT:
                    self.chunks.append(chunk[: MAX_OUTPUT - self.size])
                    self.size += len(self.chunks[-1])
                self.truncated |= self.size >= MAX_OUTPUT and len(chunk) > 0
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")


def _write(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (OSError, ValueError):
        pass  # the child exited without reading its input


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill ``proc`` and everything in its process group (it was started in a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass


def start(command: Sequence[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """A long-lived child (a ``--serve`` worker) in its own process group, with line-buffered
    text pipes on stdin, stdout and stderr. Raises ``OSError`` when it cannot start."""
    return subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        start_new_session=True,  # its own process group: a kill reaches its children too
    )


def stop(proc: subprocess.Popen[Any], grace: float = 0.0) -> int | None:
    """Wait up to ``grace`` seconds for ``proc`` to exit, then kill its process group; its exit
    status (None if it could not be reaped within 5 s of the kill)."""
    try:
        return proc.wait(grace) if grace > 0 else _killed(proc)
    except subprocess.TimeoutExpired:
        return _killed(proc)


def _killed(proc: subprocess.Popen[Any]) -> int | None:
    kill_group(proc)
    try:
        return proc.wait(5)
    except subprocess.TimeoutExpired:
        return None


def run(
    command: Sequence[str],
    timeout: float,
    cancel: threading.Event | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
) -> Finished:
    """Run ``command`` to its end, its timeout or ``cancel``. Raises ``OSError`` when it
    cannot start."""
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        start_new_session=True,  # its own process group: a kill reaches its children too
    )
    readers = [_Reader(s) for s in (proc.stdout, proc.stderr) if s is not None]
    for reader in readers:
        reader.start()
    if stdin is not None and proc.stdin is not None:
        threading.Thread(target=_write, args=(proc.stdin, stdin.encode()), daemon=True).start()
    deadline = time.monotonic() + timeout
    stopped = ""
    while True:
        try:
            proc.wait(POLL_S)
            break
        except subprocess.TimeoutExpired:
            pass
        if cancel is not None and cancel.is_set():
            stopped = "cancelled"
        elif time.monotonic() > deadline:
            stopped = "timeout"
        if stopped:
            kill_group(proc)
            proc.wait()
            break
    for reader in readers:
        reader.join(_DRAIN_S)
    if any(r.is_alive() for r in readers):
        kill_group(proc)  # something it left behind holds its output open
        for reader in readers:
            reader.join(_DRAIN_S)
    out, err = readers[0], (readers[1] if len(readers) > 1 else None)
    return Finished(
        None if stopped else proc.returncode,
        out.text(),
        err.text() if err is not None else "",
        stopped,
        any(r.truncated for r in readers),
    )
