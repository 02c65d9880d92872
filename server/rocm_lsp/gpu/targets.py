"""What a template becomes on a chosen GPU target, from the device code alone (no GPU needed):
the assembly view of one target (``assembly_view``) and the resource table of several compiled
side by side (``compare``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu import assembly
from rocm_lsp.gpu.assembly import AssemblyError, Document, Listing
from rocm_lsp.gpu.build import Build, build
from rocm_lsp.gpu.resource_report import KernelReport, describe, to_json, without_anonymous_namespace

INLINE_NOTE = (
    "each block is headed by the template line that produced it; code inlined from a header "
    "counts for the template line that called it"
)


def for_target(gpu: GpuSettings, target: str) -> GpuSettings:
    """``gpu`` aimed at ``target``, its compiler kept only when it builds for that family (a
    ``compiler = "nvcc"`` setting does not stop a gfx942 column)."""
    name = Path(gpu.compiler).name if gpu.compiler else ""
    amd = target.startswith("gfx")
    keeps = name.startswith(("clang", "hipcc")) if amd else name.startswith("nvcc")
    return replace(gpu, arch=target, compiler=gpu.compiler if keeps else None)


def _problem(built: Build) -> str:
    """Why a build gave no code: its first error, else the compiler's note."""
    errors = [d for d in built.diagnostics if d.severity.label == "error"]
    if errors:
        return f"{errors[0].code} {errors[0].message}"
    if built.result is not None and built.result.note:
        return built.result.note
    return built.diagnostics[0].message if built.diagnostics else "nothing was compiled"


def _reports_by_name(built: Build) -> Callable[[str], KernelReport | None]:
    """The report of a kernel named as a listing names it (another build of the same source:
    nvcc spells the anonymous namespace per build)."""
    reports = {without_anonymous_namespace(r.kernel.name): r for r in built.reports}
    return lambda name: reports.get(without_anonymous_namespace(name))


@dataclass(frozen=True)
class AssemblyView:
    target: str
    build: Build  # the device-code compile: its findings and resource reports
    listing: Listing | None
    document: Document | None
    problem: str = ""  # why there is no listing ("" when there is one)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.build.diagnostics


def assembly_view(
    path: Path,
    text: str,
    gpu: GpuSettings,
    target: str,
    profile: str | None = None,
    cancel: threading.Event | None = None,
    line: int | None = None,
) -> AssemblyView:
    """Compile the template's device code for ``target`` and list its machine code (AMD ISA,
    or NVIDIA PTX) under the template lines — only the blocks of ``line`` when given;
    ``problem`` says why when it cannot."""
    gpu = for_target(gpu, target)
    path = path.absolute()  # the name the line tables carry: the tools print it as it was given
    built = build(path, text, True, gpu, profile, cancel)
    result, tool = built.result, built.toolchain
    if result is None or tool is None or not result.ok or result.library is None:
        return AssemblyView(target, built, None, None, _problem(built))
    template = str(path)
    try:
        if tool.platform == "amd":
            listing = assembly.amd_code(Path(result.library), template, tool)
        else:
            ptx = build(path, text, True, gpu, profile, cancel, ptx=True)
            if ptx.result is None or not ptx.result.ok or ptx.result.library is None:
                return AssemblyView(target, built, None, None, _problem(ptx))
            listing = assembly.ptx_code(Path(ptx.result.library), template)
    except (AssemblyError, OSError) as exc:
        return AssemblyView(target, built, None, None, str(exc))
    if line is not None:
        listing = assembly.only_line(listing, line)
    report_of = _reports_by_name(built)

    def notes(name: str) -> tuple[str, list[str]]:
        report = report_of(name)
        if report is None:  # a device function the compiler kept apart, or no report
            return name, []
        return report.short_name, [f"{report.display_name} ({name})", describe(report)]

    header = [
        f"{listing.language} of {path.name} for {tool.arch}, compiled by {result.toolchain}",
        INLINE_NOTE,
        "rocm-lsp regenerates this file when the template is saved",
    ]
    lines = text.splitlines()
    document = assembly.document(listing, header, lines, path.name, notes)
    return AssemblyView(target, built, listing, document)


def assembly_json(view: AssemblyView, text: str) -> dict[str, Any]:
    """``rocm-lsp asm --output-format json``."""
    built, listing = view.build, view.listing
    report_of = _reports_by_name(built)
    kernels = assembly.to_json(listing, text.splitlines()) if listing is not None else []
    for kernel in kernels:
        report = report_of(kernel["name"])
        kernel["resources"] = to_json(report) if report is not None else None
    return {
        "target": view.target,
        "language": listing.language if listing is not None else None,
        "toolchain": built.result.toolchain if built.result is not None else None,
        "problem": view.problem or None,
        "truncated": listing.truncated if listing is not None else False,
        "kernels": kernels,
    }


@dataclass(frozen=True)
class TargetResult:
    target: str
    build: Build
    problem: str  # why there are no counts ("" when compiled)

    @property
    def reports(self) -> list[KernelReport]:
        return self.build.reports


def compare(
    path: Path,
    text: str,
    gpu: GpuSettings,
    targets: tuple[str, ...],
    profile: str | None = None,
    cancel: threading.Event | None = None,
) -> list[TargetResult]:
    """Compile the device code for every target at once (one compiler process each), in
    ``targets``' order."""

    def one(target: str) -> TargetResult:
        built = build(path, text, True, for_target(gpu, target), profile, cancel)
        ok = built.result is not None and built.result.ok
        return TargetResult(target, built, "" if ok else _problem(built))

    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        return list(pool.map(one, targets))


def _cells(target: str, report: KernelReport) -> list[str]:
    k, occ = report.kernel, report.occupancy
    if not report.amd:  # NVIDIA: ptxas's counts
        spills = f"{k.spill_stores or 0} B"
        return [
            target,
            f"{k.registers}",
            "—",
            f"{k.shared_bytes or 0} B",
            f"{k.stack_bytes or 0} B",
            spills,
            "—",
        ]
    registers = f"{k.registers} V + {k.extra.get('AGPRs', 0)} A"
    spills = f"{k.extra.get('VGPRs Spill', 0)} V / {k.extra.get('SGPRs Spill', 0)} S"
    scratch = f"{k.stack_bytes or 0} B"
    if occ is None:
        return [
            target,
            registers,
            f"{k.extra.get('SGPRs', '?')}",
            f"{k.shared_bytes or 0} B",
            scratch,
            spills,
            "—",
        ]
    bound = "≤ " if occ.block_size is None else ""
    limiter = f" ({occ.limiter.value})" if occ.limiter is not None else ""
    waves = f"{bound}{occ.waves_per_simd}/{occ.max_waves_per_simd}{limiter}"
    scratch = f"{k.stack_bytes or 0} B"
    return [
        target,
        registers,
        f"{k.extra.get('SGPRs', '?')}",
        f"{k.shared_bytes or 0} B",
        scratch,
        spills,
        waves,
    ]


COLUMNS = ["target", "registers", "SGPRs", "LDS / smem", "scratch / stack", "spills", "occupancy"]


def markdown(path: Path, results: list[TargetResult]) -> str:
    """The side-by-side table: one section per kernel, one row per target."""
    out = [f"# {path.name}: resources per target", ""]
    for r in results:
        compiled = r.build.result.toolchain if r.build.result is not None else "not compiled"
        out.append(f"- **{r.target}**: {r.problem or compiled}")
    out += [
        "",
        "Registers: AMD VGPRs + AGPRs (per lane), NVIDIA registers per thread. Occupancy: AMD waves "
        "per SIMD of the most (limiter), for the block size the launch uses (≤: registers alone, "
        "block size unknown); NVIDIA: not computed (ptxas's counts only).",
    ]
    kernels: dict[str, list[tuple[str, KernelReport]]] = {}
    for r in results:
        for report in r.reports:
            kernels.setdefault(report.short_name, []).append((r.target, report))
    for name, rows in kernels.items():
        out += ["", f"## `{name}`", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        out += ["| " + " | ".join(_cells(target, report)) + " |" for target, report in rows]
    return "\n".join(out) + "\n"


def compare_json(results: list[TargetResult]) -> list[dict[str, Any]]:
    return [
        {
            "target": r.target,
            "toolchain": r.build.result.toolchain if r.build.result is not None else None,
            "problem": r.problem or None,
            "kernels": [to_json(k) | {"short_name": k.short_name} for k in r.reports],
        }
        for r in results
    ]
