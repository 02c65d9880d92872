"""Fixtures: the real server (``lsp_session``) for each kind of robustness test."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsp_session import FULL_CACHE, SPAWN_LOG, initialize, server_config
from pytest_lsp import LanguageClient


@pytest_lsp.fixture(config=server_config(), params=["visual-studio-code", "neovim"])
async def session(lsp_client: LanguageClient, request: pytest.FixtureRequest):
    """An initialised client (VS Code: pushed diagnostics; Neovim: pulled, UTF-8 or UTF-16)."""
    await initialize(lsp_client, request.param)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=server_config())
async def editor(lsp_client: LanguageClient):
    """One VS Code session (for tests where the client's kind does not matter)."""
    await initialize(lsp_client, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=server_config({"ROCM_LSP_CACHE_DIR": str(FULL_CACHE)}))
async def full_disk(lsp_client: LanguageClient):
    """A VS Code session whose cache folder cannot be written."""
    await initialize(lsp_client, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=server_config({"ROCM_LSP_TEST_SPAWN_LOG": str(SPAWN_LOG)}))
async def guarded(lsp_client: LanguageClient):
    """A VS Code session with a server that may start no process (:data:`SPAWN_LOG`)."""
    SPAWN_LOG.unlink(missing_ok=True)
    await initialize(lsp_client, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()
