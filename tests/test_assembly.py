"""The assembly view, the resource report and the cross-target table (issue: AMD view).

Parsing is checked on exact tool output; the end-to-end tests compile for gfx942/gfx950 with
upstream clang-22 (and sm_90 with nvcc) on a CPU-only machine, as a user would from the CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cli_support import REPO, SHUFFLE, SHUFFLE_LINE, docs_example, needs_clang, planted_template, run_cli
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu.assembly import Block, Instruction, parse_objdump, parse_ptx, parse_symbolizer
from rocm_lsp.gpu.compile import KernelResources
from rocm_lsp.gpu.occupancy import launch_block_sizes, occupancy
from rocm_lsp.gpu.resource_report import (
    BlockSize,
    KernelReport,
    hurts,
    kernel_reports,
    source_name,
    without_anonymous_namespace,
)

needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")

OBJDUMP = """\

kernel.o:\tfile format elf64-amdgpu

Disassembly of section .text:

0000000000003d00 <.text>:
\ts_nop 0                                                    // 000000003D00: BF800000

0000000000005c00 <_Z1kPf>:
\ts_load_dwordx4 s[4:7], s[0:1], 0x10                        // 000000005C00: C00A0100 00000010
\ts_cbranch_vccnz 3                                          // 000000005C1C: BF870003 <_Z1kPf+0x2c>
\ts_endpgm                                                   // 000000005C28: BF810000
"""

SYMBOLIZER = """\
0x5c00
/usr/include/hip/amd_detail/amd_hip_runtime.h:280:12
/usr/include/hip/amd_detail/amd_hip_runtime.h:299:64
/w/k.hip.jinja:224:37

0x5c1c
/w/k.hip.jinja:77:5
/w/k.hip.jinja:226:30

0x5c28
/usr/include/hip/amd_detail/amd_hip_runtime.h:263:69

"""

PTX = """\
.visible .entry _Z1kPf(
\t.param .u64 _Z1kPf_param_0
)
{
\t.reg .b32 \t%r<3>;
\t.loc\t1 10 0
\tld.param.u64 \t%rd1, [_Z1kPf_param_0];
\t.loc\t2 40 3, function_name $L__info_string0, inlined_at 1 12 5
\tshfl.sync.bfly.b32 \t%r1, %r2, 1, 31, -1;
$L__BB0_2:
\t.loc\t2 41 3
\tret;
}
\t.file\t1 "/w/k.hip.jinja"
\t.file\t2 "/usr/include/hip_compat.h"
"""


def test_objdump_listing_keeps_kernels_and_branch_offsets() -> None:
    ((name, code),) = parse_objdump(OBJDUMP)
    assert name == "_Z1kPf"  # the <.text> padding is no kernel
    assert code == [
        Instruction(0x5C00, "s_load_dwordx4 s[4:7], s[0:1], 0x10"),
        Instruction(0x5C1C, "s_cbranch_vccnz 3  ; -> 0x2c"),
        Instruction(0x5C28, "s_endpgm"),
    ]


def test_inlined_header_code_counts_for_the_calling_template_line() -> None:
    lines = parse_symbolizer(SYMBOLIZER, "/w/k.hip.jinja")
    # header frames first, the template's frame last: the call site; a template helper inlined
    # into the kernel counts for the helper's own line (the innermost template frame)
    assert lines == {0x5C00: 224, 0x5C1C: 77, 0x5C28: None}


def test_ptx_lines_come_from_loc_and_inlined_at_with_the_file_table_at_the_end() -> None:
    (kernel,) = parse_ptx(PTX, "/w/k.hip.jinja")
    assert kernel.name == "_Z1kPf"
    assert kernel.blocks == (
        Block(10, (Instruction(None, "ld.param.u64 %rd1, [_Z1kPf_param_0];"),)),
        Block(
            12,
            (Instruction(None, "shfl.sync.bfly.b32 %r1, %r2, 1, 31, -1;"), Instruction(None, "$L__BB0_2:")),
        ),
        Block(None, (Instruction(None, "ret;"),)),
    )


def test_kernel_names() -> None:
    assert source_name("_ZN12_GLOBAL__N_119softmax_rows_kernelILi2ELb0EEEvPK6__halfPS1_llb") == (
        "softmax_rows_kernel"
    )
    assert source_name("_Z4tilePKfPf") == "tile"
    assert source_name("plain_c_kernel") == "plain_c_kernel"
    nvcc = "_ZN47_GLOBAL__N__48523458_14_kernel_hip_cpp_f76acaba17rowwise_scale_f32ILi4EEEvPKfS2_Pfll"
    clang = "_ZN12_GLOBAL__N_117rowwise_scale_f32ILi4EEEvPKfS2_Pfll"
    assert without_anonymous_namespace(nvcc) == clang == without_anonymous_namespace(clang)
    demangled = "void (anonymous namespace)::softmax_rows_kernel<32, true>(__half const*, long)"
    report = KernelReport(KernelResources("_Z", demangled=demangled), BlockSize(None, "unknown"), None)
    assert report.short_name == "softmax_rows_kernel<32, true>"


def test_the_launch_configuration_gives_the_block_size() -> None:
    cpp = """
    constexpr int kThreads = 128;
    void launch(int n) {
      const dim3 block(kThreads, 2);
      hipLaunchKernelGGL((a<4>), dim3(8), block, 0, 0, x);
      hipLaunchKernelGGL(b, dim3(8), dim3(n), 0, 0, x);   // computed: unknown
      c<<<dim3(4), 64>>>(x);
      d<<<1, 32>>>(x); d<<<1, 64>>>(x);                 // two sizes: unknown
    }"""
    assert launch_block_sizes(cpp) == {"a": 256, "b": None, "c": 64, "d": None}


def _amd(name: str, vgprs: int, lds: int, spilled: int = 0) -> KernelResources:
    extra = {"AGPRs": 0, "SGPRs": 20, "VGPRs Spill": spilled}
    return KernelResources(name, registers=vgprs, shared_bytes=lds, stack_bytes=0, extra=extra)


def test_occupancy_is_recomputed_for_the_launch_and_hurts_are_findings() -> None:
    cpp = "__global__ void __launch_bounds__(256) k(float*);\nvoid f() { k<<<1, 64>>>(x); }"
    spills, low = _amd("_Z1kPf", 40, 0, spilled=3), _amd("_Z1kPf", 40, 60000)
    (a,) = kernel_reports([spills], "gfx942", "amd", cpp)
    assert a.block == BlockSize(64, "launch")  # the launch, not the bound
    assert a.occupancy == occupancy("gfx942", 40, 0, 20, 0, 64)
    (b,) = kernel_reports([low], "gfx942", "amd", "__global__ void __launch_bounds__(256) k(float*);")
    assert b.block == BlockSize(256, "launch bounds")
    assert b.occupancy is not None and b.occupancy.waves_per_simd == 1 and b.occupancy.limiter.value == "LDS"
    found = [(h.code, h.message) for h in hurts([a, b], floor=2)]
    assert found == [
        ("RL406", "_Z1kPf spills 3 VGPRs to scratch memory"),
        ("RL407", f"_Z1kPf: {b.occupancy.explanation} — below the floor of 2 waves/SIMD (occupancyFloor)"),
    ]
    assert hurts([b], floor=0) == [] and hurts([b], floor=1) == []


# what a lane exchange compiles to: AMD LDS permutes or DPP moves, NVIDIA's shfl
EXCHANGES = ("ds_bpermute", "ds_swizzle", "_dpp", "row_", "quad_perm", "shfl.sync")


def _asm(tmp_path: Path, template: Path, arch: str, *options: str) -> dict:
    env = {"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli("asm", "--arch", arch, "--output-format", "json", *options, str(template), env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "arch", [pytest.param("gfx942", marks=needs_clang), pytest.param("gfx950", marks=needs_clang),
             pytest.param("sm_90", marks=needs_nvcc)]
)  # fmt: skip
def test_the_assembly_view_maps_a_planted_shuffle_to_its_template_line(arch: str, tmp_path: Path) -> None:
    template = planted_template(tmp_path, SHUFFLE)
    assert template.read_text().splitlines()[SHUFFLE_LINE - 1] == "  v += __shfl_xor(v, 1);"
    doc = _asm(tmp_path, template, arch)
    assert doc["target"] == arch and doc["problem"] is None
    assert doc["language"] == ("PTX" if arch.startswith("sm_") else "AMDGPU ISA")
    (kernel,) = [k for k in doc["kernels"] if "reduce" in k["name"]]
    exchanges = {
        block["line"]
        for block in kernel["blocks"]
        for i in block["instructions"]
        if any(word in i["text"] for word in EXCHANGES)
    }
    assert exchanges == {SHUFFLE_LINE}
    assert kernel["resources"]["block_size"] == 64 and kernel["resources"]["block_size_source"] == "launch"
    only = _asm(tmp_path, template, arch, "--line", str(SHUFFLE_LINE))
    (kept,) = [k for k in only["kernels"] if "reduce" in k["name"]]
    assert kept["blocks"] and {b["line"] for b in kept["blocks"]} == {SHUFFLE_LINE}
    assert all(b["source"] == "  v += __shfl_xor(v, 1);" for b in kept["blocks"])


@needs_clang
def test_the_text_view_heads_each_block_with_its_template_line(tmp_path: Path) -> None:
    template = planted_template(tmp_path, SHUFFLE)
    env = {"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache")}
    text = run_cli("asm", "--arch", "gfx942", str(template), env=env).stdout.decode()
    lines = text.splitlines()
    assert lines[0].startswith("// AMDGPU ISA of planted.hip.jinja for gfx942, compiled by clang-22 22.")
    assert "// ═══ reduce ═══" in lines
    heading = lines.index(f"// ── planted.hip.jinja:{SHUFFLE_LINE} ──  v += __shfl_xor(v, 1);")
    assert lines[heading + 1].startswith("    ") and lines[heading + 1].split()[0].isalnum()  # an address


LDS_HEAVY = """\
__global__ void __launch_bounds__(256) stage(const float* x, float* y) {
  __shared__ float tile[16000];   // 64000 B: one workgroup per CU on gfx942 (64 KiB), two on gfx950
  for (int i = threadIdx.x; i < 16000; i += 256) tile[i] = x[i % 256];
  __syncthreads();
  y[threadIdx.x] = tile[15999 - threadIdx.x];
}
{{kernel.def_kernel(inputs=[], outputs=[X], names_str="X")}} {
  stage<<<1, 256, 0, stream>>>(X, X);
  return 0;
}
"""


@needs_clang
def test_lds_that_fits_mi350_twice_but_mi300_once_warns_only_on_mi300(tmp_path: Path) -> None:
    template = planted_template(tmp_path, LDS_HEAVY, "stage.hip.jinja")
    env = {"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache")}
    by_arch = {}
    for arch in ("gfx942", "gfx950"):
        proc = run_cli(
            "compile", "--check-only", "--arch", arch, "--output-format", "json", str(template), env=env
        )
        by_arch[arch] = json.loads(proc.stdout)
    (k942,) = by_arch["gfx942"]["compile"]["kernels"]
    (k950,) = by_arch["gfx950"]["compile"]["kernels"]
    assert k942["lds_bytes"] == k950["lds_bytes"] == 64000
    assert (k942["block_size"], k942["block_size_source"]) == (256, "launch")
    assert k942["occupancy"]["limiter"] == k950["occupancy"]["limiter"] == "LDS"
    assert (k942["occupancy"]["workgroups_per_cu"], k942["occupancy"]["waves_per_simd"]) == (1, 1)
    assert (k950["occupancy"]["workgroups_per_cu"], k950["occupancy"]["waves_per_simd"]) == (2, 2)
    (finding,) = by_arch["gfx942"]["findings"]
    assert finding["code"] == "RL407" and finding["severity"] == "warning"
    assert finding["location"] == {"row": 9, "column": 40}  # the kernel's name where it is declared
    assert finding["message"].startswith("stage: gfx942: 1 of 8 waves/SIMD")
    assert by_arch["gfx950"]["findings"] == []

    env_floor = {**env}
    proc = run_cli(
        "compare", "--targets", "gfx942,gfx950", "--output-format", "json", str(template), env=env_floor
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rows = {r["target"]: r["kernels"][0]["occupancy"]["waves_per_simd"] for r in json.loads(proc.stdout)}
    assert rows == {"gfx942": 1, "gfx950": 2}
    table = run_cli("compare", "--targets", "gfx942,gfx950", str(template), env=env).stdout.decode()
    assert "| gfx942 | " in table and " | 64000 B | 0 B | 0 V / 0 S | 1/8 (LDS) |" in table
    assert "| gfx950 | " in table and " | 64000 B | 0 B | 0 V / 0 S | 2/8 (LDS) |" in table


@needs_clang
@needs_nvcc
def test_compare_shows_a_shipped_template_on_mi300_mi350_and_h100_side_by_side(tmp_path: Path) -> None:
    env = {"ROCM_LSP_CACHE_DIR": str(tmp_path)}
    template = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    proc = run_cli("compare", str(template), env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    table = proc.stdout.decode()
    assert table.startswith("# gemm_bias_fp16.hip.jinja: resources per target\n")
    assert "## `gemm_fp16_f32acc<true, false>`" in table
    section = table[table.index("## `gemm_fp16_f32acc<true, false>`") :].split("\n\n")[1].splitlines()
    assert (
        section[0]
        == "| "
        + " | ".join(["target", "registers", "SGPRs", "LDS / smem", "scratch / stack", "spills", "occupancy"])
        + " |"
    )
    assert [row.split(" | ")[0] for row in section[2:]] == ["| gfx942", "| gfx950", "| sm_90"]
    json_rows = json.loads(run_cli("compare", "--output-format", "json", str(template), env=env).stdout)
    assert [r["target"] for r in json_rows] == ["gfx942", "gfx950", "sm_90"]
    assert all(r["problem"] is None for r in json_rows)


def test_an_unknown_target_is_a_usage_error() -> None:
    proc = run_cli("compare", "--targets", "gfx942,h100", str(REPO / "templates" / "layer_norm.hip.jinja"))
    assert proc.returncode == 2
    assert "--targets: expected a list of GPU architectures" in proc.stderr.decode()
    assert GpuSettings().targets == ("gfx942", "gfx950", "sm_90")


@needs_clang
def test_the_rl407_example_of_the_docs_is_what_compile_says(tmp_path: Path) -> None:
    template, report = docs_example("RL407")
    (tmp_path / "example.hip.jinja").write_text(template)
    proc = run_cli(
        "compile", "--check-only", "--arch", "gfx942", "example.hip.jinja",
        cwd=tmp_path, env={"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert proc.stdout.decode().strip() == report
    assert proc.returncode == 0  # a warning: the compile succeeded


@needs_clang
@needs_nvcc
def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The machine code of a template line") :]
    section = section[: min(i for i in (section.index("\n## "), section.find("\n### ", 1)) if i > 0)]
    (block,) = re.findall(r"^```sh\n(.*?)^```$", section, re.M | re.S)
    commands = [line.split("#", 1)[0].split() for line in block.splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["rocm-lsp", "asm"]] * 3 + [["rocm-lsp", "compare"]]
    outputs = []
    for command in commands:
        args = [
            str(REPO / "templates" / "rowwise_scale_symbolic.hip.jinja") if a == "FILE" else a
            for a in command[1:]
        ]
        proc = run_cli(*args, env={"ROCM_LSP_CACHE_DIR": str(tmp_path)})
        assert proc.returncode == 0, (command, proc.stderr.decode())
        outputs.append(proc.stdout.decode())
    whole, line, ptx, table = outputs
    assert "// ── softmax_rows.hip.jinja:299 ──  if (kCache > 0" in line and len(line) < len(whole)
    assert json.loads(ptx)["language"] == "PTX"
    assert "| gfx942 | " in table and "| gfx950 | " in table and "| sm_90 | " in table
