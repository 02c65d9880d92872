"""Which compiler builds a rendered kernel here: hipcc for AMD, nvcc + our HIP-on-CUDA
headers for NVIDIA, discovered at run time (settings may override compiler and arch)."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.gpu import child

HIP_COMPAT = Path(__file__).resolve().parent / "hip_compat"
NVCC_CANDIDATES = ("/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc")
DEFAULT_NVIDIA_ARCH = "sm_90"
DEFAULT_AMD_ARCH = "gfx90a"


@dataclass(frozen=True)
class Toolchain:
    """A compiler that can build HIP source for one GPU family."""

    platform: str  # "nvidia" | "amd"
    compiler: str  # path
    arch: str  # sm_90, gfx942, …
    version: str  # the compiler's own version text (part of the cache key)
    arch_source: str  # "device" | "setting" | "default (no GPU found)"

    def describe(self) -> str:
        return f"{Path(self.compiler).name} for {self.arch} ({self.platform}; arch from {self.arch_source})"


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


def discover(compiler: str | None = None, arch: str | None = None) -> Toolchain:
    """The toolchain to use, or :class:`NoToolchain` with a message a person can act on.

    AMD first when ``hipconfig --platform`` says amd (hipcc's NVIDIA mode is never used:
    its headers fail against CUDA 13); else nvcc with rocm-lsp's HIP-on-CUDA headers.
    """
    wants_hip = compiler is not None and Path(compiler).name.startswith(("hipcc", "clang"))
    hipcc = compiler if wants_hip else shutil.which("hipcc")
    platform = (_run(["hipconfig", "--platform"]) or "").strip()
    if hipcc and (wants_hip or platform == "amd"):
        found = _amd_arch()
        chosen = arch or found or DEFAULT_AMD_ARCH
        source = "setting" if arch else "device" if found else "default (no GPU found)"
        return Toolchain("amd", hipcc, chosen, _version(hipcc), source)
    nvcc = _nvcc(None if wants_hip else compiler)
    if nvcc:
        found = _nvidia_arch()
        chosen = arch or found or DEFAULT_NVIDIA_ARCH
        source = "setting" if arch else "device" if found else "default (no GPU found)"
        return Toolchain("nvidia", nvcc, chosen, _version(nvcc), source)
    raise NoToolchain(
        "no HIP compiler found: install ROCm (hipcc) for AMD GPUs, or the CUDA toolkit (nvcc) "
        "for NVIDIA GPUs, or set rocmLsp.compiler"
    )


def flags(tool: Toolchain, output: str, amd_flags: Sequence[str]) -> list[str]:
    """Compiler flags mirroring Inductor's ROCm compile command (``compile_command.py``);
    ``amd_flags`` are the ``-mllvm`` options of the profile's torch (``Profile.amd_compile_flags``).

    ``output`` is "so" (a loadable shared library) or "check" (device code only, no link).
    """
    if tool.platform == "amd":
        common = [
            "-O3", "-x", "hip", "-std=c++20", f"--offload-arch={tool.arch}", "-fno-gpu-rdc",
            "-fPIC", "-fvisibility=hidden", *amd_flags, "-Rpass-analysis=kernel-resource-usage",
        ]  # fmt: skip
        return [*common, "-shared"] if output == "so" else [*common, "--cuda-device-only", "-c"]
    common = [
        "-O3", "-x", "cu", "-std=c++17", f"-arch={tool.arch}", "-Xptxas", "-v",
        f"-I{HIP_COMPAT}", "-Xcompiler", "-fPIC", "-Xcompiler", "-fvisibility=hidden",
        "--expt-relaxed-constexpr",
    ]  # fmt: skip
    return [*common, "-shared"] if output == "so" else [*common, "--cubin"]


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
