"""AMD targets on any machine: upstream clang-22 with Debian's ROCm 5.2 headers and device
libraries builds device code for gfx942, gfx950, gfx90a, gfx1100 and gfx1201 (``gpu/amd_clang.py``;
docs/amd-targets.md). No GPU needed; scripts/test.sh installs the toolchain."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli_support import CLANG_SETUP, REPO, docs_example, needs_clang, run_cli
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu import amd_clang
from rocm_lsp.gpu.amd_clang import UnresolvedCall
from rocm_lsp.gpu.build import build
from rocm_lsp.gpu.compile import amd_only_reason, compile_source, parse_resources
from rocm_lsp.gpu.toolchain import Toolchain, discover

SETUP = CLANG_SETUP

PORTABLE_TEMPLATES = sorted(
    p.name for p in (REPO / "templates").glob("*.hip.jinja") if amd_only_reason(p.read_text()) is None
)
TARGETS = ("gfx942", "gfx950", "gfx90a", "gfx1100", "gfx1201")

# What clang 22 prints with -Rpass-analysis=kernel-resource-usage (one kernel, cut to its remarks).
REMARKS = """\
k.hip.jinja:12:1: remark: Function Name: _Z4tilePf [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     TotalSGPRs: 18 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     VGPRs: 7 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     AGPRs: 0 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     ScratchSize [bytes/lane]: 16 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     Dynamic Stack: False [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     Occupancy [waves/SIMD]: 8 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     SGPRs Spill: 2 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     VGPRs Spill: 3 [-Rpass-analysis=kernel-resource-usage]
k.hip.jinja:12:1: remark:     LDS Size [bytes/block]: 4352 [-Rpass-analysis=kernel-resource-usage]
"""

LLD = """\
ld.lld: error: undefined hidden symbol: __ocml_nope_f32
>>> referenced by k.hip.jinja:7 (/w/k.hip.jinja:7)
>>>               /tmp/k-gfx942.o:(planted(float*))
>>> referenced by k.hip.jinja:9 (/w/k.hip.jinja:9)
>>>               /tmp/k-gfx942.o:(planted(float*))
lld: error: undefined symbol: __atomic_work_item_fence
>>> referenced by /tmp/k-gfx942.o:(fence())
clang-22: error: amdgcn-link command failed with exit code 1 (use -v to see invocation)
"""


def test_isa_versions_as_rocm_spells_them() -> None:
    assert [amd_clang.isa_version(a) for a in (*TARGETS, "gfx90c", "gfx1036", "gfx942:sramecc+")] == [
        9402, 9500, 9010, 11000, 12001, 9012, 10306, 9402,
    ]  # fmt: skip
    assert [amd_clang.wavefront_size(a) for a in TARGETS] == [64, 64, 64, 32, 32]
    with pytest.raises(amd_clang.SetupError, match="not an AMD GPU target"):
        amd_clang.isa_version("sm_90")


def test_resource_remarks_of_clang_22() -> None:
    (k,) = parse_resources(REMARKS)
    assert (k.name, k.registers, k.shared_bytes, k.stack_bytes) == ("_Z4tilePf", 7, 4352, 16)
    assert k.extra == {"SGPRs": 18, "AGPRs": 0, "Occupancy": 8, "SGPRs Spill": 2, "VGPRs Spill": 3}


def test_unresolved_symbols_from_lld_with_their_lines() -> None:
    assert amd_clang.undefined_in_output(LLD) == [
        UnresolvedCall("__ocml_nope_f32", "k.hip.jinja", 7),
        UnresolvedCall("__ocml_nope_f32", "k.hip.jinja", 9),
        UnresolvedCall("__atomic_work_item_fence"),
    ]


@needs_clang
def test_the_generated_isa_libraries_match_rocms_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every oclc_isa_version_*.bc installed holds what ``isa_version`` computes, and a generated
    one for gfx942 holds the same form of constant."""
    assert SETUP is not None
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path))
    dis = str(Path(SETUP.llvm_as).with_name(Path(SETUP.llvm_as).name.replace("llvm-as", "llvm-dis")))
    installed = sorted(Path(SETUP.device_libs).glob("oclc_isa_version_*.bc"))
    generated = amd_clang.device_libraries(SETUP, "gfx942")[-1]
    assert generated.is_relative_to(tmp_path) and generated.name == "oclc_isa_version_942.bc"
    for lib in [*installed, generated]:
        text = run(dis, str(lib))
        value = re.search(r"@__oclc_ISA_version = .* constant i32 (\d+)", text)
        arch = "gfx" + lib.stem.rsplit("_", 1)[1]
        assert value is not None and int(value.group(1)) == amd_clang.isa_version(arch), lib.name


def run(*command: str) -> str:
    return subprocess.run(command + ("-o", "-"), capture_output=True, text=True, check=True).stdout


@needs_clang
@pytest.mark.parametrize("arch", TARGETS)
def test_the_wavefront_size_of_each_target(
    arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path))
    tool = discover(None, arch, check_only=True)
    assert tool.device_only and tool.arch == arch
    wave = amd_clang.wavefront_size(arch)
    probe = (
        "#include <hip/hip_runtime.h>\n"
        f'static_assert(__AMDGCN_WAVEFRONT_SIZE == {wave} && warpSize == {wave}, "wave");\n'
        "__global__ void k(float* x) { x[threadIdx.x] = __shfl_xor(x[threadIdx.x], 1) + sqrtf(x[0]); }\n"
    )
    result = compile_source(probe, "probe.hip", tool, check_only=True, root=tmp_path)
    assert result.ok, (result.note, result.messages)
    assert result.unresolved == [] and [k.name for k in result.resources] == ["_Z1kPf"]


def compile_template(name: str, arch: str, cache: Path, *options: str) -> subprocess.CompletedProcess[bytes]:
    """``rocm-lsp compile --check-only --arch ARCH templates/NAME`` with its own build cache."""
    template = str(REPO / "templates" / name)
    env = {"ROCM_LSP_CACHE_DIR": str(cache)}
    return run_cli("compile", "--check-only", *options, "--arch", arch, template, env=env)


@needs_clang
@pytest.mark.parametrize("arch", ["gfx942", "gfx950"])
@pytest.mark.parametrize("name", PORTABLE_TEMPLATES)
def test_shipped_templates_compile_for_mi300_and_mi350(name: str, arch: str, tmp_path: Path) -> None:
    proc = compile_template(name, arch, tmp_path, "--output-format", "json")
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert doc["compile"]["state"] == "compiled" and doc["compile"]["kernels"]
    # no error, no compiler warning, no unresolved call (RL405), no spill (RL406); RL407 exactly
    # for the kernels whose occupancy is below the default floor of 2 waves/SIMD
    low = sorted(k["demangled"] for k in doc["compile"]["kernels"] if k["occupancy"]["waves_per_simd"] < 2)
    assert all(f["code"] == "RL407" for f in doc["findings"]), doc["findings"]
    warned = sorted(f["message"].split(": ", 1)[0] for f in doc["findings"])
    assert [w.replace("(anonymous namespace)::", "") for w in warned] == [
        re.sub(r"^void (\(anonymous namespace\)::)?|\(.*$", "", name) for name in low
    ]


@needs_clang
def test_the_summary_names_the_compiler_and_amd_resources(tmp_path: Path) -> None:
    proc = compile_template("elementwise_bias_relu.hip.jinja", "gfx942", tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and proc.stdout == b"", err
    label = "upstream LLVM 22 with ROCm 5.2 headers (not AMD's ROCm 6/7 compiler)"
    assert err.startswith("ok: clang-22 22.")
    assert f" for gfx942 — {label}; device code only; arch from setting, " in err
    kernel = (
        r"\n  bias_relu_fp16<8>: \d+ VGPRs, 0 AGPRs, \d+ SGPRs, 0 B LDS, occupancy \d/8 waves/SIMD for "
        r"blocks of up to 128 threads \(__launch_bounds__; the launch's size is not a constant\)\n"
    )
    assert re.search(kernel, err), err
    assert "  device code: " in err and err.rstrip().endswith("kernel.o")


LDS_KERNEL = """{#- rocm-lsp
[nodes]
X = { dtype = "float32", size = [256] }
Y = { dtype = "float32", size = [256] }
-#}
#include <hip/hip_runtime.h>
#ifndef PT_EXPORT
#define PT_EXPORT
#endif
__global__ void __launch_bounds__(256) tile(const float* x, float* y) {
  __shared__ float tile[1024];   // 4096 B
  __shared__ int counts[64];     // 256 B
  for (int i = threadIdx.x; i < 1024; i += 256) tile[i] = x[i % 256];
  if (threadIdx.x < 64) counts[threadIdx.x] = threadIdx.x;
  __syncthreads();
  y[threadIdx.x] = tile[1023 - threadIdx.x] + counts[threadIdx.x % 64];
}
{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} {
  tile<<<1, 256, 0, stream>>>(X, Y);
  return 0;
}
"""


@needs_clang
@pytest.mark.parametrize("arch", ["gfx942", "gfx950", "gfx1100"])
def test_resource_usage_of_a_kernel_with_known_lds(
    arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path))
    path = tmp_path / "lds.hip.jinja"
    built = build(path, LDS_KERNEL, check_only=True, gpu=GpuSettings(arch=arch))
    assert built.diagnostics == [] and built.result is not None and built.result.ok, built.result
    (k,) = built.result.resources
    assert k.name == "_Z4tilePKfPf" and k.shared_bytes == 4096 + 256
    assert k.registers is not None and k.registers > 0
    assert k.extra["Occupancy"] > 0 and k.extra["SGPRs"] > 0 and k.stack_bytes == 0


@needs_clang
def test_the_editor_compile_builds_device_code_with_the_arch_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Compile command builds with ``check_only=False``: a device-only toolchain builds device
    code (a code object), and says so."""
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path))
    built = build(tmp_path / "lds.hip.jinja", LDS_KERNEL, check_only=False, gpu=GpuSettings(arch="gfx942"))
    assert built.toolchain is not None and built.toolchain.device_only
    assert built.result is not None and built.result.ok and built.result.library is not None
    assert built.result.library.endswith("kernel.o") and "device code only" in built.result.toolchain


@needs_clang
def test_an_unresolved_device_library_call_is_an_error_on_its_line(tmp_path: Path) -> None:
    template, report = docs_example("RL405")
    path = tmp_path / "example.hip.jinja"
    path.write_text(template)
    proc = run_cli(
        "compile", "--check-only", "--arch", "gfx942", "example.hip.jinja",
        cwd=tmp_path, env={"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert proc.stdout.decode().strip() == report.replace(
        "/usr/lib/x86_64-linux-gnu/amdgcn/bitcode", str(SETUP.device_libs if SETUP else "")
    )
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("failed: clang-22 ")
    assert "VGPRs" not in proc.stderr.decode()  # no counts for code that cannot load


FENCE = """#include <hip/hip_runtime.h>
__global__ void k(float* x) { x[threadIdx.x] = expf(x[threadIdx.x]); __threadfence(); x[0] = 1.0f; }
"""


@needs_clang
def test_withheld_device_libraries_are_an_error_never_a_silent_success(tmp_path: Path) -> None:
    """With only ocml and ockl (no hip.bc, no oclc controls) ``__threadfence`` stays unresolved:
    the build fails with the name, and is not the cached success of the full set."""
    assert SETUP is not None
    partial = tmp_path / "partial"
    partial.mkdir()
    for lib in ("ocml.bc", "ockl.bc"):
        (partial / lib).symlink_to(Path(SETUP.device_libs) / lib)
    full = Toolchain("amd", SETUP.compiler, "gfx90a", SETUP.version_text, "setting", SETUP, SETUP.hip_root)
    withheld = dataclasses.replace(full, amd_clang=dataclasses.replace(SETUP, device_libs=str(partial)))
    assert compile_source(FENCE, "k.hip", full, check_only=True, root=tmp_path).ok
    result = compile_source(FENCE, "k.hip", withheld, check_only=True, root=tmp_path)
    assert not result.ok and not result.cached and result.resources == []
    names = {c.name for c in result.unresolved}
    assert "__atomic_work_item_fence" in names, names  # hip.bc's, which clang 22 no longer links
    assert result.note.startswith("the device code calls ") and str(partial) in result.note


@needs_clang
def test_ck_template_says_why_it_is_not_compiled_for_amd(tmp_path: Path) -> None:
    proc = compile_template("ck_universal_gemm.hip.jinja", "gfx942", tmp_path)
    out = proc.stdout.decode()
    assert " RL403 this kernel includes Composable Kernel headers (ck/…), which are not installed here" in out
    assert out.rstrip().endswith("install Composable Kernel with ROCm to compile it for gfx942")
    assert proc.returncode == 0 and proc.stderr.decode().startswith("skipped: no Composable Kernel headers")


@needs_clang
def test_discovery_prefers_one_compiler_for_every_amd_target_in_check_only() -> None:
    """clang-22 for every gfx target when only device code is wanted (their numbers compare), and
    for the targets Debian's hipcc (ROCm 5.2) cannot build at all; hipcc where it can build a
    library; nvcc for sm_ targets."""
    assert all(discover(None, arch, check_only=True).device_only for arch in TARGETS)
    assert discover(None, "gfx942").device_only
    assert discover(None, "sm_90", check_only=True).platform in ("nvidia",) or not shutil.which("nvcc")
    hipcc = shutil.which("hipcc")
    if hipcc is not None:
        tool = discover(None, "gfx90a")
        assert not tool.device_only and Path(tool.compiler).name == "hipcc" and "ROCm 5." in tool.describe()
    named = discover("clang-22", "gfx1201")
    assert named.device_only and named.arch == "gfx1201" and named.arch_source == "setting"
