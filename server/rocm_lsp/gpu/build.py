"""Template → rendered source with ``#line`` directives → compiler → findings on template lines."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.engine.line_map import CompilerSource, compiler_source
from rocm_lsp.core.model.messages import shorten
from rocm_lsp.core.model.profiles import PROFILES
from rocm_lsp.core.text import Span
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu import amd_clang, resource_report
from rocm_lsp.gpu.compile import CompileResult, CompilerMessage, CompileState, compile_source
from rocm_lsp.gpu.resource_report import KernelReport
from rocm_lsp.gpu.toolchain import NoToolchain, Toolchain, discover


@dataclass
class Build:
    analysis: Analysis
    result: CompileResult | None
    toolchain: Toolchain | None
    diagnostics: list[Diagnostic]  # on the template: render errors, then compiler messages
    reports: list[KernelReport] = field(default_factory=list)  # per kernel: resources, occupancy
    source: CompilerSource | None = None  # what the compiler read (None when nothing was compiled)


def _line_span(analysis: Analysis, line: int) -> Span:
    """The 1-based template ``line``, from its first non-blank character to its end."""
    index = analysis.index
    span = index.line_span(max(0, min(line - 1, index.line_count - 1)))
    text = analysis.text[span.start : span.end]
    return Span(span.start + len(text) - len(text.lstrip()), span.end)


def _where(analysis: Analysis, source: CompilerSource, msg: CompilerMessage) -> tuple[Span, str]:
    """The template range of a compiler message on the template, and a note for its text: the
    exact range where its column maps back, the ``{{ … }}`` whose expansion holds it, else the
    whole line (never a wrong column)."""
    place = source.place(msg.line, msg.column, msg.excerpt, msg.caret, msg.caret_width)
    if place is None:
        return _line_span(analysis, msg.line), ""
    if not place.expansion:
        return place.span, ""
    tag = " ".join(analysis.text[place.span.start : place.span.end].split())
    return place.span, f" (in the expansion of {shorten(tag)})"


def _def_kernel_span(analysis: Analysis) -> Span:
    if analysis.outline is not None:
        for site in analysis.outline.sites:
            if site.hook == "def_kernel" and site.call_span is not None:
                return site.call_span
    return Span(0, 0)


def _kernel_span(analysis: Analysis, name: str) -> Span:
    """The kernel's name where the template declares it ``__global__``, else ``def_kernel``."""
    found = re.search(rf"__global__[^;{{}}]*?\b({re.escape(name)})\s*\(", analysis.text)
    return Span(found.start(1), found.end(1)) if found else _def_kernel_span(analysis)


def _resource_findings(analysis: Analysis, reports: list[KernelReport], floor: int) -> list[Diagnostic]:
    """RL406/RL407 at each kernel's declaration, one per kernel and rule."""
    found: list[Diagnostic] = []
    for hurt in resource_report.hurts(reports, floor):
        name = resource_report.source_name(hurt.kernel.kernel.name)
        finding = make(hurt.code, hurt.message, _kernel_span(analysis, name))
        if finding not in found:
            found.append(finding)
    return found


def _unresolved(
    analysis: Analysis,
    source: CompilerSource,
    path: Path,
    filename: str,
    tool: Toolchain,
    result: CompileResult,
) -> list[Diagnostic]:
    """RL405 on each template line lld names for an unresolved call; one at ``def_kernel`` for
    the calls it places nowhere on the template (a header's line is said in the message)."""
    name = Path(tool.compiler).name
    found: list[Diagnostic] = []
    elsewhere: list[str] = []
    for call in result.unresolved:
        if call.file and (call.file == filename or Path(call.file).resolve() == path.resolve()):
            msg = CompilerMessage(call.file, call.line, 0, "error", "")
            span, _ = _where(analysis, source, msg)
            text = amd_clang.unresolved_message([call.name], tool.amd_clang)
            finding = make("RL405", f"{name}: {text}", span)
            if finding not in found:
                found.append(finding)
        else:
            elsewhere.append(f"{call.name} ({call.file}:{call.line})" if call.file else call.name)
    if elsewhere:
        text = amd_clang.unresolved_message(elsewhere, tool.amd_clang)
        found.append(make("RL405", f"{name}: {text}", _def_kernel_span(analysis)))
    return found


def build(
    path: Path,
    text: str,
    check_only: bool = False,
    gpu: GpuSettings | None = None,
    profile: str | None = None,
    cancel: threading.Event | None = None,
    ptx: bool = False,
) -> Build:
    """Render and compile one template with ``gpu``'s compiler, arch and compile timeout
    (default: discovered, 120 s); every outcome becomes template diagnostics. A toolchain that
    builds device code only (upstream clang for AMD) does so even when ``check_only`` is False."""
    gpu = gpu or GpuSettings()
    analysis = analyze(text, profile)
    errors = [d for d in analysis.diagnostics if d.severity.label == "error"]
    rendered = analysis.rendered
    if rendered is None or rendered.text is None:
        return Build(analysis, None, None, errors)
    try:
        tool = discover(gpu.compiler, gpu.arch, check_only)
    except NoToolchain as exc:
        return Build(analysis, None, None, [make("RL403", str(exc), _def_kernel_span(analysis))])
    filename = str(path)
    source = compiler_source(analysis, filename)
    amd_flags = PROFILES[analysis.profile].amd_compile_flags
    timeout = gpu.compile_timeout
    result = compile_source(
        source.text,
        filename,
        tool,
        check_only=check_only,
        timeout=timeout,
        cancel=cancel,
        amd_flags=amd_flags,
        ptx=ptx,
    )
    if result.state is CompileState.CANCELLED:
        return Build(analysis, result, tool, [], source=source)
    found: list[Diagnostic] = []
    if result.state is CompileState.SKIPPED:
        found.append(make("RL403", result.note, _def_kernel_span(analysis)))
    elif result.unresolved:
        found += _unresolved(analysis, source, path, filename, tool, result)
    elif result.note and not result.ok and not result.messages:
        found.append(make("RL404", result.note, _def_kernel_span(analysis)))
    for msg in result.messages:
        code = "RL401" if msg.severity == "error" else "RL402"
        if Path(msg.file).resolve() == path.resolve() or msg.file == filename:
            span, note = _where(analysis, source, msg)
            finding = make(code, f"{Path(tool.compiler).name}: {msg.message}{note}", span)
        else:
            where = f"{msg.file}:{msg.line}"
            finding = make(
                code, f"{Path(tool.compiler).name} ({where}): {msg.message}", _def_kernel_span(analysis)
            )
        if finding not in found:  # e.g. one loop line's error in every iteration, on the whole line
            found.append(finding)
    reports = resource_report.kernel_reports(result.resources, tool.arch, tool.platform, rendered.text)
    found += _resource_findings(analysis, reports, gpu.occupancy_floor)
    return Build(analysis, result, tool, found, reports, source)


def compile_json(built: Build) -> dict[str, Any] | None:
    """The compile's outcome for ``rocm-lsp compile --output-format json`` (None: nothing was
    compiled — the findings say why): the compiler, the target, the state, each kernel's report."""
    result, tool = built.result, built.toolchain
    if result is None or tool is None:
        return None
    return {
        "state": result.state.value,
        "toolchain": result.toolchain,
        "compiler": Path(tool.compiler).name,
        "platform": tool.platform,
        "target": tool.arch,
        "seconds": round(result.seconds, 3),
        "cached": result.cached,
        "artifact": result.library,
        "note": result.note or None,
        "kernels": [resource_report.to_json(k) for k in built.reports],
    }
