"""The ``rocm-lsp.status`` command: what an editor's status item shows — the effective
profile of a document (or the settings' default) and which GPU backend would compile — and,
for diagnosis, how many entries each per-document table of the server holds."""

from __future__ import annotations

import asyncio
import functools

from rocm_lsp.lsp.contract import STATUS_COMMAND, Backend, Status
from rocm_lsp.lsp.server import RocmLanguageServer, analysable

BACKENDS: dict[str, Backend] = {"amd": "hipcc", "nvidia": "nvcc"}


@functools.lru_cache(maxsize=8)
def backend(compiler: str | None, arch: str | None) -> Backend:
    """``hipcc``, ``nvcc``, ``clang`` (upstream clang-22, AMD device code only) or ``none``: the
    toolchain discovery's answer, never an exception.

    Cached per setting: discovery runs a few tool processes, and the status item asks often.
    """
    from rocm_lsp.gpu.toolchain import discover

    try:
        tool = discover(compiler, arch)
        return "clang" if tool.amd_clang is not None else BACKENDS.get(tool.platform, "none")
    except Exception:  # noqa: BLE001 - NoToolchain, or a broken compiler setting: no backend
        return "none"


def register(server: RocmLanguageServer) -> None:
    @server.command(STATUS_COMMAND)
    async def status(ls: RocmLanguageServer, *arguments: object) -> Status:
        """``arguments``: ``[uri]`` of the active document, or nothing for the settings' default."""
        from rocm_lsp.core.model.profiles import DEFAULT_PROFILE  # the engine's: not at start-up

        uri = arguments[0] if arguments else None
        profile = ls.settings.profile or DEFAULT_PROFILE
        reason = "from the profile setting" if ls.settings.profile else "the default"
        if isinstance(uri, str) and analysable(uri) and ls.is_open(uri):
            snapshot = await ls.snapshot(uri)
            if snapshot is not None:
                profile, reason = snapshot.analysis.profile, snapshot.analysis.profile_reason
        settings = ls.gpu_settings
        found = await asyncio.to_thread(backend, settings.compiler, settings.arch)
        return Status(profile=profile, profileReason=reason, backend=found, held=ls.held())
