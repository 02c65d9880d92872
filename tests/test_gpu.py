"""The GPU path end to end (marked ``gpu``: runs where torch sees a CUDA device).

Compile → workspace query → reference check → timing, and the lens's time against an
independent measurement of the same library (Triton's do_bench): within 3%. Faults and
hangs end in a clear message and the next run works.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _cuda() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda(), reason="needs torch with a CUDA device")]


def test_benchmark_agrees_with_an_independent_measurement() -> None:
    import json

    from rocm_lsp.gpu.bench import benchmark

    path = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    outcome = benchmark(path, path.read_text())  # in this Python
    assert outcome.ok, outcome.message
    assert outcome.report["check"]["status"] == "matched"
    lens_ms = outcome.report["timing"]["median"]
    independent = subprocess.run(
        [sys.executable, str(REPO / "bench" / "independent_timing.py"), str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    other_ms = json.loads(independent.stdout)["kernel_ms_do_bench"]
    assert abs(lens_ms - other_ms) / other_ms < 0.03, (lens_ms, other_ms)


def test_a_faulting_kernel_is_a_message_and_the_next_run_works() -> None:
    from rocm_lsp.core.workspace.config import GpuSettings
    from rocm_lsp.gpu.bench import benchmark

    fault = REPO / "tests" / "fixtures" / "gpu" / "fault.hip.jinja"
    outcome = benchmark(fault, fault.read_text(), GpuSettings(benchmark_timeout=120))
    assert not outcome.ok
    assert "illegal memory access" in outcome.message
    path = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    assert benchmark(path, path.read_text()).ok


def test_a_hanging_kernel_is_killed_after_the_timeout() -> None:
    import time

    from rocm_lsp.core.workspace.config import GpuSettings
    from rocm_lsp.gpu.bench import benchmark

    hang = REPO / "tests" / "fixtures" / "gpu" / "hang.hip.jinja"
    start = time.monotonic()
    outcome = benchmark(hang, hang.read_text(), GpuSettings(benchmark_timeout=20))
    assert time.monotonic() - start < 120
    assert not outcome.ok
    assert "did not finish within 20 s" in outcome.message
    path = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    assert benchmark(path, path.read_text()).ok


def _variant(name: str, nodes: dict[str, str], shapes: dict[str, int], **lines: str) -> str:
    """A shipped template's header with other nodes (``NAME = value`` lines), [shapes] values and
    other ``key = value`` lines; the body is unchanged."""
    text = (REPO / "templates" / f"{name}.hip.jinja").read_text()
    head, sep, body = text.partition("-#}")
    for key, value in {**nodes, **{k: str(v) for k, v in shapes.items()}, **lines}.items():
        line = f"{key} = {value}"
        head, count = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", lambda _m, line=line: line, head)
        assert count == 1, (name, key)
    return head + sep + body


def _f16(*size: object, stride: tuple[int, ...] | None = None) -> str:
    dims = ", ".join(f'"{d}"' if isinstance(d, str) else str(d) for d in size)
    return f'{{ dtype = "float16", size = [{dims}]' + (f", stride = {list(stride)} }}" if stride else " }")


def _gemm(m: int, k: int, n: int, col_major: bool = False, bias: str | None = None) -> tuple:
    w = _f16(k, n, stride=(1, k) if col_major else (n, 1))
    nodes = {"X": _f16("s0", k), "W": w, "Bias": bias or _f16(n), "Y": _f16("s0", n)}
    return "gemm_bias_fp16", nodes, {"s0": m}


def _rows(name: str, m: int, n: int, *vectors: str, none: tuple[str, ...] = ()) -> tuple:
    nodes = {"X": _f16("s0", n), "Y": _f16("s0", n), **{v: _f16(n) for v in vectors}}
    return name, {**nodes, **{v: '"none"' for v in none}}, {"s0": m}


NO_BIAS_LAYER_NORM = '"torch.nn.functional.layer_norm(X.float(), (X.shape[-1],), None, None, 1e-5).half()"'

# Sizes that are not multiples of any tile, the scalar (unaligned) and vector paths, optional
# operands left out: each checked against its [bench] reference on random inputs.
SIZE_CASES: dict[str, tuple[tuple, dict[str, str]]] = {
    "gemm 257x1001x999 (scalar path)": (_gemm(257, 1001, 999), {}),
    "gemm 300x77x131 column-major W, Bias [M, N]": (
        _gemm(300, 77, 131, col_major=True, bias=_f16("s0", 131, stride=(131, 1))), {}),
    "gemm 129x264x1032 vector path, relu off": (
        _gemm(129, 264, 1032), {"relu": "false", "reference": '"X @ W + Bias"'}),
    "gemm 1x4096x136 (M = 1)": (_gemm(1, 4096, 136), {}),
    "gemm 1000x520x4104 column-major W, no Bias": (
        _gemm(1000, 520, 4104, col_major=True, bias='"none"'), {"reference": '"torch.relu(X @ W)"'}),
    "elementwise 1000x1001 (scalar path)": (_rows("elementwise_bias_relu", 1000, 1001, "Bias"), {}),
    "elementwise 3x7": (_rows("elementwise_bias_relu", 3, 7, "Bias"), {}),
    "elementwise 4097x4104, no Bias": (
        _rows("elementwise_bias_relu", 4097, 4104, none=("Bias",)),
        {"reference": '"torch.relu(X)"'}),
    "rowwise scale 3x5": (("rowwise_scale_symbolic", {}, {"s0": 3, "s1": 5}), {}),
    "rowwise scale 1000x1001": (("rowwise_scale_symbolic", {}, {"s0": 1000, "s1": 1001}), {}),
    "rowwise scale 4096x4100": (("rowwise_scale_symbolic", {}, {"s0": 4096, "s1": 4100}), {}),
    "softmax 7x1": (_rows("softmax_rows", 7, 1), {}),
    "softmax 5x13": (_rows("softmax_rows", 5, 13), {}),
    "softmax 1000x1000": (_rows("softmax_rows", 1000, 1000), {}),
    "softmax 4097x4104": (_rows("softmax_rows", 4097, 4104), {}),
    "softmax 5x33000 (streaming path)": (_rows("softmax_rows", 5, 33000), {}),
    "layer norm 9x7": (_rows("layer_norm", 9, 7, "Weight", "Bias"), {}),
    "layer norm 1000x1000": (_rows("layer_norm", 1000, 1000, "Weight", "Bias"), {}),
    "layer norm 513x8200": (_rows("layer_norm", 513, 8200, "Weight", "Bias"), {}),
    "layer norm 3x20003 (generic kernel)": (_rows("layer_norm", 3, 20003, "Weight", "Bias"), {}),
    "layer norm 4097x4104, no Weight or Bias": (
        _rows("layer_norm", 4097, 4104, none=("Weight", "Bias")),
        {"reference": NO_BIAS_LAYER_NORM}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SIZE_CASES))
def test_template_matches_its_reference_at_other_sizes(case: str, tmp_path: Path) -> None:
    from rocm_lsp.gpu.bench import run_worker
    from rocm_lsp.gpu.bench_request import make_request
    from rocm_lsp.gpu.build import build

    (name, nodes, shapes), lines = SIZE_CASES[case]
    text = _variant(name, nodes, shapes, **lines)
    path = tmp_path / f"{name}.hip.jinja"
    path.write_text(text)
    built = build(path, text)
    assert built.result is not None and built.result.ok, [d.message for d in built.diagnostics]
    request = make_request(built.analysis, built.result.library, warmup=0, repetitions=1, measure_peaks=False)
    report = run_worker(request, sys.executable, timeout=120)
    assert report.get("ok"), report
    assert report["check"]["status"] == "matched", report["check"]
