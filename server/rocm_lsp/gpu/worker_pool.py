"""Benchmark workers in ``--serve`` mode, one per GPU, taking requests from one queue.

Each worker is a process of the benchmark interpreter (``bench_worker.py --serve``) that sees
one GPU (``CUDA_VISIBLE_DEVICES``/``HIP_VISIBLE_DEVICES``); a thread per device hands it the
next request and waits for its one-line answer. A worker that crashes or outlives the
request's timeout is killed and answers that request with the reason; the device's next
request starts a fresh worker, so one bad configuration never loses the others' results.
Cancel kills every worker.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rocm_lsp.gpu import child

POLL_S = 0.05
STDERR_LINES = 40  # what is kept of a worker's stderr, for the crash message
DEVICE_ENV = ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES")
DEVICE_PROBE = "import torch; print(torch.cuda.device_count())"


@dataclass(frozen=True)
class Job:
    """One request for a worker; ``key`` is the caller's name for its answer."""

    key: int
    request: dict[str, Any]
    timeout: float


class ServeWorker:
    """One ``--serve`` process: :meth:`ask` writes a request line and waits for its answer."""

    def __init__(self, command: Sequence[str], device: str | None) -> None:
        env = dict(os.environ)
        if device is not None:
            env.update(dict.fromkeys(DEVICE_ENV, device))
        self.device = device
        self.process = child.start(command, env)
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip().startswith("{"):
                self.answers.put(line)
        self.answers.put(None)  # end of output: the process is gone

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.rstrip())

    def ask(self, job: Job, cancel: threading.Event) -> dict[str, Any]:
        """The worker's answer to ``job``; a crash, a timeout or a cancel is answered here as
        ``{"ok": false, "stage": …}`` and leaves the worker dead."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({**job.request, "index": job.key}) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            return self._crashed()
        deadline = time.monotonic() + job.timeout
        while True:
            try:
                line = self.answers.get(timeout=POLL_S)
            except queue.Empty:
                if cancel.is_set():
                    self.kill()
                    return {"ok": False, "stage": "cancelled", "error": "cancelled"}
                if time.monotonic() > deadline:
                    self.kill()
                    return {
                        "ok": False,
                        "stage": "timeout",
                        "error": f"no answer within {job.timeout:g} s (a hang or a very slow kernel?); "
                        "the worker was killed",
                    }
                continue
            if line is None:
                return self._crashed()
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("index", job.key) == job.key:
                return answer

    def _crashed(self) -> dict[str, Any]:
        code = child.stop(self.process, grace=5.0)
        time.sleep(POLL_S)  # let the stderr reader take the last lines
        tail = next((line for line in reversed(self.stderr) if line.strip()), "no output")
        how = child.Finished(code, "", "", "", False).describe_exit("it")
        return {
            "ok": False,
            "stage": "crash",
            "error": f"the benchmark worker crashed ({how}): {tail[:300]}. The GPU may have faulted; "
            "the next configuration starts a fresh worker",
        }

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        child.stop(self.process)

    def close(self) -> None:
        """End of input, then the worker is gone: it has answered everything asked, and a
        process forked meanwhile (the render helper) may hold its stdin open, so EOF alone
        might never reach it."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except (OSError, ValueError):
            pass
        child.stop(self.process, grace=1.0)


def run_jobs(
    jobs: Sequence[Job],
    command: Sequence[str],
    devices: Sequence[str | None],
    cancel: threading.Event,
    done: Callable[[Job, dict[str, Any], str | None], None],
) -> None:
    """Answer every job on the first free device (``None``: the environment's own GPU);
    ``done(job, answer, device)`` is called from the devices' threads as answers come."""
    pending: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        pending.put(job)

    def serve(device: str | None) -> None:
        worker: ServeWorker | None = None
        try:
            while not cancel.is_set():
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                if worker is None or not worker.alive:
                    try:
                        worker = ServeWorker(command, device)
                    except OSError as exc:
                        failed = {"ok": False, "stage": "start", "error": f"cannot start the worker: {exc}"}
                        done(job, failed, device)
                        continue
                answer = worker.ask(job, cancel)
                done(job, answer, device)
        finally:
            if worker is not None:
                worker.close()

    threads = [threading.Thread(target=serve, args=(d,), daemon=True) for d in devices or [None]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def visible_devices(python: str, chosen: Sequence[str], timeout: float = 120.0) -> list[str | None]:
    """The GPUs a sweep spreads over: ``chosen`` when given, else every GPU the interpreter's
    torch sees (one worker with the environment's GPU when it sees one, or none, or cannot say)."""
    if chosen:
        return list(chosen)
    try:
        found = child.run([python, "-c", DEVICE_PROBE], timeout)
        count = int(found.stdout.strip().splitlines()[-1]) if found.returncode == 0 else 0
    except (OSError, ValueError, IndexError):
        count = 0
    if count <= 1:
        return [None]
    listed = next((os.environ[k] for k in DEVICE_ENV if os.environ.get(k)), None)
    names = [n.strip() for n in listed.split(",")] if listed else [str(i) for i in range(count)]
    return list(names[:count])
