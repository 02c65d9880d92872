"""Renders in a process that can be killed: one child per render, forked from a helper.

A render runs template-driven code, and single C-level steps (a huge ``sum``, a sympy
power) hold the GIL where no in-process watchdog can interrupt them. So each render runs in
a child process with OS limits, and its result comes back as data:

- **The helper** is forked from this process on first use (or by :func:`start`, early),
  before it does anything else; it holds the imported engine and forks one child per job,
  so each render starts from the same clean state at the cost of a fork, not an import.
- **The child** closes every inherited descriptor but its connection, then sets
  ``RLIMIT_AS`` (its size now + the memory allowance: a one-step bomb is a ``MemoryError``),
  ``RLIMIT_CPU`` (a GIL-holding step is killed by the kernel), ``RLIMIT_NOFILE`` (no file,
  socket or pipe can be opened), ``RLIMIT_FSIZE = 0`` (no file grows) and
  ``RLIMIT_NPROC = 0``, and a wall-clock timer that raises :class:`RenderTimeout` between
  bytecodes, so the finding can name the template line.
- **This process** waits at most the job's seconds plus a margin, then kills the child. It
  reads the child's answer with an unpickler that builds only the types the caller lists:
  even a child that ran code cannot make this process run any.

Where ``fork`` does not exist (Windows), jobs run in this process under the watchdog of
:mod:`budget`; the sandbox's allow-list holds either way.
"""

from __future__ import annotations

import functools
import gc
import io
import math
import os
import pickle
import resource
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rocm_lsp.core.engine.budget import RenderOutOfMemory, RenderTimeout, time_budget

KILL_MARGIN = 2.0  # seconds past the job's budget before this process kills the child
START_SECONDS = 60.0  # for the helper to take a job and the child to load what it needs
_FRAME = struct.Struct("!Q")
_CHILD_FD = 3  # the child's connection, after it closed everything else
SPARES = 2  # children a server's helper keeps ready: the two renders of one analysis
SPARE_AFTER = 0.03  # seconds without a job before the helper forks its spares
_JOB, _WARM_JOB = b"j", b"w"  # what the helper is told with a job's connection: w = import sympy first


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory: int  # bytes the child may grow by


class ChildDied(Exception):
    """The child ended without an answer: killed at its time limit, or crashed."""

    def __init__(self, reason: str, timed_out: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


# -- the parent side --------------------------------------------------------------------------


class _Helper:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._pid = 0
        self._owner = 0
        self.warm = False  # the helper imports sympy and renders once before its first job
        self.spare = False  # the helper keeps children forked and warmed ahead of the next jobs

    def _alive(self) -> bool:
        return self._sock is not None and self._owner == os.getpid()

    def ensure(self) -> socket.socket:
        with self._lock:
            if not self._alive():
                self._spawn()
            assert self._sock is not None
            return self._sock

    def reset(self, broken: socket.socket) -> None:
        with self._lock:
            if self._sock is broken:
                self._close()

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # the helper
            try:
                ours.close()
                _helper_main(theirs, self.warm, self.spare)
            finally:
                os._exit(0)
        theirs.close()
        self._sock, self._pid, self._owner = ours, pid, os.getpid()

    def send(self, child_end: socket.socket, kind: bytes) -> None:
        sock = self.ensure()
        try:
            with self._lock:
                socket.send_fds(sock, [kind], [child_end.fileno()])
        except OSError:
            self.reset(sock)
            sock = self.ensure()
            with self._lock:
                socket.send_fds(sock, [kind], [child_end.fileno()])

    def stop(self) -> None:
        with self._lock:
            self._close()


_HELPER = _Helper()


def available() -> bool:
    """Whether jobs run contained (``fork`` exists)."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds")


def start(warm: bool = True, spare: bool = False) -> None:
    """Start the helper now (call it early: while this process has one thread, and off the
    latency path of the first render); ``warm``: it imports sympy and renders once before its
    first job; ``spare``: it keeps children forked and warmed ahead of the jobs (an editor's
    keystrokes: the fork and the child's first page faults off the render's path; not for a
    batch, where warming every child ahead would cost more CPU than it saves)."""
    _HELPER.warm, _HELPER.spare = warm, spare
    if available():
        _HELPER.ensure()


def stop() -> None:
    """Stop the helper (it also ends by itself when this process exits)."""
    _HELPER.stop()


def run(
    function: Callable[[Any], Any],
    job: Any,
    limits: Limits,
    allowed_types: Iterable[type],
    sympy: bool = False,
) -> Any:
    """``function(job)`` in a contained child; its return value, rebuilt from data.

    ``function`` must be a module-level function; ``sympy``: the job uses sympy, which the
    helper then imports (once) before it forks the child. Raises :class:`ChildDied` when the
    child gives no answer. Without ``fork``, runs ``function(job)`` here under the watchdog.
    """
    if not available():
        with time_budget(limits.seconds, limits.memory):
            return function(job)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    started = time.monotonic()
    pid = 0
    try:
        _HELPER.send(theirs, _WARM_JOB if sympy else _JOB)
        theirs.close()
        ours.settimeout(START_SECONDS)  # the helper may still be importing the engine
        _send(ours, pickle.dumps((function, job, limits), protocol=pickle.HIGHEST_PROTOCOL))
        (pid,) = struct.unpack("!q", _receive(ours))
        started = time.monotonic()
        ours.settimeout(limits.seconds + KILL_MARGIN)
        data = _receive(ours)
    except TimeoutError:
        _kill(pid)
        raise ChildDied(f"stopped after {time.monotonic() - started:.1f} s", timed_out=True) from None
    except (EOFError, OSError) as exc:
        _kill(pid)
        elapsed = time.monotonic() - started
        timed_out = elapsed >= limits.seconds
        why = "killed at its CPU limit" if timed_out else f"ended without an answer ({exc or 'EOF'})"
        raise ChildDied(why, timed_out) from None
    finally:
        theirs.close()
        ours.close()
    kind, value = _RestrictedUnpickler(io.BytesIO(data), frozenset(allowed_types)).load()
    if kind == "memory":
        raise RenderOutOfMemory()
    return value


def _kill(pid: int) -> None:
    if pid > 0:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only the listed classes (and builtin containers, which need no lookup)."""

    def __init__(self, file: io.BytesIO, allowed: frozenset[type]) -> None:
        super().__init__(file)
        self._allowed = {(t.__module__, t.__qualname__): t for t in allowed}

    def find_class(self, module: str, name: str) -> Any:
        found = self._allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"a render result may not contain {module}.{name}")
        return found


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_FRAME.pack(len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    parts = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def _receive(sock: socket.socket) -> bytes:
    (size,) = _FRAME.unpack(_receive_exactly(sock, _FRAME.size))
    return _receive_exactly(sock, size)


# -- the helper and its children --------------------------------------------------------------


def _quiet_signals() -> None:
    signal.set_wakeup_fd(-1)  # the parent's event loop owns that descriptor
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN if sig in (signal.SIGINT, signal.SIGPIPE) else signal.SIG_DFL)


def _helper_main(control: socket.socket, warm: bool, spare: bool) -> None:
    _quiet_signals()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # never read the editor's requests or write into its stream
    os.dup2(devnull, 1)
    os.close(devnull)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    _preload()
    from rocm_lsp.core.engine import render
    from rocm_lsp.core.model import symbolic

    # sympy before a job that uses it forks its child (a child can import nothing, and on a cold
    # disk importing it would eat the render's time budget: "an endless loop?"); a server's helper
    # imports it at once, a short `check` of templates that read no size never does. The warm-up
    # render (Jinja's runtime, the hooks: built here once, not in every child) comes first in a
    # server's helper, and after the first child otherwise: off a one-file `check`'s path.
    if warm:
        symbolic.warm_up()
        render.warm_up()
    warmed = with_sympy = warm
    spares: list[_Spare] = []  # forked ahead, once the jobs of a keystroke are done
    while True:
        # quiet for a moment (a keystroke's jobs come at once): fill up the spares
        control.settimeout(SPARE_AFTER if len(spares) < (SPARES if spare else 0) else None)
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 4)
        except TimeoutError:
            spares += filter(None, (_Spare.fork(control, with_sympy) for _ in range(SPARES - len(spares))))
            continue
        except InterruptedError:
            continue
        except OSError:
            return
        if not message:
            for fd in fds:
                os.close(fd)
            return  # the parent is gone
        for fd in fds[1:]:
            os.close(fd)
        if not fds:
            continue
        if message == _WARM_JOB and not with_sympy:
            symbolic.warm_up()
            with_sympy = True
            for unusable in spares:  # forked without sympy: a child cannot import it
                unusable.discard()
            spares.clear()
        if not (spares and spares.pop(0).take(fds[0])):
            _fork_child(control, functools.partial(_child_main, fds[0]))
        os.close(fds[0])
        if not warmed:
            render.warm_up()
            warmed = True


def _fork_child(control: socket.socket, run: Callable[[], None]) -> bool:
    """Fork a child of the helper that runs ``run`` and exits; False if the fork failed."""
    gc.freeze()  # the children's collector leaves the helper's objects (and their pages) alone
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:
        try:
            control.close()
            run()
        finally:
            os._exit(0)
    return True


@dataclass
class _Spare:
    """A child forked ahead of the next job, which it waits for once it has rendered our own
    warm-up template (faulting in the pages a render touches)."""

    sock: socket.socket

    @staticmethod
    def fork(control: socket.socket, with_sympy: bool) -> _Spare | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

        def run() -> None:
            ours.close()
            _spare_main(theirs, with_sympy)

        forked = _fork_child(control, run)
        theirs.close()
        if not forked:
            ours.close()
            return None
        return _Spare(ours)

    def take(self, fd: int) -> bool:
        """Hand the job's connection to the spare; False if it is gone."""
        try:
            socket.send_fds(self.sock, [_JOB], [fd])
            return True
        except OSError:
            return False
        finally:
            self.sock.close()

    def discard(self) -> None:
        """Let the spare go (it reads the end of its connection and exits)."""
        self.sock.close()


def _spare_main(sock: socket.socket, with_sympy: bool) -> None:
    from rocm_lsp.core.engine import render

    # the other spares' connections, inherited from the helper: held here, their ends would
    # never see the helper let them go
    os.closerange(3, sock.fileno())
    os.closerange(sock.fileno() + 1, _max_fd())

    render.warm_up(symbolic_sizes=with_sympy)
    try:
        message, fds, _, _ = socket.recv_fds(sock, 16, 1)
    except OSError:
        return
    if not message or not fds:
        return
    sock.close()
    _child_main(fds[0])


def _preload() -> None:
    """Modules Jinja and the engine import on first use: loaded in the helper, as a child can
    open no file."""
    import json  # noqa: F401 - tojson
    import pprint  # noqa: F401 - the pprint filter
    import textwrap  # noqa: F401 - the wordwrap filter

    import jinja2.constants  # noqa: F401 - lipsum
    import jinja2.debug  # noqa: F401 - rewriting a template error's traceback

    import rocm_lsp.core.model.dtypes  # noqa: F401 - dtype item sizes


def _child_main(fd: int) -> None:
    os.dup2(fd, _CHILD_FD)
    os.closerange(_CHILD_FD + 1, _max_fd())
    conn = socket.socket(fileno=_CHILD_FD)
    function, job, limits = pickle.loads(_receive(conn))
    prepare = getattr(function, "prepare", None)
    if prepare is not None:
        prepare(job)  # imports the job needs, before files can no longer be opened
    _send(conn, struct.pack("!q", os.getpid()))  # the job's clock starts now
    sys.meta_path.insert(0, _NoImports())
    _limit(limits)
    try:
        answer: tuple[str, Any] = ("ok", function(job))
        signal.setitimer(signal.ITIMER_REAL, 0)
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    _send(conn, data)


class _NoImports:  # a finder by its method (importlib.abc would load importlib.resources, tempfile…)
    """Refuses imports in a limited child with a clear message (it could not open the file)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        raise ImportError(f"{fullname} is not loaded in the render process and cannot be imported there")


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 4096


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit(limits: Limits) -> None:
    def cap(which: int, soft: int, hard: int | None = None) -> None:
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass

    size = _address_space()
    if size:
        cap(resource.RLIMIT_AS, size + limits.memory)
    cpu = math.ceil(limits.seconds) + 1
    cap(resource.RLIMIT_CPU, cpu, cpu + 1)
    cap(resource.RLIMIT_FSIZE, 0)
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_NPROC, 0)
    cap(resource.RLIMIT_NOFILE, _CHILD_FD + 1)

    def timeout(signum: int, frame: Any) -> None:
        raise RenderTimeout()

    signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, limits.seconds)


__all__ = ["ChildDied", "Limits", "available", "run", "start", "stop"]
