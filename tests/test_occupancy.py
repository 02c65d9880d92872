"""AMD occupancy for the real block size (``gpu/occupancy.py``): pure, no compiler needed.

Expected values are worked by hand from llvm-project's AMDGPU backend (``AMDGPUBaseInfo.cpp``
``getNumWavesPerEUWithNumVGPRs``, ``getOccupancyWithNumSGPRs``, ``getMaxWorkGroupsPerCU``;
``AMDGPUSubtarget.cpp`` ``getOccupancyWithWorkGroupSizes``; ``GCNSubtarget.cpp``
``computeOccupancy``) and the per-target features in ``AMDGPU.td``; each case says which.
"""

from __future__ import annotations

import pytest

from rocm_lsp.gpu.occupancy import (
    TARGETS,
    Limiter,
    block_size_from_source,
    occupancy,
    target_facts,
)

KIB = 1024


@pytest.mark.parametrize(
    ("target", "wave", "max_waves", "vgpr_file", "granule", "lds_cu", "lds_group"),
    [
        # getMaxWavesPerEU: isGFX90A → 8; getTotalNumVGPRs / getVGPRAllocGranule:
        # FeatureGFX90AInsts → 512 / 8; AMDGPU.td: 9_0_A and 9_4_2 → LDS 65536, 9_5 → 163840.
        ("gfx90a", 64, 8, 512, 8, 64 * KIB, 64 * KIB),
        ("gfx942", 64, 8, 512, 8, 64 * KIB, 64 * KIB),
        ("gfx950", 64, 8, 512, 8, 160 * KIB, 160 * KIB),
        # GFX11/GFX12: hasGFX10_3Insts → 16 waves; Feature1_5xVGPRs, wave32 → 1536 / 24;
        # LDS 64 KiB a workgroup, doubled per WGP in WGP mode (GCNSubtarget.cpp).
        ("gfx1100", 32, 16, 1536, 24, 128 * KIB, 64 * KIB),
        ("gfx1201", 32, 16, 1536, 24, 128 * KIB, 64 * KIB),
    ],
)
def test_hardware_facts(
    target: str, wave: int, max_waves: int, vgpr_file: int, granule: int, lds_cu: int, lds_group: int
) -> None:
    facts = TARGETS[target]
    assert (facts.wavefront_size, facts.max_waves_per_simd, facts.vgpr_file, facts.vgpr_granule) == (
        wave,
        max_waves,
        vgpr_file,
        granule,
    )
    assert (facts.lds_per_cu, facts.lds_per_workgroup, facts.simds_per_cu) == (lds_cu, lds_group, 4)


def test_rdna_wave64_halves_the_file_and_the_granule() -> None:
    # getTotalNumVGPRs / getVGPRAllocGranule with Feature1_5xVGPRs and wave64: 768 / 12.
    facts = target_facts("gfx1100", wave64=True)
    assert facts is not None
    assert (facts.wavefront_size, facts.vgpr_file, facts.vgpr_granule) == (64, 768, 12)
    assert target_facts("gfx942:sramecc+:xnack-") is TARGETS["gfx942"]
    assert target_facts("gfx9000") is None


@pytest.mark.parametrize(
    ("vgprs", "agprs", "expected"),
    [
        (0, 0, 8),  # fewer than a granule → MaxWaves (getNumWavesPerEUWithNumVGPRs)
        (64, 0, 8),  # 512 / 64 = 8
        (65, 0, 7),  # 65 → 72; 512 / 72 = 7
        (128, 0, 4),  # 512 / 128 = 4
        (256, 0, 2),
        (256, 256, 1),  # the whole unified file: 512 / 512
        # AGPRs start at accum_offset = alignTo(VGPRs, 4) (getTotalNumVGPRs(has90AInsts, …)):
        # 125 + 3 → 128 + 3 = 131 → 136: 3 waves, where 125 + 3 = 128 would give 4.
        (125, 3, 3),
        (124, 4, 4),  # 124 + 4 = 128 exactly
    ],
)
def test_vgpr_limit_with_the_unified_agpr_file(vgprs: int, agprs: int, expected: int) -> None:
    for target in ("gfx90a", "gfx942", "gfx950"):
        result = occupancy(target, vgprs, agprs, 20, 0, 64)
        assert result.waves_per_simd == expected, (target, result)
        assert result.limiter is (Limiter.VGPR if expected < 8 else Limiter.HARDWARE_MAX)


@pytest.mark.parametrize(
    ("sgprs", "expected"),
    # getOccupancyWithNumSGPRs, GFX9: ≤80 → 10 (capped at 8 on gfx942), ≤88 → 9, ≤100 → 8, else 7.
    [(0, 8), (80, 8), (100, 8), (101, 7), (106, 7)],
)
def test_sgpr_limit_on_cdna(sgprs: int, expected: int) -> None:
    result = occupancy("gfx942", 32, 0, sgprs, 0, 64)
    assert result.waves_per_simd == expected
    assert result.limiter is (Limiter.SGPR if expected < 8 else Limiter.HARDWARE_MAX)


def test_sgprs_do_not_limit_rdna() -> None:
    # getOccupancyWithNumSGPRs: Gen >= GFX10 → MaxWaves.
    assert occupancy("gfx1100", 24, 0, 106, 0, 32).waves_per_simd == 16


@pytest.mark.parametrize(
    ("target", "lds", "block", "waves", "groups"),
    [
        # getOccupancyWithWorkGroupSizes: MaxWGsLDS = LocalMemorySize / LDS; waves =
        # ceil(WGs × waves per WG / 4 EUs).
        ("gfx942", 64 * KIB, 256, 1, 1),  # 1 WG × 4 waves / 4 SIMDs
        ("gfx942", 32 * KIB, 256, 2, 2),
        ("gfx942", 64 * KIB, 1024, 4, 1),  # 1 WG × 16 waves / 4
        ("gfx950", 64 * KIB, 256, 2, 2),  # 160 KiB / 64 KiB = 2 WGs: gfx950's larger LDS
        ("gfx950", 160 * KIB, 256, 1, 1),  # a whole 160 KiB workgroup fits on gfx950 only
        ("gfx1100", 64 * KIB, 256, 4, 2),  # WGP mode: 128 KiB / 64 KiB = 2 WGs × 8 waves / 4
    ],
)
def test_lds_limit(target: str, lds: int, block: int, waves: int, groups: int) -> None:
    result = occupancy(target, 32, 0, 20, lds, block)
    assert (result.waves_per_simd, result.workgroups_per_cu, result.limiter) == (waves, groups, Limiter.LDS)


def test_lds_past_what_a_workgroup_may_allocate_cannot_launch() -> None:
    result = occupancy("gfx942", 32, 0, 20, 160 * KIB, 256)
    assert (result.waves_per_simd, result.limiter, result.workgroups_per_cu) == (0, Limiter.LDS, 0)
    assert "the most a workgroup may allocate is 65536 B" in result.explanation


def test_block_size_quantization() -> None:
    # getMaxWorkGroupsPerCU: 32 wave slots / 3 waves = 10 WGs = 30 waves; LLVM rounds 30 / 4 up
    # to 8 waves/SIMD, two slots stay empty: the block size is what limits.
    result = occupancy("gfx942", 32, 0, 20, 0, 192)
    assert (result.waves_per_simd, result.workgroups_per_cu, result.limiter) == (8, 10, Limiter.BLOCK_SIZE)
    full = occupancy("gfx942", 32, 0, 20, 0, 256)
    assert (full.waves_per_simd, full.workgroups_per_cu, full.limiter) == (8, 8, Limiter.HARDWARE_MAX)


def test_a_workgroup_must_fit_in_the_registers_together() -> None:
    # 96 VGPRs → 5 waves/SIMD alone (LLVM's remark would say 5), but a 1024-thread block is 16
    # waves: 20 slots hold one block, 4 waves a SIMD.
    result = occupancy("gfx942", 96, 0, 20, 0, 1024)
    assert (result.waves_per_simd, result.workgroups_per_cu, result.limiter) == (4, 1, Limiter.VGPR)
    # 256 VGPRs → 2 waves/SIMD: 8 slots, a 16-wave block cannot start.
    blocked = occupancy("gfx942", 256, 0, 20, 0, 1024)
    assert (blocked.waves_per_simd, blocked.workgroups_per_cu) == (0, 0)
    assert blocked.explanation.startswith("gfx942: cannot launch 1024-thread blocks")


def test_unknown_block_size_reports_registers_only() -> None:
    result = occupancy("gfx942", 128, 0, 20, 64 * KIB, None)
    assert (result.waves_per_simd, result.limiter, result.workgroups_per_cu) == (4, Limiter.VGPR, None)
    assert "unknown: the launcher's block size could not be read" in result.explanation


def test_explanation_is_one_line() -> None:
    result = occupancy("gfx942", 128, 0, 20, 0, 256)
    assert result.explanation == (
        "gfx942: 4 of 8 waves/SIMD (wave64), limited by 128 VGPRs (128 allocated of 512); "
        "4 workgroups of 256-thread blocks (4 waves) per CU"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("gfx9000", 1, 0, 1, 0, 64), "unknown target"),
        (("gfx942", -1, 0, 1, 0, 64), "VGPRs must be a whole number"),
        (("gfx942", 1.5, 0, 1, 0, 64), "VGPRs must be a whole number"),
        (("gfx942", True, 0, 1, 0, 64), "VGPRs must be a whole number"),
        (("gfx942", 300, 0, 1, 0, 64), "a wave addresses at most 256"),
        (("gfx1100", 32, 8, 1, 0, 64), "no AGPRs on this target"),
        (("gfx942", 32, 0, 1, 0, 0), "block size 0 is not 1..1024"),
        (("gfx942", 32, 0, 1, 0, 2048), "block size 2048 is not 1..1024"),
        ((None, 32, 0, 1, 0, 64), "unknown target"),
    ],
)
def test_invalid_inputs_never_raise(args: tuple[object, ...], says: str) -> None:
    result = occupancy(*args)  # type: ignore[arg-type]
    assert result.waves_per_simd == 0 and result.limiter is None
    assert says in result.explanation


@pytest.mark.parametrize(
    ("cpp", "expected"),
    [
        ("__global__ void __launch_bounds__(256) k(float* x) {}", 256),
        ("__global__ void __launch_bounds__(256, 2) k(float* x) {}", 256),
        ('extern "C" __launch_bounds__(128) __global__ void k() {}', 128),
        ("constexpr int kThreads = 512;\n__global__ void __launch_bounds__(kThreads)\nk() {}", 512),
        ("#define BLOCK 64\n__global__ void __launch_bounds__(BLOCK) k() {}", 64),
        # the last definition before the kernel wins
        (
            "constexpr int kT = 64;\nconstexpr int kT = 128;\n__global__ void __launch_bounds__(kT) k() {}",
            128,
        ),
        # through a function-like macro (its first #define; #if is not evaluated)
        (
            "constexpr int kThreads = 128;\n#define BOUNDS(c) __launch_bounds__(kThreads)\n"
            "__global__ void BOUNDS(kCache) k() {}",
            128,
        ),
        # the first __global__ that has it; a device function's or a comment's does not count
        (
            "// __launch_bounds__(32)\n__device__ void __launch_bounds__(16) f() {}\n"
            "__global__ void a() {}\n__global__ void __launch_bounds__(1024) b() {}",
            1024,
        ),
        ("__global__ void k() {}", None),
        ("__global__ void __launch_bounds__(kUnknown) k() {}", None),
        ("__global__ void __launch_bounds__(0) k() {}", None),
        ("", None),
        (None, None),
    ],
)
def test_block_size_from_source(cpp: object, expected: int | None) -> None:
    assert block_size_from_source(cpp) == expected  # type: ignore[arg-type]
