"""AMD occupancy for the block size the launcher really uses (pure: no I/O, never raises).

The compiler's own ``Occupancy [waves/SIMD]`` remark assumes the kernel's *maximum* flat
workgroup size (1024 without ``__launch_bounds__``), so it can be far from what a launch of 256
threads gets. ``occupancy`` recomputes it from the kernel's VGPRs, AGPRs, SGPRs and LDS for a
known block size, the way LLVM's AMDGPU backend does, plus one step LLVM leaves out: a
workgroup's waves must fit in the registers together (see ``occupancy``).

Every hardware fact below names its source. "LLVM" means llvm-project's AMDGPU backend as of the
LLVM 20-22 era: ``llvm/lib/Target/AMDGPU/Utils/AMDGPUBaseInfo.cpp`` (``IsaInfo::…``),
``AMDGPUSubtarget.cpp`` / ``GCNSubtarget.cpp`` (the occupancy computations) and
``AMDGPU.td`` (which target has which feature).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "TARGETS",
    "Limiter",
    "Occupancy",
    "TargetFacts",
    "block_size_from_source",
    "occupancy",
    "target_facts",
]

# LLVM AMDGPUBaseInfo.cpp getMaxFlatWorkGroupSize: 1024 ("Some subtargets allow encoding 2048,
# but this isn't tested or supported").
MAX_BLOCK_SIZE = 1024

# LLVM AMDGPUBaseInfo.cpp getOccupancyWithNumSGPRs, the VOLCANIC_ISLANDS..GFX9 branch: at most
# this many SGPRs → this many waves per SIMD; more than 100 → 7. GFX10+ returns MaxWaves (the
# SGPR file no longer limits waves).
_GFX9_SGPR_STEPS: tuple[tuple[int, int], ...] = ((80, 10), (88, 9), (100, 8))
_GFX9_SGPR_FLOOR = 7


@dataclass(frozen=True)
class TargetFacts:
    """What limits waves on one AMD target (one wavefront size)."""

    name: str
    family: str
    wavefront_size: int
    # "EUs per CU": SIMDs sharing a workgroup's resources. LLVM getEUsPerCU: 4 before GFX10; on
    # GFX10+ 4 in WGP mode (two CUs of two SIMD32s), the HIP default (clang -mno-cumode).
    simds_per_cu: int
    # LLVM getMaxWavesPerEU: 8 for FeatureGFX90AInsts (gfx90a, gfx94x, gfx950), 10 for older
    # GFX9, 16 for GFX10.3+ (GFX11 and GFX12 imply FeatureGFX10_3Insts in AMDGPU.td).
    max_waves_per_simd: int
    # LLVM getTotalNumVGPRs: VGPRs per lane in one SIMD's file, shared by its waves.
    vgpr_file: int
    # LLVM getVGPRAllocGranule: a wave's VGPRs are allocated in blocks of this many.
    vgpr_granule: int
    # LLVM getAddressableNumArchVGPRs: 256 VGPRs (v0-v255) per wave on every target here.
    max_vgprs: int
    # AGPRs (MFMA accumulators) a wave can address; 0 where the target has none.
    max_agprs: int
    # LLVM getTotalNumVGPRs(has90AInsts, AGPR, VGPR) / AMDGPUResourceUsageAnalysis: on GFX90A+
    # VGPRs and AGPRs share one file: AGPRs start after the VGPRs rounded up to 4
    # (accum_offset), so a wave takes alignTo(VGPRs, 4) + AGPRs.
    unified_agprs: bool
    # GFX6-GFX9 SGPRs limit waves (``_GFX9_SGPR_STEPS``); GFX10+ they do not.
    sgprs_limit_waves: bool
    # LLVM GCNSubtarget::initializeSubtargetDependencies: LocalMemorySize =
    # AddressableLocalMemorySize, doubled on GFX10+ in WGP mode ("the WGP has 128k in total"):
    # the LDS all resident workgroups of one CU (WGP) share.
    lds_per_cu: int
    # AMDGPU.td FeatureAddressableLocalMemorySize…: the most one workgroup may allocate.
    lds_per_workgroup: int
    # LLVM getMaxWorkGroupsPerCU: barriers bound workgroups of more than one wave per CU: 16, or
    # 32 on GFX10+ in WGP mode.
    max_barriers: int


def _cdna(name: str, family: str, lds: int) -> TargetFacts:
    return TargetFacts(
        name=name,
        family=family,
        wavefront_size=64,  # LLVM getWavefrontSize: FeatureWavefrontSize64 (FeatureGFX9)
        simds_per_cu=4,
        max_waves_per_simd=8,  # getMaxWavesPerEU: isGFX90A → 8
        vgpr_file=512,  # getTotalNumVGPRs: FeatureGFX90AInsts → 512 (unified VGPR+AGPR)
        vgpr_granule=8,  # getVGPRAllocGranule: FeatureGFX90AInsts → 8
        # 256 of each at most: AMD "Instinct MI200 ISA" §3.6.4, as quoted by llvm-project
        # commit b7611370 ("a total of 512 registers, but a maximum of only 256 of each of
        # AGPR and VGPR").
        max_vgprs=256,
        max_agprs=256,
        unified_agprs=True,
        sgprs_limit_waves=True,  # Generation GFX9
        lds_per_cu=lds,  # GFX9: no WGP doubling, the CU's LDS is the addressable size
        lds_per_workgroup=lds,
        max_barriers=16,
    )


def _rdna(name: str, family: str, wave64: bool) -> TargetFacts:
    # gfx1100 (FeatureISAVersion11_0_0) and gfx1201 (FeatureISAVersion12) both carry
    # Feature1_5xVGPRs in AMDGPU.td: getTotalNumVGPRs → 1536 (wave32) / 768 (wave64),
    # getVGPRAllocGranule → 24 (wave32) / 12 (wave64). Both carry
    # FeatureAddressableLocalMemorySize65536 (GFX11 generation; ISAVersion12).
    return TargetFacts(
        name=name,
        family=family,
        # Wave32 is the default for GFX10+ (clang -mno-wavefrontsize64); -mwavefrontsize64 opts in.
        wavefront_size=64 if wave64 else 32,
        simds_per_cu=4,  # WGP mode (the default): a WGP of two CUs, four SIMD32s
        max_waves_per_simd=16,  # getMaxWavesPerEU: hasGFX10_3Insts → 16
        vgpr_file=768 if wave64 else 1536,
        vgpr_granule=12 if wave64 else 24,
        max_vgprs=256,
        max_agprs=0,  # no AGPRs before GFX90A; RDNA has none
        unified_agprs=False,
        sgprs_limit_waves=False,  # getOccupancyWithNumSGPRs: Gen >= GFX10 → MaxWaves
        lds_per_cu=2 * 65536,  # WGP mode: LocalMemorySize *= 2
        lds_per_workgroup=65536,
        max_barriers=32,  # getMaxWorkGroupsPerCU: GFX10+ not CU mode → 32
    )


# One row per target the clang-22 toolchain builds (docs/amd-targets.md). LDS: AMDGPU.td,
# FeatureISAVersion9_0_A (via 9_0_Common) and 9_4_2 → 65536; 9_5_Common → 163840 (gfx950).
TARGETS: dict[str, TargetFacts] = {
    "gfx90a": _cdna("gfx90a", "CDNA2 (MI200)", 65536),
    "gfx942": _cdna("gfx942", "CDNA3 (MI300)", 65536),
    "gfx950": _cdna("gfx950", "CDNA4 (MI350)", 163840),
    "gfx1100": _rdna("gfx1100", "RDNA3", wave64=False),
    "gfx1201": _rdna("gfx1201", "RDNA4", wave64=False),
}


def target_facts(target: str, wave64: bool = False) -> TargetFacts | None:
    """The facts of ``target`` (``gfx942``, ``gfx942:sramecc+:xnack-``, …), or None."""
    name = target.strip().lower().split(":", 1)[0] if isinstance(target, str) else ""
    facts = TARGETS.get(name)
    if facts is not None and wave64 and facts.wavefront_size == 32:
        return _rdna(facts.name, facts.family, wave64=True)
    return facts


class Limiter(str, enum.Enum):
    """What holds the waves per SIMD down."""

    VGPR = "VGPR"
    SGPR = "SGPR"
    LDS = "LDS"
    BLOCK_SIZE = "block size"
    HARDWARE_MAX = "hardware max"


@dataclass(frozen=True)
class Occupancy:
    """Occupancy of one kernel on one target.

    ``waves_per_simd`` is 0 when the kernel cannot run as given (invalid input, or a block that
    does not fit); ``limiter`` is None only for invalid input; ``workgroups_per_cu`` is None when
    the block size is unknown. ``explanation`` is one line for a lens, a report or JSON.
    """

    target: str
    waves_per_simd: int
    max_waves_per_simd: int
    limiter: Limiter | None
    workgroups_per_cu: int | None
    block_size: int | None
    explanation: str


def _align(value: int, granule: int) -> int:
    return -(-value // granule) * granule


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _vector_registers(facts: TargetFacts, vgprs: int, agprs: int) -> int:
    """VGPRs a wave takes from the file (LLVM getTotalNumVGPRs(has90AInsts, AGPR, VGPR))."""
    if facts.unified_agprs and agprs:
        return _align(vgprs, 4) + agprs
    return max(vgprs, agprs)


def _waves_with_vgprs(facts: TargetFacts, registers: int) -> int:
    """LLVM getNumWavesPerEUWithNumVGPRs."""
    if registers < facts.vgpr_granule:
        return facts.max_waves_per_simd
    rounded = _align(registers, facts.vgpr_granule)
    return min(max(facts.vgpr_file // rounded, 1), facts.max_waves_per_simd)


def _waves_with_sgprs(facts: TargetFacts, sgprs: int) -> int:
    """LLVM getOccupancyWithNumSGPRs (0 SGPRs: not counted, as GCNSubtarget::computeOccupancy)."""
    if not facts.sgprs_limit_waves or sgprs == 0:
        return facts.max_waves_per_simd
    for most, waves in _GFX9_SGPR_STEPS:
        if sgprs <= most:
            return min(waves, facts.max_waves_per_simd)
    return min(_GFX9_SGPR_FLOOR, facts.max_waves_per_simd)


def _max_workgroups(facts: TargetFacts, waves_per_group: int) -> int:
    """LLVM getMaxWorkGroupsPerCU: wave slots and barriers."""
    slots = facts.max_waves_per_simd * facts.simds_per_cu
    if waves_per_group == 1:  # single-wave workgroups use no barrier
        return slots
    return min(slots // waves_per_group, facts.max_barriers)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _invalid(target: str, block_size: object, max_waves: int, why: str) -> Occupancy:
    block = block_size if _is_count(block_size) else None
    return Occupancy(target, 0, max_waves, None, None, block, f"{target}: no occupancy: {why}")  # type: ignore[arg-type]


def occupancy(
    target: str,
    vgprs: int,
    agprs: int,
    sgprs: int,
    lds_bytes: int,
    block_size: int | None,
    *,
    wave64: bool = False,
) -> Occupancy:
    """Waves per SIMD of a kernel using these resources, launched with ``block_size`` threads.

    ``vgprs``/``agprs``/``sgprs``/``lds_bytes`` are the compiler's per-kernel counts (clang's
    ``-Rpass-analysis=kernel-resource-usage``: ``VGPRs``, ``AGPRs``, ``TotalSGPRs``, ``LDS Size``;
    LDS per workgroup, static plus any dynamic shared memory the launch adds). ``block_size`` is
    threads per block (x·y·z), or None when the launcher's block size could not be read: then
    only the register limit is reported. ``wave64`` selects wave64 on RDNA (ignored on CDNA,
    which is always wave64).

    The waves per SIMD follow LLVM's ``GCNSubtarget::computeOccupancy``: the least of the
    hardware maximum, the VGPR limit, the SGPR limit and the workgroup limit of
    ``AMDGPUSubtarget::getOccupancyWithWorkGroupSizes`` (LDS and barriers; waves spread over the
    CU's SIMDs, rounded up), with one addition: a workgroup's waves must also fit in the
    registers *together* — ``workgroups_per_cu`` is at most (register-limited waves × SIMDs) ÷
    waves per workgroup, and the waves per SIMD at most those workgroups' waves spread over the
    SIMDs. LLVM takes each limit alone, so its remark can be higher than this. Never raises.
    """
    name = target if isinstance(target, str) else repr(target)
    facts = target_facts(target, wave64=bool(wave64)) if isinstance(target, str) else None
    if facts is None:
        known = ", ".join(TARGETS)
        return _invalid(name, block_size, 0, f"unknown target (rocm-lsp knows {known})")
    top = facts.max_waves_per_simd
    for label, value in (("VGPRs", vgprs), ("AGPRs", agprs), ("SGPRs", sgprs), ("LDS bytes", lds_bytes)):
        if not _is_count(value):
            return _invalid(name, block_size, top, f"{label} must be a whole number ≥ 0, not {value!r}")
    if vgprs > facts.max_vgprs:
        return _invalid(name, block_size, top, f"{vgprs} VGPRs: a wave addresses at most {facts.max_vgprs}")
    if agprs > facts.max_agprs:
        limit = f"at most {facts.max_agprs}" if facts.max_agprs else "none (no AGPRs on this target)"
        return _invalid(name, block_size, top, f"{agprs} AGPRs: a wave addresses {limit}")
    if block_size is not None and (not _is_count(block_size) or not 1 <= block_size <= MAX_BLOCK_SIZE):
        return _invalid(
            name, block_size, top, f"block size {block_size!r} is not 1..{MAX_BLOCK_SIZE} threads"
        )

    registers = _vector_registers(facts, vgprs, agprs)
    vgpr_waves = _waves_with_vgprs(facts, registers)
    sgpr_waves = _waves_with_sgprs(facts, sgprs)
    register_waves = min(vgpr_waves, sgpr_waves)
    register_limiter = Limiter.VGPR if vgpr_waves <= sgpr_waves else Limiter.SGPR
    vector_text = (
        f"{vgprs} VGPRs + {agprs} AGPRs = {_align(registers, facts.vgpr_granule)} of {facts.vgpr_file}"
        if facts.unified_agprs and agprs
        else f"{vgprs} VGPRs ({_align(max(registers, 1), facts.vgpr_granule)} allocated of {facts.vgpr_file})"
    )
    register_text = {
        Limiter.VGPR: vector_text,
        Limiter.SGPR: f"{sgprs} SGPRs",
    }[register_limiter]
    head = f"{name}: {{waves}} of {top} waves/SIMD (wave{facts.wavefront_size})"

    if lds_bytes > facts.lds_per_workgroup:
        return Occupancy(
            name, 0, top, Limiter.LDS, 0 if block_size is not None else None, block_size,
            f"{name}: cannot launch: {lds_bytes} B of LDS per workgroup, "
            f"the most a workgroup may allocate is {facts.lds_per_workgroup} B",
        )  # fmt: skip

    if block_size is None:
        limiter = register_limiter if register_waves < top else Limiter.HARDWARE_MAX
        why = f"limited by {register_text}" if limiter is not Limiter.HARDWARE_MAX else "the hardware maximum"
        return Occupancy(
            name, register_waves, top, limiter, None, None,
            head.format(waves=register_waves) + f", {why}; registers only — unknown: the "
            "launcher's block size could not be read, so LDS and workgroup limits are not counted",
        )  # fmt: skip

    waves_per_group = _ceil_div(block_size, facts.wavefront_size)
    slot_groups = _max_workgroups(facts, waves_per_group)
    lds_groups = facts.lds_per_cu // max(lds_bytes, 1)
    group_limit = min(slot_groups, lds_groups)
    # AMDGPUSubtarget::getOccupancyWithWorkGroupSizes for one group size (min == max): clamp(
    # ceil(waves on the CU / EUs), 1, max waves).
    group_waves = min(max(_ceil_div(group_limit * waves_per_group, facts.simds_per_cu), 1), top)
    register_groups = register_waves * facts.simds_per_cu // waves_per_group
    groups = min(group_limit, register_groups)
    block_text = f"{block_size}-thread blocks ({waves_per_group} wave{'s' if waves_per_group > 1 else ''})"

    if groups == 0:
        need = _ceil_div(waves_per_group, facts.simds_per_cu)
        return Occupancy(
            name, 0, top, register_limiter, 0, block_size,
            f"{name}: cannot launch {block_text}: a block needs {need} waves/SIMD, "
            f"{register_text} leave room for {register_waves}",
        )  # fmt: skip

    llvm_waves = min(top, group_waves, register_waves)
    joint_waves = _ceil_div(groups * waves_per_group, facts.simds_per_cu)
    waves = min(llvm_waves, joint_waves)
    slots = top * facts.simds_per_cu
    if waves >= top and groups * waves_per_group < slots:
        # LLVM rounds the average up to the maximum; the slots left empty are the block size's.
        limiter = Limiter.BLOCK_SIZE
        why = (
            f"{groups * waves_per_group} of {slots} wave slots per CU filled: the block size leaves the rest"
        )
    elif waves >= top:
        limiter, why = Limiter.HARDWARE_MAX, "the hardware maximum"
    elif register_waves == waves or (joint_waves < llvm_waves and register_groups < group_limit):
        limiter, why = register_limiter, f"limited by {register_text}"
        if joint_waves < llvm_waves:
            why += f", which fit {register_groups} whole workgroup{'s' if register_groups > 1 else ''}"
    elif lds_groups < slot_groups:
        limiter = Limiter.LDS
        why = f"limited by {lds_bytes} B of LDS per workgroup ({facts.lds_per_cu} B per CU)"
    else:
        limiter = Limiter.BLOCK_SIZE
        why = f"limited by the block size ({slot_groups} workgroups per CU at most)"
    groups_text = f"{groups} workgroup{'s' if groups > 1 else ''} of {block_text} per CU"
    return Occupancy(
        name, waves, top, limiter, groups, block_size, head.format(waves=waves) + f", {why}; {groups_text}"
    )


# --- the block size, read from rendered C++ (a heuristic) ----------------------------------------

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_GLOBAL = re.compile(r"\b__global__\b")
_BOUNDS = re.compile(
    r"\b__launch_bounds__\s*\(\s*([A-Za-z_]\w*|\d+)[uUlL]*\s*(?:,[^()]*(?:\([^()]*\)[^()]*)*)?\)"
)
_MACRO_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_INT = re.compile(r"\d+")


def _strip_comments(cpp: str) -> str:
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), cpp)


def _constant(cpp: str, name: str, before: int) -> int | None:
    """The last ``constexpr``/``const`` integer or ``#define`` named ``name`` before ``before``."""
    word = re.escape(name)
    pattern = re.compile(
        rf"\b(?:constexpr|const)\b[^;={{}}()]*\b{word}\s*(?:=\s*|\{{\s*)(\d+)[uUlL]*\s*\}}?\s*;"
        rf"|^[ \t]*#[ \t]*define[ \t]+{word}[ \t]+\(?(\d+)[uUlL]*\)?[ \t]*$",
        re.MULTILINE,
    )
    found = [m for m in pattern.finditer(cpp, 0, before)]
    if not found:
        return None
    last = found[-1]
    return int(last.group(1) or last.group(2))


def _bound(cpp: str, token: str, before: int) -> int | None:
    value = int(token) if _INT.fullmatch(token) else _constant(cpp, token, before)
    return value if value and value > 0 else None


def block_size_from_source(cpp: str) -> int | None:
    """The block size a kernel declares: N of ``__launch_bounds__(N)`` / ``(N, M)``, or None.

    A heuristic over rendered C++, not a compiler: it reads the first ``__global__`` declaration
    (from ``__global__`` to its body's ``{`` or a ``;``) that carries ``__launch_bounds__`` —
    written there, or through a function-like macro whose first ``#define`` holds it (``#if``
    branches are not evaluated). N may be a literal or a name defined earlier as a
    ``constexpr``/``const`` integer or ``#define``d to a literal (the last such definition before
    the use). ``__launch_bounds__`` is the *maximum* block size the kernel allows; the launcher
    may use fewer threads, which this cannot see. Returns None when nothing is readable.
    """
    if not isinstance(cpp, str):
        return None
    text = _strip_comments(cpp)
    for start in _GLOBAL.finditer(text):
        end = len(text)
        for stop in ("{", ";"):
            at = text.find(stop, start.end())
            if at != -1:
                end = min(end, at)
        # ``__launch_bounds__`` may also come before ``__global__``: look back to the statement start.
        begin = max(
            text.rfind(";", 0, start.start()),
            text.rfind("}", 0, start.start()),
            text.rfind("\n#", 0, start.start()),
        )
        begin = max(begin, 0)
        head = text[begin:end]
        bounds = _BOUNDS.search(head)
        if bounds is not None:
            return _bound(text, bounds.group(1), start.start())
        for call in _MACRO_CALL.finditer(head):
            body = _macro_body(text, call.group(1))
            if body is None:
                continue
            inner = _BOUNDS.search(body)
            if inner is not None:
                return _bound(text, inner.group(1), start.start())
    return None


def _macro_body(text: str, name: str) -> str | None:
    """The body of the first ``#define name(…) body``, or None."""
    define = re.compile(rf"^[ \t]*#[ \t]*define[ \t]+{re.escape(name)}\([^)]*\)([^\n]*)$", re.MULTILINE)
    found = define.search(text)
    return found.group(1) if found else None


_LAUNCH_GGL = re.compile(r"\bhipLaunchKernelGGL\s*\(")
_LAUNCH_CHEVRONS = re.compile(r"\b([A-Za-z_]\w*)\s*(?:<[^<>;]*>\s*)?<<<")
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _arguments(text: str, start: int, close: str = ")") -> list[str]:
    """The comma-separated arguments from ``start`` (just after the opening bracket) to the
    bracket that closes it, split at depth 0 (parentheses, brackets, braces and ``<…>`` of
    template arguments are not told apart from less-than: good enough for launch sites)."""
    out, depth, begin = [], 0, start
    at = start
    while at < len(text):
        if text.startswith(close, at) and depth == 0:
            out.append(text[begin:at].strip())
            return out
        char = text[at]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(text[begin:at].strip())
            begin = at + 1
        at += 1
    return []


def _dim(text: str, expression: str, before: int) -> int | None:
    """The thread count of a launch's block expression: ``N``, ``dim3(x, y, z)`` or a ``dim3``
    variable declared before ``before`` with constant components; None otherwise."""
    expression = expression.strip()
    while expression.startswith("(") and expression.endswith(")"):
        expression = expression[1:-1].strip()
    call = re.fullmatch(r"(?:dim3|static_cast<\w+>)\s*\((.*)\)", expression, re.DOTALL)
    if call is not None:
        parts = _arguments(call.group(1) + ")", 0)
        sizes = [_dim(text, part, before) for part in parts]
        if not sizes or len(sizes) > 3 or any(s is None for s in sizes):
            return None
        total = 1
        for size in sizes:
            total *= size or 1
        return total
    if _INT.fullmatch(expression) or _IDENT.fullmatch(expression):
        declared = re.compile(rf"\bdim3\s+{re.escape(expression)}\s*(?:\(|\{{|=\s*dim3\s*\()")
        found = [m for m in declared.finditer(text, 0, before)]
        if found:
            return _dim(text, "dim3(" + ", ".join(_arguments(text, found[-1].end())) + ")", before)
        return _bound(text, expression, before)
    return None


def launch_block_sizes(cpp: str) -> dict[str, int | None]:
    """Kernel name -> the block size its launches use, read from ``hipLaunchKernelGGL(kernel,
    grid, block, …)`` and ``kernel<<<grid, block>>>``: a literal, a constant, ``dim3(…)`` of
    constants, or a ``dim3`` variable built from them. None where a launch's block is computed
    at run time or two launches of the kernel differ. A heuristic over rendered C++."""
    if not isinstance(cpp, str):
        return {}
    text = _strip_comments(cpp)
    seen: dict[str, set[int | None]] = {}
    for launch in _LAUNCH_GGL.finditer(text):
        args = _arguments(text, launch.end())
        name = _IDENT.search(args[0]) if len(args) >= 3 else None
        if name is not None:
            seen.setdefault(name.group(0), set()).add(_dim(text, args[2], launch.start()))
    for launch in _LAUNCH_CHEVRONS.finditer(text):
        args = _arguments(text, launch.end(), ">>>")
        if len(args) >= 2:
            seen.setdefault(launch.group(1), set()).add(_dim(text, args[1], launch.start()))
    return {name: next(iter(sizes)) if len(sizes) == 1 else None for name, sizes in seen.items()}
