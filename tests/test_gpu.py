"""The GPU path end to end (marked ``gpu``: runs where torch sees a CUDA device).

Compile → workspace query → reference check → timing, and the lens's time against an
independent measurement of the same library (Triton's do_bench): within 3%. Faults and
hangs end in a clear message and the next run works.
"""

from __future__ import annotations

import importlib.util
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
    outcome = benchmark(path, path.read_text(), sys.executable)
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
    from rocm_lsp.gpu.bench import benchmark

    fault = REPO / "tests" / "fixtures" / "gpu" / "fault.hip.jinja"
    outcome = benchmark(fault, fault.read_text(), sys.executable, timeout=120)
    assert not outcome.ok
    assert "illegal memory access" in outcome.message
    path = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    assert benchmark(path, path.read_text(), sys.executable).ok


def test_a_hanging_kernel_is_killed_after_the_timeout() -> None:
    import time

    from rocm_lsp.gpu.bench import benchmark

    hang = REPO / "tests" / "fixtures" / "gpu" / "hang.hip.jinja"
    start = time.monotonic()
    outcome = benchmark(hang, hang.read_text(), sys.executable, timeout=20)
    assert time.monotonic() - start < 120
    assert not outcome.ok
    assert "did not finish within 20 s" in outcome.message
    path = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    assert benchmark(path, path.read_text(), sys.executable).ok
