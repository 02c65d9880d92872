"""Which compiler builds a rendered kernel here: hipcc for AMD, nvcc + our HIP-on-CUDA
headers for NVIDIA, and for AMD device code on any machine upstream clang-22
(``amd_clang.py``), discovered at run time (settings may override compiler and arch)."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.gpu import amd_clang, child
from rocm_lsp.gpu.amd_clang import AmdClang

HIP_COMPAT = Path(__file__).resolve().parent / "hip_compat"
NVCC_CANDIDATES = ("/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc")
DEFAULT_NVIDIA_ARCH = "sm_90"
DEFAULT_AMD_ARCH = "gfx90a"  # hipcc of ROCm 5 (Debian's), which predates gfx942
DEFAULT_AMD_CLANG_ARCH = "gfx942"  # MI300X, with a compiler that knows it


@dataclass(frozen=True)
class Toolchain:
    """A compiler that can build HIP source for one GPU family."""

    platform: str  # "nvidia" | "amd"
    compiler: str  # path
    arch: str  # sm_90, gfx942, …
    version: str  # the compiler's own version text (part of the cache key)
    arch_source: str  # "device" | "setting" | "default (no GPU found)"
    # Upstream clang set up for AMD device code (``amd_clang.py``): builds device code only.
    amd_clang: AmdClang | None = None
    include_root: str = ""  # AMD: the HIP installation whose include/ the compiler reads
    release: str = ""  # hipcc: its ROCm release ("ROCm 5.2.21153-0"), said in ``describe``

    @property
    def device_only(self) -> bool:
        """Only device code can be built (a code object, never a loadable library)."""
        return self.amd_clang is not None

    def describe(self) -> str:
        name = Path(self.compiler).name
        if self.amd_clang is not None:
            return (
                f"{name} {self.amd_clang.version} for {self.arch} — {self.amd_clang.label()}; "
                f"device code only; arch from {self.arch_source}"
            )
        release = f"; {self.release}" if self.release else ""
        return f"{name} for {self.arch} ({self.platform}{release}; arch from {self.arch_source})"


class NoToolchain(Exception):
    """No compiler for HIP source on this machine (the message says what to install)."""


def _run(command: list[str], timeout: float = 10.0) -> str | None:
    """A probe's output (None if it fails, hangs or cannot start; a hang kills its group)."""
    try:
        done = child.run(command, timeout)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


@functools.cache
def _version(compiler: str) -> str:
    out = _run([compiler, "--version"]) or ""
    return out.strip().splitlines()[-1] if out.strip() else "unknown"


def _nvidia_arch() -> str | None:
    out = _run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"])
    if not out or not out.strip():
        return None
    cap = out.strip().splitlines()[0].strip()
    return "sm_" + cap.replace(".", "") if cap.replace(".", "").isdigit() else None


def _amd_arch() -> str | None:
    out = _run(["amdgpu-arch"]) or _run(["rocm_agent_enumerator"])
    if not out:
        return None
    archs = [a for a in out.split() if a.startswith("gfx") and a != "gfx000"]
    return archs[0] if archs else None


def _nvcc(setting: str | None) -> str | None:
    if setting:
        return setting if Path(setting).exists() or shutil.which(setting) else None
    return shutil.which("nvcc") or next((c for c in NVCC_CANDIDATES if Path(c).exists()), None)


def _family(arch: str | None) -> str | None:
    """The platform an arch names: ``gfx…`` AMD, ``sm_…``/``compute_…`` NVIDIA, else None."""
    if arch is None:
        return None
    return "amd" if arch.startswith("gfx") else "nvidia" if arch.startswith(("sm_", "compute_")) else None


@functools.cache
def _hipconfig(hipcc: str, option: str) -> str:
    """``hipconfig --version`` / ``--path`` of the ROCm that ``hipcc`` belongs to ("" if unknown)."""
    beside = Path(hipcc).resolve().parent / "hipconfig"
    tool = str(beside) if beside.exists() else shutil.which("hipconfig")
    return ((_run([tool, option]) or "").strip().splitlines() or [""])[0] if tool else ""


def hip_major(hipcc: str) -> int:
    """The ROCm (HIP) major version of ``hipcc``: 5 for Debian's, 6 or 7 for AMD's; 0 if unknown."""
    head = _hipconfig(hipcc, "--version").split(".")[0]
    return int(head) if head.isdigit() else 0


def _hipcc_knows(hipcc: str, arch: str) -> bool:
    """Whether ``hipcc`` can build for ``arch``: ROCm 6+ says so itself (its errors are
    reported); an older one only where its device libraries have the target's ISA library (a
    missing one is exactly what stops ROCm 5's clang)."""
    if hip_major(hipcc) >= 6:
        return True
    root = _hipconfig(hipcc, "--path")
    folder = amd_clang.device_lib_dir(root) if root else None
    return folder is not None and (Path(folder) / amd_clang.isa_library_name(arch)).exists()


def _amd_clang_toolchain(compiler: str | None, arch: str | None, found: str | None) -> Toolchain:
    setup = amd_clang.find(compiler)
    chosen = arch or found or DEFAULT_AMD_CLANG_ARCH
    source = "setting" if arch else "device" if found else "default (no GPU found)"
    return Toolchain("amd", setup.compiler, chosen, setup.version_text, source, setup, setup.hip_root)


def _amd(hipcc: str | None, arch: str | None, check_only: bool) -> Toolchain | None:
    """The AMD toolchain for ``arch`` (None: the device's, else a default), or None when there is
    none. A ROCm 6+ hipcc always; for device code only, upstream clang-22 before an older hipcc
    (one compiler for every AMD target, so their numbers compare); else hipcc where it knows the
    target, clang-22 (device code only) where it does not."""
    found = _amd_arch() if arch is None else None
    if hipcc and hip_major(hipcc) >= 6:
        return _hipcc_toolchain(hipcc, arch, found, DEFAULT_AMD_CLANG_ARCH)
    hipcc_arch = arch or found or DEFAULT_AMD_ARCH
    knows = hipcc is not None and _hipcc_knows(hipcc, hipcc_arch)
    if hipcc and knows and not check_only:
        return _hipcc_toolchain(hipcc, arch, found, DEFAULT_AMD_ARCH)
    try:
        return _amd_clang_toolchain(None, arch, found)
    except amd_clang.SetupError as exc:
        if hipcc and knows:
            return _hipcc_toolchain(hipcc, arch, found, DEFAULT_AMD_ARCH)
        if hipcc:
            raise NoToolchain(
                f"{Path(hipcc).name} (ROCm {_hipconfig(hipcc, '--version') or '< 6'}) cannot build for "
                f"{hipcc_arch}, and upstream clang for AMD device code is not set up ({exc})"
            ) from exc
        return None


def _hipcc_toolchain(hipcc: str, arch: str | None, found: str | None, default: str) -> Toolchain:
    chosen = arch or found or default
    source = "setting" if arch else "device" if found else "default (no GPU found)"
    version = _hipconfig(hipcc, "--version")
    release = f"ROCm {version}" if version else ""
    root = _hipconfig(hipcc, "--path")
    return Toolchain("amd", hipcc, chosen, _version(hipcc), source, None, root, release)


def discover(compiler: str | None = None, arch: str | None = None, check_only: bool = False) -> Toolchain:
    """The toolchain to use, or :class:`NoToolchain` with a message a person can act on.

    A ``clang…`` compiler setting is upstream clang for AMD device code (``amd_clang.py``);
    ``hipcc…`` is hipcc. Otherwise the arch's family decides (``gfx…`` AMD, ``sm_…`` NVIDIA),
    else AMD when ``hipconfig --platform`` says amd (hipcc's NVIDIA mode is never used: its
    headers fail against CUDA 13), else nvcc with rocm-lsp's HIP-on-CUDA headers, else (device
    code only) clang-22 for an AMD default target. ``check_only``: device code is all that is
    wanted (see ``_amd`` for what that changes).
    """
    if compiler is not None and Path(compiler).name.startswith("clang"):
        try:
            return _amd_clang_toolchain(compiler, arch, _amd_arch() if arch is None else None)
        except amd_clang.SetupError as exc:
            raise NoToolchain(str(exc)) from exc
    wants_hip = compiler is not None and Path(compiler).name.startswith("hipcc")
    hipcc = compiler if wants_hip else shutil.which("hipcc")
    family = _family(arch)
    if wants_hip and hipcc:
        found = _amd_arch() if arch is None else None
        return _hipcc_toolchain(hipcc, arch, found, DEFAULT_AMD_ARCH)
    if compiler is None and (
        family == "amd" or (family is None and (_run(["hipconfig", "--platform"]) or "").strip() == "amd")
    ):
        amd = _amd(hipcc, arch, check_only)
        if amd is not None:
            return amd
        raise NoToolchain(
            f"no compiler for AMD GPUs found: install ROCm (hipcc), or for device code only "
            f"(--check-only) {amd_clang.INSTALL_HINT}, or set rocmLsp.compiler"
        )
    nvcc = _nvcc(compiler)
    if nvcc:
        found = _nvidia_arch()
        chosen = arch or found or DEFAULT_NVIDIA_ARCH
        source = "setting" if arch else "device" if found else "default (no GPU found)"
        return Toolchain("nvidia", nvcc, chosen, _version(nvcc), source)
    if compiler is None and family is None and check_only:
        try:
            return _amd_clang_toolchain(None, None, _amd_arch())
        except amd_clang.SetupError:
            pass
    raise NoToolchain(
        "no HIP compiler found: install ROCm (hipcc) for AMD GPUs, or the CUDA toolkit (nvcc) "
        f"for NVIDIA GPUs, or for AMD device code only (--check-only) {amd_clang.INSTALL_HINT}, "
        "or set rocmLsp.compiler"
    )


def flags(tool: Toolchain, output: str, amd_flags: Sequence[str]) -> list[str]:
    """Compiler flags mirroring Inductor's ROCm compile command (``compile_command.py``);
    ``amd_flags`` are the ``-mllvm`` options of the profile's torch (``Profile.amd_compile_flags``).

    ``output`` is "so" (a loadable shared library), "check" (device code only, no link; with line
    tables for the assembly view, which leave the code as it is) or "ptx" (NVIDIA's PTX, with
    ``-lineinfo``).
    """
    if tool.platform == "amd":
        common = [
            "-O3", "-x", "hip", "-std=c++20", f"--offload-arch={tool.arch}", "-fno-gpu-rdc",
            "-fPIC", "-fvisibility=hidden", *amd_flags, "-Rpass-analysis=kernel-resource-usage",
        ]  # fmt: skip
        if output == "so":
            return [*common, "-shared"]
        return [*common, "--cuda-device-only", "-c", "-gline-tables-only", "--no-gpu-bundle-output"]
    common = [
        "-O3", "-x", "cu", "-std=c++17", f"-arch={tool.arch}", "-Xptxas", "-v",
        f"-I{HIP_COMPAT}", "-Xcompiler", "-fPIC", "-Xcompiler", "-fvisibility=hidden",
        "--expt-relaxed-constexpr",
    ]  # fmt: skip
    if output == "ptx":
        return [flag for flag in common if flag not in ("-Xptxas", "-v")] + ["-ptx", "-lineinfo"]
    return [*common, "-shared"] if output == "so" else [*common, "--cubin", "-lineinfo"]


def compat_fingerprint() -> str:
    """A digest of our HIP-on-CUDA headers (part of every NVIDIA compile's cache key)."""
    digest = hashlib.sha256()
    if HIP_COMPAT.exists():
        for path in sorted(HIP_COMPAT.rglob("*.h")):
            digest.update(str(path.relative_to(HIP_COMPAT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def compiler_env(tool: Toolchain) -> dict[str, str]:
    """The compiler's environment: hipcc picks its platform from HIP_PLATFORM, and a hipcc that
    also finds nvcc on PATH (Debian's does) would otherwise compile for NVIDIA."""
    env = dict(os.environ)
    if tool.platform == "amd":
        env["HIP_PLATFORM"] = "amd"
    return env
