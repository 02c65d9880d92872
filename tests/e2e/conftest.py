"""pytest-lsp fixtures: the real ``rocm-lsp serve`` over stdio, as an editor starts it."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[2]
# The three ways a client receives diagnostics: VS Code pulls and pulls again when asked
# (vscode-languageclient 9 adds these two capabilities to what pytest-lsp recorded of VS Code),
# Neovim 0.10+ pulls but cannot be asked to pull again, Neovim 0.7 (Debian 12) takes pushes.
CLIENTS = ["visual-studio-code", "neovim", "neovim@v0.7.0"]


def capabilities(client: str) -> lsp.ClientCapabilities:
    caps = client_capabilities(client)
    if client == "visual-studio-code":
        assert caps.text_document is not None and caps.workspace is not None
        caps.text_document.diagnostic = lsp.DiagnosticClientCapabilities(
            dynamic_registration=True, related_document_support=False
        )
        caps.workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


def server_config(tmp_cache: str) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "rocm_lsp", "serve"],
        server_env={**os.environ, "ROCM_LSP_CACHE_DIR": tmp_cache},
    )


CACHE = Path(tempfile.mkdtemp(prefix="rocm-lsp-e2e-"))


@pytest_lsp.fixture(config=server_config(str(CACHE)), params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):
    params = lsp.InitializeParams(
        capabilities=capabilities(request.param),
        root_uri=REPO.as_uri(),
        initialization_options={},
    )
    lsp_client.client_name = request.param  # type: ignore[attr-defined]
    _record_versions(lsp_client)

    @lsp_client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params: None) -> None:  # VS Code re-requests lenses; the tests ask themselves
        return None

    lsp_client.diagnostic_refreshes = 0  # type: ignore[attr-defined]

    def diagnostic_refresh(params: None) -> None:  # a pull client pulls again; tests count the asks
        lsp_client.diagnostic_refreshes += 1  # type: ignore[attr-defined]

    lsp_client.protocol.fm.features[lsp.WORKSPACE_DIAGNOSTIC_REFRESH] = diagnostic_refresh

    lsp_client.init_result = await lsp_client.initialize_session(params)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _record_versions(client: LanguageClient) -> None:
    """Also remember the document version of each publishDiagnostics (pytest-lsp drops it)."""
    features = client.protocol.fm.features
    default = features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    client._versions = {}  # type: ignore[attr-defined]
    client.publish_log = []  # type: ignore[attr-defined]

    def handler(params: lsp.PublishDiagnosticsParams) -> None:
        client._versions[params.uri] = params.version  # type: ignore[attr-defined]
        client.publish_log.append(params)  # type: ignore[attr-defined]
        default(params)

    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = handler
