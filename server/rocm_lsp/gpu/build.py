"""Template → rendered source with ``#line`` directives → compiler → findings on template lines."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.model.profiles import PROFILES
from rocm_lsp.core.text import Span
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu.compile import CompileResult, CompileState, compile_source
from rocm_lsp.gpu.toolchain import NoToolchain, Toolchain, discover


@dataclass
class Build:
    analysis: Analysis
    result: CompileResult | None
    toolchain: Toolchain | None
    diagnostics: list[Diagnostic]  # on the template: render errors, then compiler messages


def source_for_compiler(analysis: Analysis, filename: str) -> str:
    """The rendered text with ``#line`` directives that point back into the template."""
    assert analysis.rendered is not None and analysis.rendered.text is not None
    from rocm_lsp.core.engine.line_map import line_map, with_line_directives

    mapping = line_map(analysis)
    if mapping is None:  # the text could not be traced: compile it without directives
        return analysis.rendered.text
    try:
        return with_line_directives(analysis.rendered.text, mapping, filename)
    except ValueError:  # e.g. a file name with a line break
        return analysis.rendered.text


def _span_of_line(analysis: Analysis, line: int, column: int) -> Span:
    index = analysis.index
    row = max(0, min(line - 1, index.line_count - 1))
    span = index.line_span(row)
    text = analysis.text[span.start : span.end]
    if column > 0:
        start = min(span.start + column - 1, span.end)
        return Span(start, span.end)
    lead = len(text) - len(text.lstrip())
    return Span(span.start + lead, span.end)


def _def_kernel_span(analysis: Analysis) -> Span:
    if analysis.outline is not None:
        for site in analysis.outline.sites:
            if site.hook == "def_kernel" and site.call_span is not None:
                return site.call_span
    return Span(0, 0)


def build(
    path: Path,
    text: str,
    check_only: bool = False,
    gpu: GpuSettings | None = None,
    profile: str | None = None,
    cancel: threading.Event | None = None,
) -> Build:
    """Render and compile one template with ``gpu``'s compiler, arch and compile timeout
    (default: discovered, 120 s); every outcome becomes template diagnostics."""
    gpu = gpu or GpuSettings()
    analysis = analyze(text, profile)
    errors = [d for d in analysis.diagnostics if d.severity.label == "error"]
    rendered = analysis.rendered
    if rendered is None or rendered.text is None:
        return Build(analysis, None, None, errors)
    try:
        tool = discover(gpu.compiler, gpu.arch)
    except NoToolchain as exc:
        return Build(analysis, None, None, [make("RL403", str(exc), _def_kernel_span(analysis))])
    filename = str(path)
    source = source_for_compiler(analysis, filename)
    amd_flags = PROFILES[analysis.profile].amd_compile_flags
    timeout = gpu.compile_timeout
    result = compile_source(
        source, filename, tool, check_only=check_only, timeout=timeout, cancel=cancel, amd_flags=amd_flags
    )
    if result.state is CompileState.CANCELLED:
        return Build(analysis, result, tool, [])
    found: list[Diagnostic] = []
    if result.state is CompileState.SKIPPED:
        found.append(make("RL403", result.note, _def_kernel_span(analysis)))
    elif result.note and not result.ok and not result.messages:
        found.append(make("RL404", result.note, _def_kernel_span(analysis)))
    for msg in result.messages:
        code = "RL401" if msg.severity == "error" else "RL402"
        if Path(msg.file).resolve() == path.resolve() or msg.file == filename:
            found.append(
                make(
                    code,
                    f"{Path(tool.compiler).name}: {msg.message}",
                    _span_of_line(analysis, msg.line, msg.column),
                )
            )
        else:
            where = f"{msg.file}:{msg.line}"
            found.append(
                make(code, f"{Path(tool.compiler).name} ({where}): {msg.message}", _def_kernel_span(analysis))
            )
    return Build(analysis, result, tool, found)
