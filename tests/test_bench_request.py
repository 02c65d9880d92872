"""The benchmark request (pure, from the analysis) and the worker's CPU-testable parts.

The worker is imported by file path: it must not depend on rocm_lsp (the user's benchmark
interpreter may not have it). Its end-to-end run is exercised on the CPU with the oracle's
CPU-only torch and a host library compiled from a template with the C compiler.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.gpu.bench_request import CHOICES, BenchSetupError, make_request, scalar_ctype

REPO = Path(__file__).resolve().parent.parent
WORKER = REPO / "server" / "rocm_lsp" / "gpu" / "bench_worker.py"
ORACLE_PYTHON = REPO / ".oracle" / "bin" / "python"
needs_oracle = pytest.mark.skipif(not ORACLE_PYTHON.exists(), reason="no .oracle interpreter (CPU torch)")

ROCM_213 = """{#- rocm-lsp
profile = "rocm-2.13"
kernel_name = "scale_rows"
runtime_args = [{ name = "kBatch", ty = "int32_t", value = 2 }, { name = "alpha", ty = "float", value = 0.5 }]

[nodes]
A      = { dtype = "bfloat16", size = ["s0", "s1"], stride = ["s1", 1] }
G      = { dtype = "float32", size = ["s1"] }
Unused = "none"
Out    = { dtype = "bfloat16", size = ["s0", "s1"], offset = 16 }

[vars]
size_arg_values = { M = "s0", N = 64, LD = "s1 + 0" }

[shapes]
s0 = 32
s1 = 64
K = 7

[bench]
reference = "A * G"
flops = "2*s0*s1"
-#}
#include <hip/hip_runtime.h>
extern "C" {
PT_EXPORT {{kernel.def_kernel(inputs=[A, G, Unused], outputs=[Out], names_str="a, g, u, out",
                              size_args=["int32_t M", "int32_t N", "const int64_t K", "int LD"])}} {
  return 0;
}
}
"""


def _request(text: str, **kwargs: object) -> dict:
    return make_request(analyze(text), "/tmp/lib.so", **kwargs)


def _pairs(request: dict) -> list[tuple]:
    out = []
    for arg in request["args"]:
        if arg["kind"] == "buffer":
            out.append((arg["kind"], arg["name"], arg["node"], arg["role"], arg["ctype"]))
        elif "value" in arg:
            out.append((arg["kind"], arg["name"], arg["ctype"], arg["value"]))
        else:
            out.append((arg["kind"],))
    return out


# -- make_request ----------------------------------------------------------------------


def test_seed_gemm_bias_request() -> None:
    text = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
    request = make_request(analyze(text), "lib.so")
    assert request["version"] == 1
    assert request["library"] == str(Path("lib.so").resolve())
    assert request["symbol"] == "gemm_bias_fp16"
    assert _pairs(request) == [
        ("buffer", "X", "X", "input", "c_void_p"),
        ("buffer", "W", "W", "input", "c_void_p"),
        ("buffer", "Bias", "Bias", "input", "c_void_p"),
        ("buffer", "Y", "Y", "output", "c_void_p"),
        ("size", "ks0", "c_int64", 4096),
        ("workspace_size",),
        ("workspace",),
        ("stream",),
    ]
    assert request["args"][4]["symbol"] == "s0"
    assert request["args"][4]["cpp_type"] == "const long"
    assert request["args"][0]["cpp_type"] == "const half*"
    x, w, bias, y = (request["nodes"][n] for n in ("X", "W", "Bias", "Y"))
    assert (x["dtype"], x["size"], x["stride"], x["offset"]) == ("float16", [4096, 4096], [4096, 1], 0)
    assert (w["size"], w["stride"], w["storage_numel"]) == ([4096, 4096], [4096, 1], 4096 * 4096)
    assert (bias["size"], bias["stride"], bias["storage_numel"]) == ([4096], [1], 4096)
    assert (y["role"], x["role"]) == ("output", "input")
    assert request["outputs"] == ["Y"]
    assert request["reference"] == "torch.relu(X @ W + Bias)"
    assert (request["rtol"], request["atol"]) == (1e-2, 5e-2)
    assert request["flops"] == 2 * 4096**3
    assert request["bytes"] == (3 * 4096 * 4096 + 4096) * 2
    assert (request["warmup"], request["repetitions"]) == (10, 100)
    assert request["timeout_s"] > 0
    assert request["baseline"] == request["reference"]  # no [bench].baseline: the reference
    assert (request["choices"], request["inductor_mode"]) == (["eager", "inductor"], "default")
    assert "index" not in request
    json.dumps(request)  # JSON-serialisable


def test_rocm_2_13_request() -> None:
    request = _request(ROCM_213, warmup=3, repetitions=7)
    assert request["symbol"] == "scale_rows"
    assert _pairs(request) == [
        ("buffer", "a", "A", "input", "c_void_p"),
        ("buffer", "g", "G", "input", "c_void_p"),
        ("buffer", "out", "Out", "output", "c_void_p"),
        ("size_arg", "M", "c_int32", 32),
        ("size_arg", "N", "c_int32", 64),
        ("size_arg", "K", "c_int64", 7),  # from [shapes] by name
        ("size_arg", "LD", "c_int32", 64),
        ("runtime", "kBatch", "c_int32", 2),
        ("runtime", "alpha", "c_float", 0.5),
        ("workspace_size",),
        ("workspace",),
        ("stream",),
    ]
    assert [a["cpp_type"] for a in request["args"][:4]] == [
        "const uint16_t*",
        "const float*",
        "uint16_t*",
        "int32_t",
    ]
    assert request["args"][5]["cpp_type"] == "const int64_t"
    nodes = request["nodes"]
    assert nodes["Unused"] is None
    assert nodes["A"] == {
        "dtype": "bfloat16",
        "size": [32, 64],
        "stride": [64, 1],
        "offset": 0,
        "storage_numel": 2048,
        "numel": 2048,
        "itemsize": 2,
        "role": "input",
    }
    assert nodes["G"]["stride"] == [1]
    assert (nodes["Out"]["offset"], nodes["Out"]["storage_numel"]) == (16, 16 + 2048)
    assert request["outputs"] == ["Out"]
    assert request["flops"] == 2 * 32 * 64
    assert request["bytes"] == 2048 * 2 + 64 * 4 + 2048 * 2
    assert (request["rtol"], request["atol"]) == (1e-2, 1e-2)  # defaults
    assert (request["warmup"], request["repetitions"]) == (3, 7)


def test_explicit_bytes_and_kernel_name() -> None:
    text = ROCM_213.replace('flops = "2*s0*s1"', 'bytes = "4*s0"')
    request = make_request(analyze(text), "/tmp/lib.so", "renamed")
    assert (request["symbol"], request["bytes"], request["flops"], request["reference"]) == (
        "renamed",
        128,
        None,
        "A * G",
    )


def test_baseline_choices_and_index() -> None:
    bench = 'reference = "A.float() * G"\nbaseline = "A * G.to(A.dtype)"'
    text = ROCM_213.replace('reference = "A * G"', bench)
    request = _request(text, choices=["eager"], inductor_mode="max-autotune", index=4)
    assert (request["reference"], request["baseline"]) == ("A.float() * G", "A * G.to(A.dtype)")
    assert (request["choices"], request["inductor_mode"], request["index"]) == (["eager"], "max-autotune", 4)
    assert _request(text, choices=(), index=0)["choices"] == []
    assert _request(text, index=0)["index"] == 0
    assert tuple(_request(ROCM_213.replace('reference = "A * G"\n', ""))["choices"]) == CHOICES
    assert _request(ROCM_213.replace('reference = "A * G"\n', ""))["baseline"] is None


@pytest.mark.parametrize(
    ("options", "named"), [({"choices": ["eager", "cuda"]}, "'cuda'"), ({"inductor_mode": "fast"}, "'fast'")]
)
def test_unknown_choice_or_mode(options: dict[str, Any], named: str) -> None:
    with pytest.raises(BenchSetupError, match=f"cannot benchmark {named}: the choices are eager, inductor"):
        _request(ROCM_213, **options)


def test_strided_node_storage() -> None:
    text = ROCM_213.replace('stride = ["s1", 1]', 'stride = [1, "s0 + 3"]')
    a = _request(text)["nodes"]["A"]
    assert a["stride"] == [1, 35]
    assert a["storage_numel"] == 1 + 31 * 1 + 63 * 35


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("s0 = 32\n", ""), "s0 has no value in [shapes]"),
        (('M = "s0", ', ""), "size argument M (int32_t M) needs a value"),
        (('M = "s0", ', ""), "size_arg_values = { M = 128 }"),
        (('M = "s0"', 'M = "s9"'), "s9 has no value in [shapes]"),
        (('M = "s0"', 'M = "s0 / 2"'), "size_arg_values.M = 's0 / 2' is not a size expression"),
        (('M = "s0"', "M = 5000000000"), "does not fit in int32_t"),
        (('M = "s0"', "M = 1.5"), "must be an integer"),
        ((", value = 2 }", " }"), "runtime argument kBatch has no value"),
        (('"int LD"', '"int* LD"'), "is not a scalar C declaration"),
        (('"int LD"', '"LD"'), "is not a scalar C declaration"),
        (('"int LD"', '"half LD"'), "C type 'half'"),
        (('flops = "2*s0*s1"', 'flops = "2*s7"'), "[bench] flops is '2*s7', but s7 has no value"),
        (("{{kernel.def_kernel", "{{kernel.nothing"), "does not render"),
    ],
)
def test_setup_errors(edit: tuple[str, str], message: str) -> None:
    text = ROCM_213.replace(*edit)
    assert text != ROCM_213
    with pytest.raises(BenchSetupError) as info:
        _request(text)
    assert message in str(info.value)
    assert "Traceback" not in str(info.value)


def test_missing_shape_names_the_node_and_the_fix() -> None:
    text = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text().replace("s0 = 4096\n", "")
    with pytest.raises(BenchSetupError) as info:
        make_request(analyze(text), "lib.so")
    assert str(info.value) == (
        "size[0] of node X is 's0', but s0 has no value in [shapes]: benchmarking needs concrete "
        "sizes; add to the header\n[shapes]\ns0 = 128"
    )


def test_no_def_kernel() -> None:
    text = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [4] }\n-#}\n{{ X.get_name() }}\n'
    with pytest.raises(BenchSetupError, match="never calls kernel.def_kernel"):
        _request(text)


@pytest.mark.parametrize(
    ("cpp", "ctype"),
    [
        ("const long", "c_int64"),
        ("const int64_t", "c_int64"),
        ("int32_t", "c_int32"),
        ("int", "c_int32"),
        ("unsigned  int", "c_uint32"),
        ("const float", "c_float"),
        ("ck::index_t", "c_int32"),
        ("half", None),
        ("int32_t*", None),
    ],
)
def test_scalar_ctype(cpp: str, ctype: str | None) -> None:
    assert scalar_ctype(cpp) == ctype


# -- the worker's pure helpers ---------------------------------------------------------


def _worker():
    spec = importlib.util.spec_from_file_location("rocm_lsp_bench_worker_under_test", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_worker_imports_only_stdlib_and_torch() -> None:
    tree = ast.parse(WORKER.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party <= {"torch", "triton"}
    top_level = {a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names} | {
        node.module for node in tree.body if isinstance(node, ast.ImportFrom)
    }
    assert "torch" not in top_level  # imported lazily: the helpers load without torch


def test_worker_statistics() -> None:
    worker = _worker()
    stats = worker.statistics([5.0, 1.0, 4.0, 2.0, 3.0])
    assert stats == {
        "unit": "ms",
        "count": 5,
        "median": 3.0,
        "p20": 1.8,
        "p80": 4.2,
        "min": 1.0,
        "max": 5.0,
        "mean": 3.0,
    }
    assert worker.percentile([1.0, 2.0], 0.5) == 1.5
    assert math.isnan(worker.statistics([])["median"])


def test_worker_rates_and_json() -> None:
    worker = _worker()
    out = worker.rates(2.0, 4_000_000_000, 10**12, {"copy_gbps": 4000.0, "mm_fp16_tflops": 1000.0})
    assert out["bandwidth_gbps"] == pytest.approx(2000.0)
    assert out["bandwidth_fraction"] == pytest.approx(0.5)
    assert out["tflops"] == pytest.approx(500.0)
    assert out["flops_fraction"] == pytest.approx(0.5)
    none = worker.rates(2.0, 100, None, {})
    assert (none["tflops"], none["peak_tflops"], none["bandwidth_fraction"]) == (None, None, None)
    assert worker.finite({"a": [math.nan, 1.0], "b": math.inf}) == {"a": [None, 1.0], "b": None}


def test_worker_ctypes_and_repetitions() -> None:
    import ctypes

    worker = _worker()
    assert worker.ctype("c_int64") is ctypes.c_int64
    assert worker.scalar("c_int32", 7).value == 7
    assert worker.scalar("c_float", 1).value == 1.0
    with pytest.raises(worker.WorkerError, match="unsupported argument type"):
        worker.ctype("c_char_p")
    with pytest.raises(worker.WorkerError, match="needs an integer"):
        worker.scalar("c_int32", 1.5)
    assert worker.repetitions_within(10.0, 0.5, 100) == 20
    assert worker.repetitions_within(10.0, 100.0, 100) == worker.MIN_REPETITIONS
    assert worker.repetitions_within(10.0, 1e-6, 100) == 100
    assert worker.repetitions_within(10.0, 0.0, 100) == 100


def test_worker_peaks_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = _worker()
    monkeypatch.delenv("ROCM_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert worker.peaks_path({}) == tmp_path / "rocm-lsp" / "peaks.json"
    assert worker.peaks_path({"peaks_path": "/x/p.json"}) == Path("/x/p.json")
    path = worker.peaks_path({})
    assert worker.load_peaks(path) == {}
    key = worker.peak_key("NVIDIA H100", "sm_90", "2.13.0")
    worker.save_peaks(path, {key: {"copy_gbps": 3000.0}})
    assert worker.load_peaks(path) == {key: {"copy_gbps": 3000.0}}
    path.write_text("not json")
    assert worker.load_peaks(path) == {}


# -- the worker as a process (the oracle's CPU torch) ----------------------------------


def _run_worker(request: dict | str, *args: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    text = request if isinstance(request, str) else json.dumps(request)
    proc = subprocess.run(
        [str(ORACLE_PYTHON), str(WORKER), *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout  # exactly one JSON document
    return json.loads(lines[0]), proc


@needs_oracle
def test_worker_without_cuda_says_so() -> None:
    text = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
    result, _ = _run_worker(make_request(analyze(text), "/nonexistent/lib.so"))
    assert result["ok"] is False
    assert "no CUDA/ROCm GPU device" in result["error"]
    assert "torch.cuda.is_available() is False" in result["error"]
    assert result["stage"] == "device"
    assert "traceback" not in result


@needs_oracle
def test_worker_rejects_bad_requests() -> None:
    result, _ = _run_worker("{not json")
    assert (result["ok"], result["stage"]) == (False, "request")
    result, _ = _run_worker({"version": 99})
    assert result["ok"] is False and "version" in result["error"]


# A seed template whose body is plain C, so a host compiler builds it and the worker can run
# the whole protocol on the CPU test device.
HOST_KERNEL = """{#- rocm-lsp
kernel_name = "add_bias"
[nodes]
X = { dtype = "float32", size = ["s0", 8] }
B = { dtype = "float32", size = [8] }
Y = { dtype = "float32", size = ["s0", 8] }
[shapes]
s0 = 16
[bench]
reference = "X + B"
rtol = 1e-5
atol = 1e-5
flops = "8*s0"
-#}
{%- set M = kernel.size(X, 0) -%}
#include <stddef.h>
#include <stdint.h>
#define PT_EXPORT __attribute__((visibility("default")))
typedef void* hipStream_t;
{{kernel.def_kernel(inputs=[X, B], outputs=[Y], names_str="X, B, Y")}} {
  if (workspace_size) { *workspace_size = 32; return 0; }
  if (!workspace || stream) return 7;
  workspace[31] = 1;
  for (long i = 0; i < ROWS; ++i)
    for (int j = 0; j < 8; ++j) Y[i * 8 + j] = X[i * 8 + j] + B[j] EXTRA;
  return STATUS;
}
"""


def _host_request(
    tmp_path: Path, rows: str = "{{M}}", extra: str = "", status: str = "0", bench: str = "", **options: Any
) -> dict:
    """HOST_KERNEL compiled for the host, as a CPU request (``bench``: more [bench] lines;
    ``options`` for make_request, no choices unless given)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no host C compiler")
    text = HOST_KERNEL.replace("ROWS", rows).replace("EXTRA", extra).replace("STATUS", status)
    text = text.replace('flops = "8*s0"\n', f'flops = "8*s0"\n{bench}')
    analysis = analyze(text)
    assert analysis.rendered is not None and analysis.rendered.text is not None
    library = tmp_path / "libadd_bias.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", "-x", "c", "-", "-o", str(library)],
        input=analysis.rendered.text,
        text=True,
        check=True,
        timeout=60,
    )
    request = make_request(analysis, library, warmup=2, repetitions=12, **{"choices": (), **options})
    request["device"] = "cpu"  # the worker's host test mode
    return dict(request)


def _host_result(tmp_path: Path, **kwargs: Any) -> dict:
    result, _ = _run_worker(_host_request(tmp_path, **kwargs))
    return result


@needs_oracle
def test_worker_runs_a_host_kernel(tmp_path: Path) -> None:
    result = _host_result(tmp_path)
    assert result["ok"] is True, result
    assert result["device"] == "cpu"
    assert result["workspace_bytes"] == 32
    check = result["check"]
    assert check["status"] == "matched"
    (out,) = check["outputs"]
    assert (out["name"], out["matched"], out["mismatched"], out["max_abs_error"]) == ("Y", True, 0, 0.0)
    assert out["shape"] == [16, 8]
    timing = result["timing"]
    assert timing["count"] == 12 and timing["warmup"] == 2
    assert timing["min"] <= timing["p20"] <= timing["median"] <= timing["p80"] <= timing["max"]
    assert result["bytes"] == (16 * 8 * 2 + 8) * 4
    assert result["flops"] == 128
    assert result["bandwidth_gbps"] > 0 and result["tflops"] > 0
    assert result["peaks"] == {}
    assert result["choices"] == {}
    assert "index" not in result and "served" not in result


@needs_oracle
def test_worker_reports_a_mismatch(tmp_path: Path) -> None:
    result = _host_result(tmp_path, extra="+ (i == 3 && j == 5 ? 1.0f : 0.0f)")
    assert result["ok"] is True
    (out,) = result["check"]["outputs"]
    assert result["check"]["status"] == "mismatch"
    assert (out["matched"], out["mismatched"]) == (False, 1)
    assert out["first_mismatch"]["index"] == [3, 5]
    assert out["max_abs_error"] == pytest.approx(1.0)


@needs_oracle
def test_worker_catches_an_unwritten_output(tmp_path: Path) -> None:
    result = _host_result(tmp_path, rows="0")
    (out,) = result["check"]["outputs"]
    assert out["nan_outputs"] == 16 * 8
    assert "did not write" in out["hint"]


@needs_oracle
def test_worker_reports_a_nonzero_return(tmp_path: Path) -> None:
    result = _host_result(tmp_path, status="3")
    assert result["ok"] is False
    assert result["stage"] == "run"
    assert "add_bias returned 3" in result["error"]
    assert result["device"] == "cpu"


@needs_oracle
def test_worker_reports_a_missing_symbol(tmp_path: Path) -> None:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no host C compiler")
    library = tmp_path / "libempty.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-x", "c", "-", "-o", str(library)],
        input="int other(void) { return 0; }\n",
        text=True,
        check=True,
        timeout=60,
    )
    request = make_request(analyze(HOST_KERNEL.replace("ROWS", "1")), library)
    request["device"] = "cpu"
    result, _ = _run_worker(request)
    assert (result["ok"], result["stage"]) == (False, "load")
    assert "exports no symbol add_bias" in result["error"]


@needs_oracle
def test_worker_compare_on_cpu_torch() -> None:
    script = f"""
import importlib.util, json, math, torch
spec = importlib.util.spec_from_file_location("w", {str(WORKER)!r})
w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
a = torch.tensor([[1.0, 2.0], [3.0, float("nan")]], dtype=torch.float16)
out = {{
  "same": w.compare(torch, a, a.clone(), 0.0, 0.0),
  "close": w.compare(torch, a, a.float() + 1e-3, 1e-2, 1e-2),
  "far": w.compare(torch, a, torch.zeros(2, 2), 1e-2, 1e-2),
  "shape": w.compare(torch, a, torch.zeros(2), 1e-2, 1e-2),
  "tuple": w.check(torch, w.evaluate_reference(torch, "(X + 1, X * 2)", {{"X": a[:, :1]}}),
                   [("P", a[:, :1] + 1), ("Q", a[:, :1] * 2)], 0.0, 0.0),
  "none": w.evaluate_reference(torch, "Bias is None", {{"Bias": None}}),
}}
print(json.dumps(w.finite(out)))
"""
    proc = subprocess.run(
        [str(ORACLE_PYTHON), "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["same"]["matched"] is True and out["same"]["nan_outputs"] == 0
    assert out["close"]["matched"] is True
    far = out["far"]
    assert (far["matched"], far["mismatched"], far["max_abs_error"]) == (False, 4, 3.0)
    assert far["nan_outputs"] == 1 and far["first_mismatch"]["index"] == [0, 0]
    assert out["shape"]["matched"] is False and "shape mismatch" in out["shape"]["error"]
    assert out["tuple"]["status"] == "matched"
    assert [o["name"] for o in out["tuple"]["outputs"]] == ["P", "Q"]
    assert out["none"] == [True]
