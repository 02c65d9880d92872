"""Per-kernel resource report of a compile: the compiler's counts (ptxas's, or AMD's
``kernel-resource-usage`` remarks) with, for AMD targets, the occupancy recomputed for the block
size the launcher uses, and the findings where they hurt (spills to memory, occupancy below the
``occupancyFloor`` setting). Pure: plain values in, plain values out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rocm_lsp.gpu.compile import KernelResources
from rocm_lsp.gpu.occupancy import (
    Occupancy,
    block_size_from_source,
    launch_block_sizes,
    occupancy,
    target_facts,
)

# Itanium mangling: "_Z" [N] (<length><identifier>)+ …; the kernel's own name is the last identifier
# of the leading nested name (templates add "I…E" after it).
_SOURCE_NAME = re.compile(r"(\d+)")


@dataclass(frozen=True)
class BlockSize:
    """The threads per block the occupancy is computed for, and where that number came from."""

    threads: int | None
    source: str  # "launch": the launch configuration; "launch bounds": the most the kernel allows;
    # "unknown": neither is readable (the report says so)

    def describe(self) -> str:
        if self.threads is None:
            return "block size unknown (no constant launch configuration or __launch_bounds__ in the render)"
        if self.source == "launch":
            return f"{self.threads}-thread blocks (the launch configuration)"
        return (
            f"blocks of up to {self.threads} threads (__launch_bounds__; the launch's size is not a constant)"
        )


@dataclass(frozen=True)
class KernelReport:
    kernel: KernelResources
    block: BlockSize
    occupancy: Occupancy | None  # AMD targets rocm-lsp has facts for; None elsewhere
    amd: bool = False  # AMD's counts (VGPRs, AGPRs, SGPRs, LDS); else ptxas's

    @property
    def display_name(self) -> str:
        return self.kernel.demangled or self.kernel.name

    @property
    def short_name(self) -> str:
        """The demangled name without its return type, anonymous namespace and parameters:
        ``softmax_rows_kernel<32, true>``; the mangled name when there is no demangled one."""
        name = self.kernel.demangled
        if not name:
            return self.kernel.name
        name = name.removeprefix("void ").replace("(anonymous namespace)::", "")
        depth = 0
        for at, char in enumerate(name):
            depth += (char == "<") - (char == ">")
            if char == "(" and depth == 0 and at > 0:
                return name[:at]
        return name


@dataclass(frozen=True)
class Hurt:
    """A resource finding: the rule's code, the kernel and what to say."""

    code: str  # RL406 spills, RL407 occupancy below the floor
    kernel: KernelReport
    message: str


def source_name(name: str) -> str:
    """The identifier a kernel is written with: ``softmax_rows_kernel`` for
    ``_ZN12_GLOBAL__N_119softmax_rows_kernelILi2E…`` or for ``softmax_rows_kernel<2>(…)``; the
    name itself when it is neither mangled nor demangled C++."""
    if name.startswith("_Z"):
        at, last = 2 + (name[2:3] == "N"), ""
        while (m := _SOURCE_NAME.match(name, at)) is not None:
            length = int(m.group(1))
            last = name[m.end() : m.end() + length]
            at = m.end() + length
        return last or name
    head = re.split(r"[<(]", name, maxsplit=1)[0]
    return head.rsplit("::", 1)[-1].split()[-1] if head.split() else name


def without_anonymous_namespace(name: str) -> str:
    """A mangled name with each anonymous namespace (``_GLOBAL__N_…``, whose spelling nvcc
    derives from the build) written ``12_GLOBAL__N_1`` as clang writes it, so that two builds'
    names of one kernel compare equal."""
    out, at = [], 0
    while (found := name.find("_GLOBAL__N_", at)) != -1:
        digits = found
        while digits > at and name[digits - 1].isdigit():
            digits -= 1
        length = int(name[digits:found]) if digits < found else 0
        if length <= 0:
            out.append(name[at : found + 1])
            at = found + 1
            continue
        out.append(name[at:digits] + "12_GLOBAL__N_1")
        at = found + length
    return "".join(out) + name[at:]


def block_size(kernel: str, launches: dict[str, int | None], bounds: int | None) -> BlockSize:
    launched = launches.get(source_name(kernel))
    if launched is not None:
        return BlockSize(launched, "launch")
    if bounds is not None:
        return BlockSize(bounds, "launch bounds")
    return BlockSize(None, "unknown")


def kernel_reports(
    resources: list[KernelResources], arch: str, platform: str, cpp: str
) -> list[KernelReport]:
    """One report per kernel; ``cpp``: the rendered source the block size is read from."""
    launches, bounds = launch_block_sizes(cpp), block_size_from_source(cpp)
    out = []
    for k in resources:
        block = block_size(k.name, launches, bounds)
        occ = None
        amd = platform == "amd"
        if amd and k.registers is not None and target_facts(arch) is not None:
            occ = occupancy(
                arch,
                k.registers,
                k.extra.get("AGPRs", 0),
                k.extra.get("SGPRs", 0),
                k.shared_bytes or 0,
                block.threads,
            )
        out.append(KernelReport(k, block, occ, amd))
    return out


def hurts(reports: list[KernelReport], floor: int) -> list[Hurt]:
    """Spills to memory (AMD VGPRs to scratch, NVIDIA spill stores to local memory), and AMD
    occupancy below ``floor`` waves per SIMD (0: never)."""
    found = []
    for report in reports:
        k = report.kernel
        spilled = k.extra.get("VGPRs Spill", 0) if report.amd else k.spill_stores or 0
        if spilled:
            if report.amd:
                what = f"{spilled} VGPRs to scratch memory"
            else:
                what = f"{spilled} B of registers to local memory ({k.spill_loads or 0} B loaded back)"
            found.append(Hurt("RL406", report, f"{report.short_name} spills {what}"))
        occ = report.occupancy
        if occ is not None and occ.limiter is not None and floor and occ.waves_per_simd < floor:
            found.append(
                Hurt(
                    "RL407",
                    report,
                    f"{report.short_name}: {occ.explanation} — below the floor of {floor} "
                    "waves/SIMD (occupancyFloor)",
                )
            )
    return found


def describe(report: KernelReport) -> str:
    """One kernel's resources on one line, in the compiler's terms, then the occupancy."""
    k = report.kernel
    if not report.amd:
        spills = f", spills {k.spill_stores}/{k.spill_loads} B" if k.spill_stores else ""
        return f"{k.registers} registers, {k.shared_bytes} B shared{spills}"
    parts = [f"{k.registers} VGPRs"]
    parts += [f"{k.extra[key]} {key}" for key in ("AGPRs", "SGPRs") if key in k.extra]
    parts.append(f"{k.shared_bytes} B LDS")
    if k.stack_bytes:
        parts.append(f"{k.stack_bytes} B scratch/lane")
    spilled = [f"{k.extra[key]} {key[:5]}" for key in ("VGPRs Spill", "SGPRs Spill") if k.extra.get(key)]
    if spilled:
        parts.append("spilled " + " + ".join(spilled))
    occ = report.occupancy
    if occ is None:
        parts.append("occupancy not computed (rocm-lsp has no facts for this target)")
        return ", ".join(parts)
    waves = f"{occ.waves_per_simd}/{occ.max_waves_per_simd} waves/SIMD"
    if occ.block_size is None:  # the register limit: an upper bound
        parts.append(f"occupancy ≤ {waves} from registers alone ({report.block.describe()})")
    else:
        parts.append(f"occupancy {waves} for {report.block.describe()}")
    return ", ".join(parts)


def lens_detail(reports: list[KernelReport]) -> str:
    """The Compile lens's summary of every kernel: the worst of each count."""
    if not reports:
        return ""
    amd = reports[0].amd
    regs = max(r.kernel.registers or 0 for r in reports)
    lds = max(r.kernel.shared_bytes or 0 for r in reports)
    many = len(reports) > 1
    kernels = f"{len(reports)} kernels, " if many else ""
    upto = "≤" if many else ""
    if not amd:
        spills = max(r.kernel.spill_stores or 0 for r in reports)
        return f"{kernels}{upto}{regs} regs, {upto}{spills} B spills, {upto}{lds / 1024:.1f} KiB smem"
    text = f"{kernels}{upto}{regs} VGPRs, {upto}{lds / 1024:.1f} KiB LDS"
    waves = [r.occupancy.waves_per_simd for r in reports if r.occupancy is not None]
    if waves:
        low, high = min(waves), max(waves)
        top = reports[0].occupancy.max_waves_per_simd if reports[0].occupancy else 0
        text += f", occupancy {low}/{top}" if low == high else f", occupancy {low}–{high}/{top}"
    spilled = sum(r.kernel.extra.get("VGPRs Spill", 0) for r in reports)
    return text + (f", {spilled} VGPRs spilled" if spilled else "")


def to_json(report: KernelReport) -> dict[str, Any]:
    """The report of one kernel for ``--output-format json`` and the comparison table."""
    k = report.kernel
    data: dict[str, Any] = {
        "name": k.name,
        "demangled": k.demangled or None,
        "registers": k.registers,
        "shared_bytes": k.shared_bytes,
        "stack_bytes": k.stack_bytes,
        "spill_stores": k.spill_stores,
        "spill_loads": k.spill_loads,
        "block_size": report.block.threads,
        "block_size_source": report.block.source,
    }
    if report.amd:
        occ = report.occupancy
        data |= {
            "vgprs": k.registers,
            "agprs": k.extra.get("AGPRs"),
            "sgprs": k.extra.get("SGPRs"),
            "lds_bytes": k.shared_bytes,
            "scratch_bytes_per_lane": k.stack_bytes,
            "vgprs_spilled": k.extra.get("VGPRs Spill", 0),
            "sgprs_spilled": k.extra.get("SGPRs Spill", 0),
            "compiler_occupancy": k.extra.get("Occupancy"),
            "occupancy": None
            if occ is None
            else {
                "waves_per_simd": occ.waves_per_simd,  # registers alone when block_size is null
                "max_waves_per_simd": occ.max_waves_per_simd,
                "limiter": occ.limiter.value if occ.limiter is not None else None,
                "workgroups_per_cu": occ.workgroups_per_cu,
                "explanation": occ.explanation,
            },
        }
    return data
