"""Upstream clang (Debian's ``clang-22``) as a HIP *device* compiler for AMD targets on any
machine: the HIP headers and device libraries of the installed ROCm (Debian's 5.2:
``libamdhip64-dev``, ``rocm-device-libs``), and the gaps between the two closed by rocm-lsp —

- an explicit device-library list (``-nogpulib`` plus ``-mlink-builtin-bitcode`` for each):
  clang 22 wants libraries ROCm 5.2 lacks (ABI 6) and no longer links ones it needs (``hip.bc``
  for ``__threadfence``, ``oclc_daz_opt`` for ocml), so its own choice leaves calls unresolved;
- ``oclc_isa_version_NNN.bc`` for targets newer than the libraries (gfx942, gfx950, gfx11xx,
  gfx12xx), assembled from ``amd_device/oclc_isa_version.ll`` into the user cache directory;
- ``-mcode-object-version=5`` (the ABI the 5.2 libraries implement);
- ``amd_device/clang_compat.h``, a pre-include for what clang 22 stopped providing.

The result is a code object (device code only, never a loadable library): its resource usage,
and its undefined symbols — any left is an error of the toolchain (``unresolved``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.workspace.files import user_cache_dir
from rocm_lsp.gpu import child

DEVICE_FILES = Path(__file__).resolve().parent / "amd_device"
PRE_INCLUDE = DEVICE_FILES / "clang_compat.h"
ISA_VERSION_LL = DEVICE_FILES / "oclc_isa_version.ll"

# The upstream clangs rocm-lsp knows how to drive (what docs/amd-targets.md installs).
CLANG_NAMES = ("clang-22",)
# Where ROCm's device libraries install their bitcode: Debian's multiarch folder, ROCm's own.
DEVICE_LIB_GLOBS = ("/usr/lib/*/amdgcn/bitcode", "/usr/lib/amdgcn/bitcode", "/opt/rocm/amdgcn/bitcode")
# The libraries every kernel links, in link order; controls that select code paths (HIP's defaults:
# denormals kept, no unsafe or finite-only math, correctly rounded sqrt). A missing control is
# left out: if the code needed it, the unresolved-symbol check says so.
REQUIRED_LIBS = ("ocml", "ockl")
OPTIONAL_LIBS = (
    "hip",  # ROCm 5: __atomic_work_item_fence (__threadfence) and friends
    "oclc_daz_opt_off",
    "oclc_unsafe_math_off",
    "oclc_finite_only_off",
    "oclc_correctly_rounded_sqrt_on",
)
CODE_OBJECT_VERSION = 5  # oclc_abi_version_500.bc: ROCm 5.2 has no ABI 6 library
LABEL = "upstream LLVM {llvm} with ROCm {rocm} headers (not AMD's ROCm 6/7 compiler)"
INSTALL_HINT = (
    "apt-get install --no-install-recommends clang-22 llvm-22 lld-22 libamdhip64-dev rocm-device-libs"
)

_TARGET = re.compile(r"gfx(?P<major>\d+)(?P<minor>[0-9a-f])(?P<stepping>[0-9a-f])")
_HIP_FOUND = re.compile(r"Found HIP installation: (?P<root>.+), version (?P<version>[\w.\-]+)")
_CLANG_VERSION = re.compile(r"clang version (?P<version>\d+(?:\.\d+)*)")
# lld: "lld: error: undefined hidden symbol: __ocml_x_f32", then ">>> referenced by k.hip:7 (…)"
_LLD_UNDEFINED = re.compile(r"(?:ld\.)?lld: error: undefined (?:hidden |protected )?symbol: (?P<name>\S+)")
_LLD_REFERENCE = re.compile(r">>> referenced by (?P<file>.+?):(?P<line>\d+)(?: \(.*\))?")


class SetupError(Exception):
    """This clang cannot build AMD device code here (the message says what is missing)."""


@dataclass(frozen=True)
class AmdClang:
    """An upstream clang set up for HIP device code: its tools, the HIP headers it found and
    the device libraries rocm-lsp links."""

    compiler: str  # path of clang
    version: str  # e.g. "22.1.8"
    version_text: str  # the first line of ``--version`` (part of the cache key)
    llvm_as: str
    llvm_nm: str
    hip_root: str  # the HIP installation clang found (headers under include/)
    hip_version: str  # e.g. "5.2.21153"
    device_libs: str  # the folder of ocml.bc, ockl.bc, oclc_*.bc

    def label(self) -> str:
        rocm = ".".join(self.hip_version.split(".")[:2])
        return LABEL.format(llvm=self.version.split(".")[0], rocm=rocm)


def _run(command: list[str], timeout: float = 20.0) -> child.Finished | None:
    try:
        return child.run(command, timeout, merge_stderr=True)
    except OSError:
        return None


def _tool(clang: Path, name: str, major: str) -> str | None:
    """An LLVM tool of the same release: beside the real clang binary, else ``name-major``."""
    beside = clang.resolve().parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(f"{name}-{major}")


def device_lib_dir(hip_root: str) -> str | None:
    """The folder of the device libraries that belong to the HIP installation at ``hip_root``
    (Debian: ``/usr/lib/<multiarch>/amdgcn/bitcode``; ROCm: ``amdgcn/bitcode`` or inside its
    LLVM), else the first of the usual places; None when there is none."""
    import glob

    root = glob.escape(hip_root.rstrip("/") or "/")
    patterns = [
        f"{root}/amdgcn/bitcode", f"{root}/lib/*/amdgcn/bitcode", f"{root}/lib/amdgcn/bitcode",
        f"{root}/lib/llvm/lib/clang/*/lib/amdgcn/bitcode", *DEVICE_LIB_GLOBS,
    ]  # fmt: skip
    for pattern in patterns:
        for folder in sorted(glob.glob(pattern)):
            if all((Path(folder) / f"{lib}.bc").exists() for lib in REQUIRED_LIBS):
                return folder
    return None


def isa_library_name(arch: str) -> str:
    """``oclc_isa_version_942.bc`` for gfx942 (and gfx942:sramecc+)."""
    return f"oclc_isa_version_{arch.split(':')[0].removeprefix('gfx')}.bc"


@functools.cache
def find(compiler: str | None = None) -> AmdClang:
    """The clang (``compiler``, else the first of ``CLANG_NAMES`` on PATH) and everything it
    needs for AMD device code, or :class:`SetupError` naming what to install."""
    found = compiler if compiler and (Path(compiler).exists() or shutil.which(compiler)) else None
    if compiler is None:
        found = next((c for c in map(shutil.which, CLANG_NAMES) if c), None)
    if found is None:
        raise SetupError(f"no {compiler or ' or '.join(CLANG_NAMES)} found: {INSTALL_HINT}")
    path = Path(shutil.which(found) or found)
    done = _run([str(path), "--version"])
    version = _CLANG_VERSION.search(done.stdout) if done and done.returncode == 0 else None
    if done is None or version is None:
        raise SetupError(f"{path} --version did not say which clang it is")
    major = version.group("version").split(".")[0]
    llvm_as, llvm_nm = _tool(path, "llvm-as", major), _tool(path, "llvm-nm", major)
    lld = _tool(path, "ld.lld", major)
    missing = [n for n, t in (("llvm-as", llvm_as), ("llvm-nm", llvm_nm), ("ld.lld", lld)) if t is None]
    if missing or llvm_as is None or llvm_nm is None:
        raise SetupError(f"{path.name} needs {', '.join(missing)} of LLVM {major}: {INSTALL_HINT}")
    probe = _run(
        [str(path), "-x", "hip", "--offload-arch=gfx90a", "--cuda-device-only", "-nogpulib", "-v", "-E",
         "-o", os.devnull, os.devnull]
    )  # fmt: skip
    hip = _HIP_FOUND.search(probe.stdout) if probe else None
    if hip is None:
        raise SetupError(f"{path.name} finds no HIP headers: {INSTALL_HINT}")
    libs = device_lib_dir(hip.group("root"))
    if libs is None:
        raise SetupError(f"no ROCm device libraries (ocml.bc, ockl.bc) found: {INSTALL_HINT}")
    first_line = done.stdout.strip().splitlines()[0]
    return AmdClang(
        str(path), version.group("version"), first_line, llvm_as, llvm_nm,
        hip.group("root"), hip.group("version"), libs,
    )  # fmt: skip


def isa_version(arch: str) -> int:
    """``__oclc_ISA_version`` of a gfx target as ROCm's files hold it: gfx942 → 9402, gfx90a →
    9010, gfx1201 → 12001 (a target-id's features after ``:`` are ignored)."""
    m = _TARGET.fullmatch(arch.split(":")[0])
    if m is None:
        raise SetupError(f"{arch!r} is not an AMD GPU target (gfx…)")
    return int(m.group("major")) * 1000 + int(m.group("minor"), 16) * 100 + int(m.group("stepping"), 16)


def wavefront_size(arch: str) -> int:
    """Lanes per wavefront as rocm-lsp builds it: 64 on gfx9 and older (GCN, CDNA), 32 on RDNA
    (gfx10+; never ``-mwavefrontsize64``). ``amd_device/clang_compat.h`` says the same."""
    m = _TARGET.fullmatch(arch.split(":")[0])
    return 32 if m is not None and int(m.group("major")) >= 10 else 64


def _datalayout(setup: AmdClang) -> str:
    done = _run(
        [setup.compiler, "-x", "hip", "--offload-arch=gfx90a", "--cuda-device-only", "-nogpulib",
         "-nogpuinc", "-S", "-emit-llvm", "-o", "-", os.devnull]
    )  # fmt: skip
    m = re.search(r'^target datalayout = "([^"]*)"', done.stdout if done else "", re.M)
    if m is None:
        raise SetupError(f"{Path(setup.compiler).name} did not report its amdgcn data layout")
    return m.group(1)


def _generated_dir(setup: AmdClang) -> Path:
    digest = hashlib.sha256(setup.version_text.encode() + b"\0" + ISA_VERSION_LL.read_bytes())
    return user_cache_dir("amd-device-libs") / digest.hexdigest()[:16]


def _isa_library(setup: AmdClang, arch: str) -> Path:
    """``oclc_isa_version_NNN.bc`` for ``arch``: the installed one, else one generated (once per
    compiler) into the user cache directory."""
    name = isa_library_name(arch)
    installed = Path(setup.device_libs) / name
    if installed.exists():
        return installed
    target = _generated_dir(setup) / name
    if target.exists():
        return target
    text = (
        ISA_VERSION_LL.read_text(encoding="utf-8")
        .replace("@DATALAYOUT@", _datalayout(setup))
        .replace("@VERSION@", str(isa_version(arch)))
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".gen-") as work:
            source, out = Path(work) / "isa.ll", Path(work) / name
            source.write_text(text, encoding="utf-8")
            done = _run([setup.llvm_as, str(source), "-o", str(out)])
            if done is None or done.returncode != 0 or not out.exists():
                why = done.stdout.strip()[-300:] if done else "cannot run it"
                raise SetupError(f"{Path(setup.llvm_as).name} could not build {name}: {why}")
            os.replace(out, target)
    except OSError as exc:
        raise SetupError(f"cannot write {name} into the cache ({target.parent}): {exc}") from exc
    return target


def device_libraries(setup: AmdClang, arch: str) -> list[Path]:
    """The bitcode libraries a kernel for ``arch`` links, in order."""
    folder = Path(setup.device_libs)
    libs = [folder / f"{lib}.bc" for lib in REQUIRED_LIBS]
    libs += [folder / f"{lib}.bc" for lib in OPTIONAL_LIBS if (folder / f"{lib}.bc").exists()]
    wave = folder / f"oclc_wavefrontsize64_{'on' if wavefront_size(arch) == 64 else 'off'}.bc"
    abi = folder / f"oclc_abi_version_{CODE_OBJECT_VERSION}00.bc"
    libs += [p for p in (wave, abi) if p.exists()]
    return [*libs, _isa_library(setup, arch)]


def flags(setup: AmdClang, arch: str, extra: Sequence[str], libraries: Sequence[Path]) -> list[str]:
    """Device-only compile flags: a code object for ``arch`` (``--no-gpu-bundle-output``: the
    bare ELF, linked by lld with ``--no-undefined``), ``extra`` (the profile's ``-mllvm``
    options), resource-usage remarks, and line tables (the same ISA; lld then names the line of
    an unresolved call, and instructions map back to template lines through ``#line``)."""
    linked = [arg for lib in libraries for arg in ("-Xclang", "-mlink-builtin-bitcode", "-Xclang", str(lib))]
    return [
        "-O3", "-x", "hip", "-std=c++20", f"--offload-arch={arch}", "-fno-gpu-rdc",
        "-fvisibility=hidden", f"-mcode-object-version={CODE_OBJECT_VERSION}", "-nogpulib", *linked,
        "-include", str(PRE_INCLUDE), *extra, "-Rpass-analysis=kernel-resource-usage",
        "-gline-tables-only", "--cuda-device-only", "--no-gpu-bundle-output", "-c",
    ]  # fmt: skip


@functools.cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fingerprint(libraries: Sequence[Path]) -> str:
    """A digest of the pre-include and the device libraries (part of the cache key)."""
    digest = hashlib.sha256()
    for path in (PRE_INCLUDE, *libraries):
        stat = path.stat()
        digest.update(f"{path.name}\0{_file_digest(str(path), stat.st_size, stat.st_mtime_ns)}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class UnresolvedCall:
    """A symbol the code object needs and no linked library defines; ``file``/``line``: where
    lld says it is referenced (through ``#line``, the template), "" and 0 when it does not say."""

    name: str
    file: str = ""
    line: int = 0


def undefined_in_output(output: str) -> list[UnresolvedCall]:
    """The symbols lld reported undefined while linking the code object, at each place it names
    (``-gline-tables-only`` gives lld the lines)."""
    places: dict[str, list[UnresolvedCall]] = {}
    name = None
    for line in output.splitlines():
        if m := _LLD_UNDEFINED.match(line):
            name = m.group("name")
            places.setdefault(name, [])
        elif name is not None and (m := _LLD_REFERENCE.fullmatch(line)):
            call = UnresolvedCall(name, m.group("file"), int(m.group("line")))
            if call not in places[name]:
                places[name].append(call)
        elif not line.startswith(">>>"):
            name = None
    return [call for name, calls in places.items() for call in (calls or [UnresolvedCall(name)])]


def undefined_in_object(setup: AmdClang, code_object: Path) -> list[UnresolvedCall] | None:
    """The undefined symbols of a code object (``llvm-nm -u``); None if nm cannot tell."""
    done = _run([setup.llvm_nm, "-u", str(code_object)])
    if done is None or done.returncode != 0:
        return None
    names = sorted({line.split()[-1] for line in done.stdout.splitlines() if line.strip()})
    return [UnresolvedCall(name) for name in names]


def unresolved_message(names: Sequence[str], setup: AmdClang | None) -> str:
    """What an unresolved call means, for the finding and the compile's note."""
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:6]) + (f" and {len(unique) - 6} more" if len(unique) > 6 else "")
    where = f" ({setup.device_libs})" if setup else ""
    return (
        f"the device code calls {shown}, which no linked device library defines{where}: no code "
        "object, so no ISA or register counts — a misspelt device function, or a device library "
        "this toolchain lacks"
    )
