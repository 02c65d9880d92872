"""initialize / initialized / workspace/didChangeConfiguration: typed settings."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from rocm_lsp.core.workspace.config import Settings, from_mapping
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.documents import use_spec_lines
from rocm_lsp.lsp.server import RocmLanguageServer

SECTION = "rocmLsp"
SERVER_ONLY_KEYS = {"interpreter", "trace", "token"}  # token: `serve --tcp`


def apply(server: RocmLanguageServer, options: Any) -> None:
    """Replace the settings from a client mapping; problems go to the log, never raise."""
    if not isinstance(options, dict):
        if options is not None:
            server.log_warning(f"rocm-lsp: settings must be an object, got {type(options).__name__}")
        return
    known = {k: v for k, v in options.items() if k not in SERVER_ONLY_KEYS}
    settings = from_mapping(known, Settings())  # the GPU keys too: settings.gpu, a GpuSettings
    for warning in settings.warnings:
        server.log_warning(f"rocm-lsp: {warning}")
    server.settings = settings


def register(server: RocmLanguageServer) -> None:
    from rocm_lsp.lsp.features import diagnostics

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: RocmLanguageServer, params: lsp.InitializeParams) -> None:
        use_spec_lines(ls.workspace)
        apply(ls, params.initialization_options)
        text_caps = params.capabilities.text_document
        if text_caps is not None and text_caps.diagnostic is not None:
            ls.pull_diagnostics = True
            workspace = params.capabilities.workspace
            diagnostics_caps = workspace.diagnostics if workspace is not None else None
            ls.pull_refresh = bool(diagnostics_caps is not None and diagnostics_caps.refresh_support)
            diagnostics.register_pull(ls)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: RocmLanguageServer, params: lsp.InitializedParams) -> None:
        ls.warm_up()
        await _pull_configuration(ls)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: RocmLanguageServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
            apply(ls, settings[SECTION])
        else:
            await _pull_configuration(ls)
        await diagnostics.refresh_all(ls)


async def _pull_configuration(ls: RocmLanguageServer) -> None:
    caps = ls.client_capabilities.workspace
    if caps is None or not caps.configuration:
        return
    try:
        result = await ls.workspace_configuration_async(convert.configuration_request(SECTION))
    except Exception as exc:  # noqa: BLE001 - a client that fails this keeps the old settings
        ls.log_warning(f"rocm-lsp: workspace/configuration failed: {exc}")
        return
    if result and isinstance(result[0], dict):
        apply(ls, result[0])
