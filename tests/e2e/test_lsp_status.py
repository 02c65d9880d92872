"""``rocm-lsp.status``: what an editor's status item shows (profile and GPU backend)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import REPO_TEMPLATES, diagnostics, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

GEMM = (REPO_TEMPLATES / "gemm_bias_fp16.hip.jinja").read_text()
NVCC_HERE = shutil.which("nvcc") is not None or Path("/usr/local/bin/nvcc").exists()


async def status(client: LanguageClient, *arguments: object) -> dict[str, str]:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.status", arguments=list(arguments))
    )


async def test_status_is_advertised(client: LanguageClient) -> None:
    assert "rocm-lsp.status" in client.init_result.capabilities.execute_command_provider.commands


async def test_status_without_a_document_is_the_default_profile(client: LanguageClient) -> None:
    found = await status(client)
    assert found["profile"] == "seed"
    assert found["backend"] in {"nvcc", "hipcc", "none"}
    if NVCC_HERE and shutil.which("hipcc") is None:
        assert found["backend"] == "nvcc"


async def test_status_follows_the_header_and_the_profile_setting(client: LanguageClient) -> None:
    uri = "file:///demo/status_2_13.hip.jinja"
    text = GEMM.replace('profile = "seed"', 'profile = "rocm-2.13"')
    open_doc(client, uri, text)
    await diagnostics(client, uri, 1)
    assert (await status(client, uri))["profile"] == "rocm-2.13"
    assert (await status(client, "file:///demo/not_open.hip.jinja"))["profile"] == "seed"

    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": {"profile": "rocm-2.13"}})
    )
    assert (await status(client))["profile"] == "rocm-2.13"
    other = "file:///demo/status_seed.hip.jinja"
    open_doc(client, other, GEMM)
    assert (await status(client, other))["profile"] == "rocm-2.13"  # the setting overrides headers


async def test_a_broken_compiler_setting_is_no_backend(client: LanguageClient) -> None:
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": {"compiler": "/nonexistent/nvcc"}})
    )
    found = await status(client, None)
    assert found["profile"] == "seed"
    if shutil.which("hipcc") is None:  # an AMD machine's hipcc does not need the setting
        assert found["backend"] == "none"
