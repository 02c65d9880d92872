"""The ``rocm-lsp.compile`` command (and Compile lens): build the rendered kernel with the
GPU toolchain here, with ``$/progress`` and cancel; compiler messages become diagnostics
on template lines, and the lens title shows the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pygls.uris import to_fs_path

from rocm_lsp.lsp.contract import COMPILE_COMMAND
from rocm_lsp.lsp.server import RocmLanguageServer


@dataclass
class CompileOutcome:
    version: int | None
    title: str  # for the lens
    summary: str  # for the command's result and the message
    diagnostics: list  # core Diagnostics on template lines


def lens_title(ls: RocmLanguageServer, uri: str, version: int | None) -> str:
    outcome = ls.compile_outcomes.get(uri)
    if outcome is None or outcome.version != version:
        return "Compile"
    return outcome.title


def describe(build) -> tuple[str, str]:  # noqa: ANN001 - rocm_lsp.gpu.build.Build
    from rocm_lsp.gpu.compile import CompileState

    result = build.result
    errors = sum(1 for d in build.diagnostics if d.severity.label == "error")
    if result is None:
        reason = build.diagnostics[0].message if build.diagnostics else "nothing to compile"
        return "Compile: not compiled", reason
    if result.state is CompileState.CANCELLED:
        return "Compile (cancelled)", "compile cancelled"
    if result.state in (CompileState.SKIPPED, CompileState.NOT_RUN) or (
        not result.ok and result.note and not result.messages
    ):
        return "Compile: not compiled", result.note
    if not result.ok:
        return f"Compile ✗ {errors} error{'s' if errors != 1 else ''}", f"compile failed: {errors} error(s)"
    from rocm_lsp.gpu.resource_report import lens_detail

    timing = "cached" if result.cached else f"{result.seconds:.1f} s"
    detail = lens_detail(build.reports)
    target = build.toolchain.arch if build.toolchain is not None else ""
    if detail and target:
        detail = f"{target}: {detail}"
    title = f"Compile ✓ {detail} ({timing})" if detail else f"Compile ✓ ({timing})"
    summary = f"compiled with {result.toolchain} in {timing}" + (f": {detail}" if detail else "")
    warned = sum(1 for d in build.diagnostics if d.code in ("RL406", "RL407"))
    if warned:
        summary += f" ({warned} resource warning{'s' if warned != 1 else ''}: spills or low occupancy)"
    return title, summary


def register(server: RocmLanguageServer) -> None:
    @server.command(COMPILE_COMMAND)
    async def compile_command(ls: RocmLanguageServer, uri: str) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        from rocm_lsp.gpu.build import build

        text = snapshot.analysis.text
        path = Path(to_fs_path(uri) or uri)
        gpu, profile = ls.gpu_settings, ls.settings.profile
        result, cancelled = await ls.run_with_progress(
            "rocm-lsp: compiling", lambda cancel: build(path, text, False, gpu, profile, cancel)
        )
        title, summary = ("Compile (cancelled)", "compile cancelled") if cancelled else describe(result)
        if ls.is_open(uri):  # not for a document closed meanwhile
            ls.compile_outcomes[uri] = CompileOutcome(snapshot.version, title, summary, result.diagnostics)
        from rocm_lsp.lsp.features import diagnostics

        await diagnostics.findings_changed(ls, uri)
        ls.refresh_lenses()
        return summary
