"""The real ``rocm-lsp serve`` for robustness tests: how it is started (stderr kept in a
file, optionally forbidden to start processes), the client-side record of published
diagnostics, and the checks every such test makes."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[2]
WORK = Path(tempfile.mkdtemp(prefix="rocm-lsp-robustness-"))
STDERR = WORK / "server-stderr.txt"
SPAWN_LOG = WORK / "spawned.log"
# ``python -c BOOT STDERR ARGS…`` runs ``rocm-lsp ARGS…`` with fd 2 in a file (set before any
# import: tracebacks from every thread land there). With $ROCM_LSP_TEST_SPAWN_LOG set, every
# way to start a process (os.system, os.exec*, os.spawn*, os.posix_spawn, fork, subprocess)
# appends to that file and raises instead; only the render process may fork (it execs nothing).
BOOT = """\
import os, sys
os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
log = os.environ.get("ROCM_LSP_TEST_SPAWN_LOG")
if log:
    import subprocess

    def forbidden(*args, **kwargs):
        with open(log, "a") as f:
            f.write(repr(args)[:300] + "\\n")
        raise PermissionError("this test forbids starting processes")

    starters = ("exec", "spawn", "posix_spawn", "system", "popen", "fork")
    real_fork = os.fork

    # the forks allowed: engine copies that exec nothing (the render process, check's workers)
    engine_copies = ("rocm_lsp.core.engine.render_process", "multiprocessing.popen_fork")

    def fork():
        if sys._getframe(1).f_globals.get("__name__") in engine_copies:
            return real_fork()
        return forbidden("fork")

    for name in dir(os):
        if name.startswith(starters):
            setattr(os, name, forbidden)
    os.fork = fork
    subprocess.Popen._execute_child = forbidden
from rocm_lsp.cli import main
sys.exit(main(sys.argv[2:]))
"""


def boot_command(*args: str, stderr: Path = STDERR) -> list[str]:
    """The command that runs ``rocm-lsp ARGS…`` through :data:`BOOT`."""
    return [sys.executable, "-c", BOOT, str(stderr), *args]


def server_config(env: dict[str, str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=boot_command("serve"),
        server_env={**os.environ, "ROCM_LSP_CACHE_DIR": str(WORK / "cache"), **(env or {})},
    )


class Published:
    """Every publishDiagnostics the client received, per document, in order."""

    def __init__(self) -> None:
        self.log: dict[str, list[lsp.PublishDiagnosticsParams]] = {}

    def add(self, params: lsp.PublishDiagnosticsParams) -> None:
        self.log.setdefault(params.uri, []).append(params)

    def latest(self, uri: str) -> lsp.PublishDiagnosticsParams | None:
        found = self.log.get(uri)
        return found[-1] if found else None


async def initialize(client: LanguageClient, profile: str) -> None:
    published = Published()
    client.published = published  # type: ignore[attr-defined]
    features = client.protocol.fm.features
    keep = features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = lambda params: (published.add(params), keep(params))
    client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)(lambda params: None)
    params = lsp.InitializeParams(
        capabilities=client_capabilities(profile), root_uri=REPO.as_uri(), initialization_options={}
    )
    client.init_result = await client.initialize_session(params)  # type: ignore[attr-defined]


FULL_CACHE = WORK / "cache-is-a-file"  # every write under it fails, as on a full disk
FULL_CACHE.write_text("")


def server_problems(client: LanguageClient) -> list[str]:
    """Tracebacks on the server's stderr and error messages it sent: there must be none."""
    problems = []
    text = STDERR.read_text(errors="replace") if STDERR.exists() else ""
    if "Traceback" in text or "ERROR" in text or "Exception" in text:
        problems.append(text[-4000:])
    for m in client.log_messages + client.messages:
        if m.type == lsp.MessageType.Error:
            problems.append(m.message)
    return problems


async def diagnostics_of(
    client: LanguageClient, uri: str, version: int, wait: float = 120.0
) -> list[lsp.Diagnostic]:
    """The diagnostics of ``version``: pulled, or the first push for that version (``wait``
    seconds at most: a bound for a slow machine, not a timing claim)."""
    caps = client.capabilities.text_document
    if caps is not None and caps.diagnostic is not None:
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri))
        )
        return list(report.items)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        latest = client.published.latest(uri)  # type: ignore[attr-defined]
        if latest is not None and latest.version == version:
            return list(latest.diagnostics)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics for version {version} of {uri}")
