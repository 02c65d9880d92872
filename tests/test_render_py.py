"""``rocm-lsp render-py`` / ``gpu.py_render``: Inductor's ROCm template classes rendered by real
torch 2.13 (the oracle's CPU build) in a worker process, compared with torch's own
``generate()`` driven independently here, and failures placed on the module's lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oracle_support import ORACLE_HELP, oracle_python
from rocm_lsp.core.pymodules.render_map import RenderMap
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.gpu import py_render
from rocm_lsp.gpu.compile import CompilerMessage
from torch_sources import _torch_dir_of

PYTHON = oracle_python()
pytestmark = pytest.mark.skipif(PYTHON is None, reason=ORACLE_HELP)
TILE = "ck_tile_universal_gemm_template.py"

# torch's own generate() for CKTileGemmTemplate, bf16 mm 1024³, choice 0: what kernel/mm.py builds
INDEPENDENT = r"""
import os, sys, warnings
warnings.filterwarnings("ignore")
os.environ["TORCHINDUCTOR_CACHE_DIR"] = sys.argv[1]
import torch
from torch._inductor import config, ir
from torch._inductor.graph import GraphLowering
from torch._inductor.virtualized import V
from torch._inductor.codegen.rocm.ck_tile_universal_gemm_template import CKTileGemmTemplate
config.rocm.rocm_home, config.rocm.arch = "/opt/rocm", ["gfx942"]
config.rocm.ck_dir = "/opt/rocm/composable_kernel"
config.rocm.ck_tile_max_profiling_configs = None
with V.set_graph_handler(GraphLowering(torch.fx.symbolic_trace(lambda x: x))):
    nodes = []
    for name, stride in (("mat1", [1024, 1]), ("mat2", [1024, 1])):
        layout = ir.FixedLayout(torch.device("cuda", 0), torch.bfloat16, [1024, 1024], stride)
        node = ir.InputBuffer(name=name, layout=layout)
        V.graph.graph_inputs[name] = ir.TensorBox.create(node)
        V.graph.graph_input_names.append(name)
        nodes.append(node)
    out = ir.FixedLayout(torch.device("cuda", 0), torch.bfloat16, [1024, 1024], [1024, 1])
    template = CKTileGemmTemplate(nodes, out)
    ops = template.gen_ops()
    caller = template.generate(op=ops[0], kBatch=template.k_batch_choices(ops[0])[0])
    sys.stdout.write(caller.bmreq.source_code)
"""


@pytest.fixture(scope="module")
def rocm_dir() -> Path:
    assert PYTHON is not None
    torch_dir = _torch_dir_of(PYTHON)
    assert torch_dir is not None
    return torch_dir / "_inductor" / "codegen" / "rocm"


@pytest.fixture
def gpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GpuSettings:
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path / "cache"))
    return GpuSettings(benchmark_interpreter=PYTHON, benchmark_timeout=300)


def module_copy(
    tmp_path: Path, rocm_dir: Path, name: str, edit: tuple[str, str] | None = None
) -> tuple[Path, str]:
    """The module under a ``torch/_inductor/codegen/rocm/`` folder of its own (its dotted name)."""
    folder = tmp_path / "torch" / "_inductor" / "codegen" / "rocm"
    folder.mkdir(parents=True, exist_ok=True)
    text = (rocm_dir / name).read_text(encoding="utf-8")
    if edit is not None:
        assert text.count(edit[0]) == 1, edit[0]
        text = text.replace(*edit)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path, text


def test_the_classes_are_found_statically(rocm_dir: Path) -> None:
    found = {
        name: [c.name for c in py_render.template_classes((rocm_dir / name).read_text())]
        for name in (
            TILE,
            "ck_universal_gemm_template.py",
            "ck_conv_template.py",
            "ck_template.py",
            "rocm_template.py",
        )
    }
    assert found == {
        TILE: ["CKTileGemmTemplate"],
        "ck_universal_gemm_template.py": ["CKGemmTemplate"],
        "ck_conv_template.py": ["CKGroupedConvFwdTemplate"],
        "ck_template.py": [],
        "rocm_template.py": [],
    }


def test_choice_0_is_what_torch_itself_generates(tmp_path: Path, rocm_dir: Path, gpu: GpuSettings) -> None:
    path = rocm_dir / TILE
    text = path.read_text(encoding="utf-8")
    result = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    assert result.ok and result.source is not None, result.message
    assert PYTHON is not None
    theirs = subprocess.run(
        [PYTHON, "-c", INDEPENDENT, str(tmp_path / "inductor")], capture_output=True, text=True, check=True
    ).stdout
    assert result.source == theirs
    assert result.answer["choice_count"] == 112 and result.answer["choice"] == 0
    assert result.message.startswith(
        "CKTileGemmTemplate choice 0 of 112 (ck_tile_gemm_universal_RRR_BF16BF16BF16_25625632_221_323216_"
        "CompV3_Intrawave_Default) for bfloat16 mm M=1024 N=1024 K=1024, torch 2.13.0"
    )
    # every generated line is placed on the module: on its own text, or on the {{ }} that made it
    py = text.split("\n")
    generated = result.source.split("\n")
    assert len(result.py_lines) == len(generated) and None not in result.py_lines
    for line, where in zip(generated, result.py_lines):
        assert where is not None
        assert not line.strip() or line.strip() in py[where - 1] or "{{" in py[where - 1], (
            line,
            py[where - 1],
        )
    assert py[result.py_lines[generated.index("        constexpr bool permuteA = false;")] - 1].strip() == (
        "constexpr bool permuteA = false;"
    )


def test_the_choices_list_and_a_choice_by_name(rocm_dir: Path, gpu: GpuSettings) -> None:
    path = rocm_dir / TILE
    text = path.read_text(encoding="utf-8")
    listed = py_render.render_py(path, text, "CKTileGemmTemplate", gpu, list_only=True)
    names = [c["name"] for c in listed.answer["choices"]]
    assert len(names) == 112 and listed.source is None and listed.ok
    picked = py_render.render_py(path, text, "CKTileGemmTemplate", gpu, choice="CShuffle")
    first = next(i for i, n in enumerate(names) if "CShuffle" in n)
    assert picked.answer["choice"] == first and "CShuffle" in picked.message


def test_without_cks_python_package_the_gemm_and_conv_say_so(rocm_dir: Path, gpu: GpuSettings) -> None:
    for name, cls in (
        ("ck_universal_gemm_template.py", "CKGemmTemplate"),
        ("ck_conv_template.py", "CKGroupedConvFwdTemplate"),
    ):
        path = rocm_dir / name
        result = py_render.render_py(path, path.read_text(encoding="utf-8"), cls, gpu)
        assert not result.ok and result.source is None and result.answer["choice_count"] == 0
        assert "ck4inductor is not importable" in result.message and result.message.startswith(
            f"{cls}: 0 choices"
        )


def test_an_edit_of_the_template_string_is_what_renders(
    tmp_path: Path, rocm_dir: Path, gpu: GpuSettings
) -> None:
    path, text = module_copy(
        tmp_path,
        rocm_dir,
        TILE,
        ("constexpr bool permuteA = false;", "constexpr bool permuteA = false; // edited"),
    )
    result = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    assert result.source is not None and "constexpr bool permuteA = false; // edited" in result.source


def test_a_jinja_syntax_error_lands_on_its_py_line(tmp_path: Path, rocm_dir: Path, gpu: GpuSettings) -> None:
    path, text = module_copy(
        tmp_path, rocm_dir, TILE, ("constexpr bool permuteA = false;", "constexpr bool permuteA = {% if %};")
    )
    result = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    assert not result.ok and result.answer["stage"] == "render"
    (finding,) = result.diagnostics
    row = text[: finding.span.start].count("\n") + 1
    assert finding.code == "RL408" and "{% if %}" in text.split("\n")[row - 1]
    assert finding.message.startswith("CKTileGemmTemplate: ") and "TemplateSyntaxError" in finding.message


def test_a_template_that_raises_is_located(tmp_path: Path, rocm_dir: Path, gpu: GpuSettings) -> None:
    path, text = module_copy(
        tmp_path,
        rocm_dir,
        TILE,
        ("constexpr bool permuteA = false;", "constexpr bool permuteA = {{ no_such_value }};"),
    )
    result = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    (finding,) = result.diagnostics
    row = text[: finding.span.start].count("\n") + 1
    assert "{{ no_such_value }}" in text.split("\n")[row - 1]
    assert "UndefinedError: 'no_such_value' is undefined" in finding.message


def test_a_python_error_in_the_module_is_located(tmp_path: Path, rocm_dir: Path, gpu: GpuSettings) -> None:
    path, text = module_copy(tmp_path, rocm_dir, TILE, ("    def gen_ops(self", "    def gen_ops(self,, "))
    result = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    (finding,) = result.diagnostics
    assert result.answer["stage"] == "import" and "SyntaxError" in finding.message
    row = text[: finding.span.start].count("\n") + 1
    assert "def gen_ops(self,, " in text.split("\n")[row - 1]


def test_render_map_places_dedented_and_stripped_literals() -> None:
    module = 'class T:\n    body = r"""\n    first {{ a }}\n    second\n    """\n'
    mapping = RenderMap(module)
    assert mapping.py_line("first {{ a }}\nsecond", 2) == 4  # dedented and stripped: line 2 is "second"
    assert mapping.py_line("\n    first {{ a }}\n    second\n    ", 2) == 3  # verbatim
    assert mapping.py_line("not in this module", 1) is None


def test_cli_render_py_prints_the_source_and_lists(rocm_dir: Path, gpu: GpuSettings, tmp_path: Path) -> None:
    assert PYTHON is not None
    target = f"{rocm_dir / TILE}::CKTileGemmTemplate"
    base = [sys.executable, "-m", "rocm_lsp", "render-py", target, "--python", PYTHON]
    env = {"ROCM_LSP_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([*base, "--choice", "1"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("/**\n* Generated code for CK inductor backend\n")
    assert "CKTileGemmTemplate choice 1 of 112" in done.stderr
    listed = subprocess.run([*base, "--list"], capture_output=True, text=True, env=env, check=False)
    rows = listed.stdout.splitlines()
    assert len(rows) == 112 and rows[0].startswith("0\tck_tile_gemm_universal_RRR_BF16BF16BF16_")
    bad = subprocess.run(
        [*base, "--problem", "op=mm,M=big"], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 2 and bad.stderr == "error: --problem: M needs a whole number, got 'big'\n"
    gemm = subprocess.run(
        [
            sys.executable,
            "-m",
            "rocm_lsp",
            "render-py",
            str(rocm_dir / "ck_universal_gemm_template.py"),
            "--python",
            PYTHON,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert gemm.returncode == 1 and "ck4inductor is not importable" in gemm.stderr and gemm.stdout == ""
    assert json.dumps(gemm.stderr)  # printable


def test_compiler_messages_land_on_the_module_line_their_generated_line_came_from(
    rocm_dir: Path, gpu: GpuSettings
) -> None:
    path = rocm_dir / TILE
    text = path.read_text(encoding="utf-8")
    rendered = py_render.render_py(path, text, "CKTileGemmTemplate", gpu)
    assert rendered.source is not None
    generated = rendered.source.split("\n")
    at = generated.index("        constexpr bool permuteA = false;") + 1
    name = "CKTileGemmTemplate.hip.cpp"
    classes = {c.name: c.span for c in py_render.template_classes(text)}
    message = CompilerMessage(f"/tmp/x/{name}", at, 24, "error", "expected ';'")
    finding = py_render._on_module(text, rendered.py_lines, message, name, classes["CKTileGemmTemplate"])
    row = text[: finding.span.start].count("\n") + 1
    assert text.split("\n")[row - 1].strip() == "constexpr bool permuteA = false;"
    assert (finding.code, finding.message) == ("RL401", f"expected ';' (generated line {at})")
    header = CompilerMessage("/opt/rocm/include/ck_tile/core.hpp", 12, 1, "warning", "deprecated")
    elsewhere = py_render._on_module(text, rendered.py_lines, header, name, classes["CKTileGemmTemplate"])
    assert elsewhere.span == classes["CKTileGemmTemplate"] and elsewhere.message.startswith(
        "/opt/rocm/include/ck_tile/core.hpp:12: "
    )
