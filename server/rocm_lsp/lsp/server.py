"""The pygls server: document state, analysis scheduling, and feature registration."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import functools
import gc
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Literal, TypeVar
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from rocm_lsp import __version__
from rocm_lsp.core.text import LineIndex
from rocm_lsp.core.workspace.config import GpuSettings, Settings
from rocm_lsp.lsp.contract import TEMPLATE_SUFFIX
from rocm_lsp.lsp.convert import Positions
from rocm_lsp.lsp.protocol import RocmProtocol

if TYPE_CHECKING:
    from rocm_lsp.core.engine.analysis import Analysis
    from rocm_lsp.core.pymodules.results import PythonAnalysis

log = logging.getLogger(__name__)
T = TypeVar("T")
RELEASE_AFTER_SECONDS = 1.0  # heap given back this long after the last close (or slow analysis)


def _path(uri: str) -> str:
    return uri.split("?", 1)[0].split("#", 1)[0]


def is_template(uri: str) -> bool:
    """Template files: paths ending in ``.hip.jinja``, whatever their languageId."""
    return _path(uri).endswith(TEMPLATE_SUFFIX)


def analysable(uri: str) -> bool:
    """Documents that get diagnostics: templates and Python modules."""
    return is_template(uri) or is_python(uri)


def is_python(uri: str) -> bool:
    """Python modules: analysed for Inductor templates (silent when they hold none)."""
    return _path(uri).endswith(".py")


@dataclass
class _SnapshotBase:
    uri: str
    version: int | None
    positions: Positions


@dataclass
class TemplateSnapshot(_SnapshotBase):
    """One analysed version of a ``.hip.jinja`` template."""

    analysis: Analysis
    kind: ClassVar[Literal["template"]] = "template"


@dataclass
class PythonSnapshot(_SnapshotBase):
    """One analysed version of a Python module (Inductor template strings inside it)."""

    analysis: PythonAnalysis
    kind: ClassVar[Literal["python"]] = "python"


Snapshot = TemplateSnapshot | PythonSnapshot
"""One analysed version of a document: dispatch on its type (or ``kind``) once, and the
analysis is known — template-only features take :meth:`RocmLanguageServer.template_snapshot`."""


@dataclass
class _Pending:
    version: int | None
    text: str
    future: asyncio.Future[Snapshot]


class RocmLanguageServer(LanguageServer):
    """pygls server with rocm-lsp's document state."""

    def __init__(self) -> None:
        super().__init__(
            "rocm-lsp",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=RocmProtocol,
        )
        self.settings = Settings()
        self.pull_diagnostics = False  # the client pulls (textDocument/diagnostic)
        self.pull_refresh = False  # ... and pulls again when asked (workspace/diagnostic/refresh)
        self.previews: dict[str, str] = {}  # template uri -> preview file path
        self.compile_outcomes: dict = {}  # template uri -> features.compile.CompileOutcome
        self.assemblies: dict[str, dict[str, str]] = {}  # template uri -> target -> assembly view file
        self.background: set[asyncio.Task[None]] = set()  # jobs no request waits for (kept referenced)
        self.bench_outcomes: dict[str, tuple[int | None, str]] = {}  # uri -> (version, summary)
        self.tune_outcomes: dict = {}  # template uri -> features.tune_command.TuneOutcome
        # module uri -> class -> (choice, problem, file, compiled too) of its previews rendered with torch
        self.torch_previews: dict[str, dict[str, tuple[Any, Any, str, bool]]] = {}
        self._analyses: dict[str, _Pending] = {}  # the latest text asked for, per document
        self._waiting: dict[str, _Pending] = {}  # its analysis, while another one runs
        self._running: set[str] = set()  # documents with an analysis in the pool
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._release: asyncio.TimerHandle | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="rocm-lsp-analysis"
        )

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
        """Serve on stdio with strict framing (``transport.serve_stdio``); the exit status."""
        from rocm_lsp.lsp.transport import serve_stdio

        return serve_stdio(self, stdin, stdout)

    def start_tcp(self, host: str, port: int) -> None:
        """pygls's TCP server admits anyone who connects: use ``transport.serve_tcp``."""
        raise RuntimeError("rocm-lsp serves TCP only on loopback with a token: transport.serve_tcp")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)  # analyses not started never start
        super().shutdown()

    @property
    def gpu_settings(self) -> GpuSettings:
        """What Compile and Benchmark run with: the settings' GPU part (``configuration.apply``)."""
        return self.settings.gpu

    def is_open(self, uri: str) -> bool:
        """Whether the client has the document open (pygls keys documents by unquoted URI)."""
        return unquote(uri) in self.workspace.text_documents

    def held(self) -> dict[str, int]:
        """How many entries each per-document table holds (in ``rocm-lsp.status``), and how many
        requests run besides the one asking."""
        msg_id = self.protocol.msg_id
        current = self.protocol._request_futures.get(msg_id) if msg_id is not None else None
        asking = {current, asyncio.current_task()}
        tables = {
            "documents": self.workspace.text_documents,
            "analyses": self._analyses,
            "waiting": self._waiting,
            "running": self._running,
            "jobs": self._tasks,
            "previews": self.previews,
            "compileOutcomes": self.compile_outcomes,
            "benchOutcomes": self.bench_outcomes,
            "tuneOutcomes": self.tune_outcomes,
            "torchPreviews": self.torch_previews,
            "assemblies": self.assemblies,
            "requests": [f for f in self.protocol._request_futures.values() if not (f.done() or f in asking)],
            "progress": self.work_done_progress.tokens,
        }
        return {name: len(table) for name, table in tables.items()}

    # -- analysis ----------------------------------------------------------------------
    def encoding(self) -> str:
        return self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16

    async def snapshot(self, uri: str) -> Snapshot | None:
        """The analysis of the document's current text (shared by concurrent requests).

        A document has at most one analysis in the pool: versions typed meanwhile wait, and
        only the newest of them is analysed (the requests for the others get its result), so
        one slow document never takes the pool from the others.
        """
        if not analysable(uri) or not self.is_open(uri):
            return None  # never from disk: pygls would read any path, on the event loop
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        pending = self._analyses.get(uri)
        if pending is None or pending.version != version or pending.text != text:
            pending = _Pending(version, text, asyncio.get_running_loop().create_future())
            self._analyses[uri] = pending
            superseded = self._waiting.pop(uri, None)
            if superseded is not None:  # never started: its requests get the newer result
                pending.future.add_done_callback(functools.partial(_forward, superseded.future))
            self._waiting[uri] = pending
            self._start(uri)
        return await asyncio.shield(pending.future)

    async def template_snapshot(self, uri: str) -> TemplateSnapshot | None:
        """The snapshot of an open template; None for a Python module or a closed document."""
        snapshot = await self.snapshot(uri) if is_template(uri) else None
        return snapshot if isinstance(snapshot, TemplateSnapshot) else None

    def _start(self, uri: str) -> None:
        if uri in self._running or uri not in self._waiting:
            return
        pending = self._waiting.pop(uri)
        self._running.add(uri)
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(
            self._pool, self._analyze, uri, pending.version, pending.text, self.settings.profile
        )
        job.add_done_callback(functools.partial(self._finished, uri, pending, time.monotonic()))

    def _finished(self, uri: str, pending: _Pending, started: float, job: asyncio.Future[Snapshot]) -> None:
        self._running.discard(uri)
        if time.monotonic() - started > RELEASE_AFTER_SECONDS:  # a heavy one: heap to give back
            self.release_memory_soon()
        _forward(pending.future, job)
        self._start(uri)

    def _analyze(self, uri: str, version: int | None, text: str, profile: str | None) -> Snapshot:
        if is_python(uri):
            from pygls.uris import to_fs_path

            from rocm_lsp.core.pymodules.analyzer import analyze_python
            from rocm_lsp.core.workspace.check import module_reader
            from rocm_lsp.core.workspace.torch_tree import python_profile

            path = to_fs_path(uri)
            reader = module_reader(Path(path)) if path else None
            choice = python_profile(Path(path) if path else None, profile)
            python = analyze_python(text, choice.name, reader, choice.reason)
            return PythonSnapshot(uri, version, Positions(LineIndex(text), self.encoding()), python)
        from rocm_lsp.core.engine.analysis import analyze  # heavy (jinja2, tree-sitter): not on start-up
        from rocm_lsp.core.features.symbols import scopes_of

        analysis = analyze(text, profile)
        scopes_of(analysis)  # the Jinja scope scan (up to ~1 s on huge files) here, not on the loop
        return TemplateSnapshot(uri, version, Positions(LineIndex(text), self.encoding()), analysis)

    def current(self, snapshot: Snapshot) -> bool:
        """Whether the snapshot still describes the open document."""
        try:
            document = self.workspace.get_text_document(snapshot.uri)
        except Exception:  # noqa: BLE001 - closed documents are not current
            return False
        return document.version == snapshot.version and snapshot.uri in self._analyses

    def forget(self, uri: str) -> None:
        """Drop what the server holds for a closed document, under any spelling of its URI (a
        reopened one starts afresh: its versions count from 1 again, so an old outcome could
        pass for a new one). An analysis still running finishes and is dropped; one waiting
        never starts, and the requests waiting for it get no snapshot."""
        key = unquote(uri)
        tables = (
            self._analyses,
            self.previews,
            self.compile_outcomes,
            self.bench_outcomes,
            self.tune_outcomes,
            self.torch_previews,
            self.assemblies,
        )
        for table in tables:
            for name in [name for name in table if unquote(name) == key]:
                del table[name]
        for name in [name for name in self._waiting if unquote(name) == key]:
            waiting = self._waiting.pop(name)
            if not waiting.future.done():
                waiting.future.set_result(None)  # type: ignore[arg-type]
        for name in [name for name in self._tasks if unquote(name) == key]:
            self._tasks.pop(name).cancel()
        self.release_memory_soon()

    def release_memory_soon(self) -> None:
        """Give the freed heap back to the system shortly (after the last of a burst of calls).

        glibc keeps freed memory in each analysis thread's arena: after three hostile
        documents were closed, the server still held gigabytes it no longer used.
        """
        if self._release is not None:
            self._release.cancel()
        loop = asyncio.get_running_loop()

        def release() -> None:
            self._release = None
            loop.run_in_executor(None, release_memory)

        self._release = loop.call_later(RELEASE_AFTER_SECONDS, release)

    def schedule(self, uri: str, delay: float, job) -> None:  # noqa: ANN001 - async callable
        """Run ``job(uri)`` after ``delay`` seconds, replacing a job still waiting for it."""
        previous = self._tasks.pop(uri, None)
        if previous is not None:
            previous.cancel()

        async def run() -> None:
            try:
                if delay:
                    await asyncio.sleep(delay)
                await job(self, uri)
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - a failed job must not kill the server
                log.exception("background job for %s failed", uri)
            finally:
                if self._tasks.get(uri) is task:
                    del self._tasks[uri]

        task = asyncio.get_running_loop().create_task(run())
        self._tasks[uri] = task

    async def run_with_progress(
        self, title: str, job: Callable[[threading.Event], T], reported: Reported | None = None
    ) -> tuple[T, bool]:
        """Run ``job(cancel)`` in a thread under a cancellable ``$/progress``; what the job
        tells ``reported`` becomes the progress's reports.

        Returns the job's result and whether the user cancelled. Clients without progress
        support still get the result.
        """
        token = str(uuid.uuid4())
        cancel = threading.Event()
        progress = self.work_done_progress
        try:
            await progress.create_async(token)
            progress.begin(token, lsp.WorkDoneProgressBegin(title=title, cancellable=True))
            watched = progress.tokens.get(token)
        except Exception:  # noqa: BLE001 - the client has no progress support
            watched = None
        task = asyncio.get_running_loop().run_in_executor(None, job, cancel)
        while not task.done():
            if watched is not None and watched.cancelled():
                cancel.set()
            self._report(token, watched is not None, reported)
            await asyncio.sleep(0.05)
        self._report(token, watched is not None, reported)
        result = task.result()
        if watched is not None:
            progress.end(token, lsp.WorkDoneProgressEnd(message="cancelled" if cancel.is_set() else "done"))
        progress.tokens.pop(token, None)  # pygls keeps every token's future otherwise
        return result, cancel.is_set()

    def _report(self, token: str, shown: bool, reported: Reported | None) -> None:
        """Send what the job reported since the last call as ``$/progress`` reports."""
        for message, done in reported.take() if reported is not None else ():
            if shown:
                report = lsp.WorkDoneProgressReport(message=message, percentage=int(100 * done))
                self.work_done_progress.report(token, report)

    def refresh_lenses(self) -> None:
        """Ask clients that support it to request code lenses again."""
        caps = self.client_capabilities.workspace
        if caps is not None and caps.code_lens is not None and caps.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    def warm_up(self) -> None:
        """Import and exercise the analysis engine in the background after start-up, then
        freeze it (``gc.freeze``)."""

        def work() -> None:
            from rocm_lsp.core.engine import jinja_env
            from rocm_lsp.core.engine.analysis import analyze
            from rocm_lsp.core.workspace.cache import CodeCache

            # templates `check` compiled: read, never written (each new line typed would add one)
            jinja_env.use_code_store(CodeCache(writable=False))
            analyze('{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [1] }\n-#}{{ X }}')
            # The engine loaded is there for good: out of the collector's reach, as start-up's
            # objects are (``cli._starting``), so a full collection in a session scans the
            # documents' objects only (~1 ms instead of ~4 on the 527-line GEMM's session).
            gc.collect()
            gc.freeze()

        threading.Thread(target=work, name="rocm-lsp-warm-up", daemon=True).start()

    def log_warning(self, message: str) -> None:
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=message))


class Reported:
    """What a job running in a thread says of its progress, (message, fraction done), kept
    until the event loop takes it."""

    def __init__(self) -> None:
        self._said: collections.deque[tuple[str, float]] = collections.deque()

    def __call__(self, message: str, done: float) -> None:
        self._said.append((message, max(0.0, min(1.0, done))))

    def take(self) -> list[tuple[str, float]]:
        out = []
        while self._said:
            out.append(self._said.popleft())
        return out


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes  # here, not at the top: off the way to initialize

    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Collect cycles and return free heap pages to the system (glibc's ``malloc_trim``)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _forward(target: asyncio.Future[T], source: asyncio.Future[T]) -> None:
    """Settle ``target`` as ``source`` settled."""
    if target.done():
        return
    if source.cancelled():
        target.cancel()
    elif source.exception() is not None:
        target.set_exception(source.exception())  # type: ignore[arg-type]
    else:
        target.set_result(source.result())


def build_server() -> RocmLanguageServer:
    from rocm_lsp.lsp.features import register_all

    server = RocmLanguageServer()
    register_all(server)
    return server
