"""The compile path: compiler discovery, messages and resources, caching, timeouts, and
``rocm-lsp compile`` on the shipped templates (nvcc is on CI machines; no GPU needed)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from cli_support import REPO, run_cli
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu.build import build
from rocm_lsp.gpu.compile import amd_only_reason, compile_source, parse_messages, parse_resources
from rocm_lsp.gpu.toolchain import Toolchain

NVCC = shutil.which("nvcc") or ("/usr/local/bin/nvcc" if Path("/usr/local/bin/nvcc").exists() else None)
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc is not installed (CI machines have it)")
HIPCC = shutil.which("hipcc")
needs_hipcc = pytest.mark.skipif(HIPCC is None, reason="no hipcc (scripts/test.sh installs Debian's)")

PTXAS = """\
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z3addPKfPfi' for 'sm_90'
ptxas info    : Function properties for _Z3addPKfPfi
    0 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads
ptxas info    : Used 10 registers, used 1 barriers, 1024 bytes smem
ptxas info    : Compile time = 40.217 ms
"""


def test_parse_nvcc_and_clang_messages() -> None:
    out = (
        'k.hip.jinja(12): error: identifier "undeclared" is undefined\n'
        "  int x = undeclared;\n"
        'k.hip.jinja(30): warning #177-D: variable "y" was declared but never referenced\n'
        "k.hip.jinja:7:5: error: use of undeclared identifier 'z'\n"
    )
    msgs = parse_messages(out, "k.hip.jinja")
    assert [(m.file, m.line, m.column, m.severity) for m in msgs] == [
        ("k.hip.jinja", 12, 0, "error"),
        ("k.hip.jinja", 30, 0, "warning"),
        ("k.hip.jinja", 7, 5, "error"),
    ]
    assert msgs[0].message == 'identifier "undeclared" is undefined'


def test_parse_the_printed_line_and_caret() -> None:
    out = (
        't.hip.jinja(6): error: identifier "undeclared_after" is undefined\n'
        "    int after_call = undeclared_after;\n"
        "                     ^\n"
        "\n"
        "k.hip.jinja:9:13: error: invalid operands to binary expression ('float *' and 'float *')\n"
        "  int v = x + x;\n"
        "          ~ ^ ~\n"
        "k.hip.jinja:10:11: error: use of undeclared identifier 'undeclared'\n"
        "   10 |   int c = undeclared + 1;\n"
        "      |           ^~~~~~~~~~\n"
        "k.hip.jinja:11:3: warning: no line printed\n"
        "k.hip.jinja:12:3: warning: the next message is no caret\n"
        "k.hip.jinja:13:1: warning: last\n"
    )
    found = [(m.line, m.column, m.excerpt, m.caret, m.caret_width) for m in parse_messages(out, "k")]
    assert found == [
        (6, 0, "    int after_call = undeclared_after;", 21, 1),
        (9, 13, "  int v = x + x;", 12, 1),
        (10, 11, "  int c = undeclared + 1;", 10, 10),
        (11, 3, "", -1, 0),
        (12, 3, "", -1, 0),
        (13, 1, "", -1, 0),
    ]


def test_parse_ptxas_resources() -> None:
    (k,) = parse_resources(PTXAS)
    assert (k.name, k.registers, k.shared_bytes, k.spill_stores, k.spill_loads, k.stack_bytes) == (
        "_Z3addPKfPfi", 10, 1024, 8, 4, 0,
    )  # fmt: skip


def test_ck_is_amd_only() -> None:
    source = (REPO / "templates" / "ck_universal_gemm.hip.jinja").read_text()
    from rocm_lsp.core.engine.analysis import analyze

    rendered = analyze(source).rendered.text
    assert "Composable Kernel" in amd_only_reason(rendered)
    assert amd_only_reason("#include <hip/hip_runtime.h>\n") is None


def test_compiler_timeout_is_reported_and_not_cached(tmp_path: Path) -> None:
    fake = tmp_path / "nvcc"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    tool = Toolchain("nvidia", str(fake), "sm_90", "fake 1.0", "setting")
    result = compile_source("int x;\n", "k.hip.jinja", tool, timeout=0.5, root=tmp_path / "cache")
    assert not result.ok
    assert result.note == "the compiler did not finish within 0.5 s and was stopped"
    again = compile_source("int x;\n", "k.hip.jinja", tool, timeout=0.5, root=tmp_path / "cache")
    assert not again.cached


@needs_nvcc
def test_compile_is_cached_by_content(tmp_path: Path) -> None:
    tool = Toolchain("nvidia", NVCC, "sm_90", "nvcc", "setting")
    src = "__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n"
    first = compile_source(src, "k.hip.jinja", tool, check_only=True, root=tmp_path)
    second = compile_source(src, "k.hip.jinja", tool, check_only=True, root=tmp_path)
    assert first.ok and not first.cached
    assert second.ok and second.cached and second.library == first.library
    assert [k.registers for k in second.resources] == [k.registers for k in first.resources]


PORTABLE_TEMPLATES = sorted(
    p.name for p in (REPO / "templates").glob("*.hip.jinja") if amd_only_reason(p.read_text()) is None
)


@needs_nvcc
@pytest.mark.parametrize("name", PORTABLE_TEMPLATES)
def test_shipped_templates_compile_check_only(name: str, tmp_path: Path) -> None:
    env_cache = {"ROCM_LSP_CACHE_DIR": str(tmp_path)}
    proc = run_cli(
        "compile", "--check-only", "--output-format", "json", str(REPO / "templates" / name), env=env_cache
    )
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert json.loads(proc.stdout)["findings"] == []


# AMD targets of both wavefront sizes (CDNA: 64 lanes, RDNA: 32) that Debian's hipcc builds.
AMD_WAVES = [("gfx90a", 64), ("gfx1030", 32)]


@needs_hipcc
@pytest.mark.parametrize(("arch", "wave"), AMD_WAVES)
def test_the_amd_targets_differ_in_wavefront_size(arch: str, wave: int, tmp_path: Path) -> None:
    tool = Toolchain("amd", HIPCC, arch, "hipcc", "setting")
    probe = f'#include <hip/hip_runtime.h>\nstatic_assert(__AMDGCN_WAVEFRONT_SIZE == {wave}, "wave");\n'
    result = compile_source(probe, "probe.hip", tool, check_only=True, root=tmp_path)
    assert result.ok, (result.note, result.messages)


@needs_hipcc
@pytest.mark.parametrize(("arch", "wave"), AMD_WAVES)
@pytest.mark.parametrize("name", PORTABLE_TEMPLATES)
def test_templates_compile_for_both_wavefront_sizes(name: str, arch: str, wave: int, tmp_path: Path) -> None:
    proc = run_cli(
        "compile", "--check-only", "--output-format", "json", "--compiler", HIPCC, "--arch", arch,
        str(REPO / "templates" / name), env={"ROCM_LSP_CACHE_DIR": str(tmp_path)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    doc = json.loads(proc.stdout)
    # resource warnings (spills, low occupancy: tests/test_assembly.py) are allowed, nothing else
    assert [f for f in doc["findings"] if f["code"] not in ("RL406", "RL407")] == []
    assert doc["compile"]["state"] == "compiled" and doc["compile"]["target"] == arch


def test_ck_template_says_why_it_is_not_compiled(tmp_path: Path) -> None:
    proc = run_cli(
        "compile", "--check-only", str(REPO / "templates" / "ck_universal_gemm.hip.jinja"),
        env={"ROCM_LSP_CACHE_DIR": str(tmp_path), "PATH": os.environ["PATH"]},
    )  # fmt: skip
    out = proc.stdout.decode()
    if NVCC is None:  # no compiler at all, or an AMD one (tests/test_amd_targets.py)
        assert "no HIP compiler found" in out or "Kernel headers (ck/…), which are not installed" in out
    else:
        assert "RL403 this kernel includes Composable Kernel headers, which are AMD-only" in out
    assert proc.returncode == 0


def test_no_compiler_is_a_clear_message(tmp_path: Path) -> None:
    proc = run_cli(
        "compile", "--check-only", "--compiler", str(tmp_path / "missing-nvcc"),
        str(REPO / "templates" / "gemm_bias_fp16.hip.jinja"),
        env={"ROCM_LSP_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert "RL403 no HIP compiler found" in proc.stdout.decode()


@needs_nvcc
def test_compiler_errors_and_warnings_land_on_template_lines(tmp_path: Path) -> None:
    template = tmp_path / "planted.hip.jinja"
    template.write_text(
        '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [64] }\n-#}\n'
        "#include <hip/hip_runtime.h>\n"
        '{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} {\n'
        "{{kernel.check_not_null(X)}}\n"
        "  int unused_here = 1;\n"
        "  int x = undeclared_name;\n"
        "  return 0;\n"
        "}\n"
    )
    proc = run_cli(
        "compile",
        "--check-only",
        "--output-format",
        "json",
        str(template),
        env={"ROCM_LSP_CACHE_DIR": str(tmp_path)},
    )
    found = sorted(
        (r["code"], r["location"]["row"], r["location"]["column"], r["end_location"]["column"], r["message"])
        for r in json.loads(proc.stdout)["findings"]
    )
    # an error inside a hook's expansion lands on the hook call (no <stdexcept> included)
    assert found == [
        (
            "RL401", 7, 1, 29,
            'nvcc: namespace "std" has no member "runtime_error"'
            " (in the expansion of {{kernel.check_not_null(X)}})",
        ),
        ("RL401", 9, 11, 26, 'nvcc: identifier "undeclared_name" is undefined'),
        ("RL402", 8, 7, 18, 'nvcc: variable "unused_here" was declared but never referenced'),
    ]  # fmt: skip
    assert proc.returncode == 1


DEF_KERNEL = '{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}}'
COLUMNS = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
-#}
#include <hip/hip_runtime.h>
#ifndef PT_EXPORT
#define PT_EXPORT
typedef _Float16 half;
#endif
{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} { int after_call = undeclared_after;
  int from_expression = {{ "undeclared_" ~ "expanded" }};
{%- for i in range(2) %}
  int unused{{ i }} = {{ i }};
  {{ ["undeclared_twice", ""][i] }}{{ ["", "undeclared_twice"][i] }};
{%- endfor %}
  return 0;
}
"""


def compiled(text: str, compiler: str, arch: str, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(code, "row: the template line with «» around the range", message) of each finding."""
    path = tmp_path / "columns.hip.jinja"
    path.write_text(text)
    result = build(path, text, check_only=True, gpu=GpuSettings(compiler=compiler, arch=arch))
    out = []
    index = result.analysis.index
    for d in result.diagnostics:
        row, _ = index.position(d.span.start)
        line = index.line_span(row)
        marked = (
            text[line.start : d.span.start]
            + "«"
            + text[d.span.start : d.span.end]
            + "»"
            + text[d.span.end : line.end]
        )
        out.append((d.code, f"{row + 1}: {marked}", d.message))
    return out


UNDEFINED = {
    "nvcc": 'nvcc: identifier "{}" is undefined',
    "hipcc": "hipcc: use of undeclared identifier '{}'",
}


@pytest.mark.parametrize(
    ("name", "compiler", "arch"),
    [
        pytest.param("nvcc", NVCC, "sm_90", marks=needs_nvcc),  # no column: the caret under the line
        pytest.param("hipcc", HIPCC, "gfx90a", marks=needs_hipcc),  # a column in the rendered line
    ],
)
def test_compiler_columns_map_to_the_template(
    name: str, compiler: str, arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path / "cache"))
    undefined = UNDEFINED[name]
    expected = [
        # literal text after an expression on the same line: the template's own column
        (
            "RL401",
            "10: " + DEF_KERNEL + " { int after_call = «undeclared_after»;",
            undefined.format("undeclared_after"),
        ),
        # inside an expansion: the {{ … }} that produced it
        (
            "RL401",
            '11:   int from_expression = «{{ "undeclared_" ~ "expanded" }}»;',
            undefined.format("undeclared_expanded")
            + ' (in the expansion of {{ "undeclared_" ~ "expanded" }})',
        ),
        # a loop line both iterations print alike, from different expressions: the whole line
        (
            "RL401",
            '14:   «{{ ["undeclared_twice", ""][i] }}{{ ["", "undeclared_twice"][i] }};»',
            undefined.format("undeclared_twice"),
        ),
    ]
    if name == "nvcc":  # (clang warns of no unused variable without -Wall)
        # a loop line the compiler printed: that iteration's columns
        expected += [
            (
                "RL402",
                "13:   int «unused{{ i }}» = {{ i }};",
                f'nvcc: variable "unused{i}" was declared but never referenced',
            )
            for i in range(2)
        ]
    assert compiled(COLUMNS, compiler, arch, tmp_path) == expected
