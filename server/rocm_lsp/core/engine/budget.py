"""Budgets for rendering: a watchdog that interrupts a render that runs too long or makes
the process grow too much.

A template can loop for hours (``{% for i in range(10**5) %}{% for j in range(10**5) %}``)
without producing output, or grow a list a little on every turn of a loop. The watchdog
raises :class:`RenderTimeout` inside the rendering thread at its deadline, and
:class:`RenderOutOfMemory` when the process's resident memory has grown by more than the
render's allowance since the render started (``PyThreadState_SetAsyncExc``; checked every
few milliseconds on Linux, from ``/proc/self/statm``). That stops pure-Python work such as
Jinja's generated code at the next bytecode boundary. Single operations that would
allocate too much at once are refused before they run (:mod:`sandbox_limits`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

POLL_SECONDS = 0.005
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class BudgetExceeded(Exception):
    """Raised inside a render that went past one of its budgets."""


class RenderTimeout(BudgetExceeded):
    """The render exceeded its time budget."""


class RenderOutOfMemory(BudgetExceeded):
    """The process grew by more than the render's memory allowance while it ran."""


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class _Budget:
    deadline: float
    thread_id: int
    memory_ceiling: int | None  # resident bytes


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: dict[int, _Budget] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        import ctypes  # noqa: F401 - here, not at the top: a contained render never needs it

        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="rocm-lsp-watchdog", daemon=True)
            self._thread.start()

    def _fire(self, token: int, exc: type[BudgetExceeded]) -> None:
        import ctypes  # loaded by _ensure_thread: only a lookup here

        budget = self._active.pop(token)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(budget.thread_id), ctypes.py_object(exc))

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._active:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                rss = resident_bytes() if any(b.memory_ceiling for b in self._active.values()) else None
                for token, budget in list(self._active.items()):
                    if now >= budget.deadline:
                        self._fire(token, RenderTimeout)
                    elif rss is not None and budget.memory_ceiling and rss > budget.memory_ceiling:
                        self._fire(token, RenderOutOfMemory)
                if self._active:
                    nearest = min(b.deadline for b in self._active.values()) - now
                    polling = rss is not None
                    self._cond.wait(min(nearest, POLL_SECONDS) if polling else max(nearest, 0))

    @contextlib.contextmanager
    def watch(self, seconds: float, memory: int | None) -> Iterator[None]:
        token = next(self._tokens)
        start = resident_bytes() if memory else None
        ceiling = start + memory if start is not None and memory else None
        with self._cond:
            self._ensure_thread()
            self._active[token] = _Budget(time.monotonic() + seconds, threading.get_ident(), ceiling)
            self._cond.notify()
        fired = False
        try:
            yield
        finally:
            with self._cond:
                fired = self._active.pop(token, None) is None
            if fired:
                # The exception may still be pending if the body finished first: absorb it.
                try:
                    for _ in range(100):
                        time.sleep(0)
                except BudgetExceeded:
                    pass


_WATCHDOG = _Watchdog()


def time_budget(seconds: float, memory: int | None = None) -> contextlib.AbstractContextManager[None]:
    """Raise :class:`RenderTimeout` in this thread if the block runs past ``seconds``, and
    :class:`RenderOutOfMemory` if the process grows by more than ``memory`` bytes meanwhile."""
    return _WATCHDOG.watch(seconds, memory)
