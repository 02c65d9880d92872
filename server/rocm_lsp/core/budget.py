"""Time budgets for rendering: a watchdog that interrupts a render that runs too long.

A template can loop for hours (``{% for i in range(10**5) %}{% for j in range(10**5) %}``)
without producing output. The watchdog raises :class:`RenderTimeout` inside the rendering
thread at its deadline (``PyThreadState_SetAsyncExc``), which stops pure-Python work such
as Jinja's generated code at the next bytecode boundary.
"""

from __future__ import annotations

import contextlib
import ctypes
import heapq
import itertools
import threading
import time
from collections.abc import Iterator


class RenderTimeout(Exception):
    """Raised inside a render that exceeded its time budget."""


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, int]] = []  # (deadline, token, thread id)
        self._active: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="rocm-lsp-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token, thread_id = self._heap[0]
                now = time.monotonic()
                if now < deadline:
                    self._cond.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
                if token in self._active:
                    self._active.discard(token)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(thread_id), ctypes.py_object(RenderTimeout)
                    )

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        token = next(self._tokens)
        with self._cond:
            self._ensure_thread()
            self._active.add(token)
            heapq.heappush(self._heap, (time.monotonic() + seconds, token, threading.get_ident()))
            self._cond.notify()
        fired = False
        try:
            yield
        finally:
            with self._cond:
                fired = token not in self._active
                self._active.discard(token)
            if fired:
                # The exception may still be pending if the body finished first: absorb it.
                try:
                    for _ in range(100):
                        time.sleep(0)
                except RenderTimeout:
                    pass


_WATCHDOG = _Watchdog()


def time_budget(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Raise :class:`RenderTimeout` in this thread if the block runs past ``seconds``."""
    return _WATCHDOG.deadline(seconds)
