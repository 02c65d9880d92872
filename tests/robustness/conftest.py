"""The real ``rocm-lsp serve`` for robustness tests, with its stderr kept in a file so that a
test can prove that no traceback was printed, and every publishDiagnostics recorded."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[2]
WORK = Path(tempfile.mkdtemp(prefix="rocm-lsp-robustness-"))
STDERR = WORK / "server-stderr.txt"
# fd 2 goes to a file before anything is imported: tracebacks from any thread land there.
BOOT = (
    "import os, sys\n"
    "os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)\n"
    "from rocm_lsp.cli import main\n"
    "sys.exit(main(['serve']))\n"
)


def server_config() -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[sys.executable, "-c", BOOT, str(STDERR)],
        server_env={**os.environ, "ROCM_LSP_CACHE_DIR": str(WORK / "cache")},
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


@pytest_lsp.fixture(config=server_config(), params=["visual-studio-code", "neovim"])
async def session(lsp_client: LanguageClient, request: pytest.FixtureRequest):
    """An initialised client (VS Code: pushed diagnostics; Neovim: pulled, UTF-8 or UTF-16)."""
    published = Published()
    lsp_client.published = published  # type: ignore[attr-defined]
    features = lsp_client.protocol.fm.features
    keep = features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = lambda params: (published.add(params), keep(params))
    lsp_client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)(lambda params: None)
    params = lsp.InitializeParams(
        capabilities=client_capabilities(request.param), root_uri=REPO.as_uri(), initialization_options={}
    )
    lsp_client.init_result = await lsp_client.initialize_session(params)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


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
