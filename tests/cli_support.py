"""Helpers for CLI tests: the recorded torch outputs (tests/exactness/), how to run the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rocm_lsp.gpu import amd_clang

REPO = Path(__file__).resolve().parent.parent

try:  # upstream clang-22 set up for AMD device code (docs/amd-targets.md)
    CLANG_SETUP: amd_clang.AmdClang | None = amd_clang.find()
    _CLANG_WHY = ""
except amd_clang.SetupError as exc:
    CLANG_SETUP, _CLANG_WHY = None, str(exc)
needs_clang = pytest.mark.skipif(
    CLANG_SETUP is None,
    reason=f"clang-22 for AMD device code is not set up ({_CLANG_WHY}; scripts/test.sh installs it)",
)
EXACTNESS = REPO / "tests" / "exactness"


def reference_cases() -> list[dict]:
    """The hook-level cases (``tests/exactness/cases.json``)."""
    data = json.loads((EXACTNESS / "cases.json").read_text(encoding="utf-8"))
    return data["cases"] if isinstance(data, dict) else data


def reference_results() -> dict[str, dict]:
    """torch 2.13.0's recorded results for them, by case id (scripts/record_exactness.py)."""
    data = json.loads((EXACTNESS / "torch-2.13.0.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["results"]}


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m rocm_lsp`` as a user would (``env`` adds to the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "rocm_lsp", *args],
        capture_output=True,
        cwd=cwd or REPO,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def docs_example(code: str) -> tuple[str, str]:
    """The example of ``code``'s section in docs/diagnostics.md: (its template, its report)."""
    text = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    section = text[text.index(f"## {code} ") :]
    section = section[: section.index("\n## ", 1)]
    (template,) = re.findall(r"^```jinja\n(.*?)^```$", section, re.M | re.S)
    (report,) = re.findall(r"^```text\n(.*?)^```$", section, re.M | re.S)
    return template, report.strip()


def planted_template(tmp_path: Path, body: str, name: str = "planted.hip.jinja") -> Path:
    """A template at ``tmp_path/name`` with one ``X`` node, the HIP include and ``body``."""
    path = tmp_path / name
    path.write_text(
        '{#- rocm-lsp\n[nodes]\nX = { dtype = "float32", size = [256] }\n-#}\n'
        "#include <hip/hip_runtime.h>\n#ifndef PT_EXPORT\n#define PT_EXPORT\n#endif\n" + body
    )
    return path


SHUFFLE = """\
__device__ float twice(float v) { return v * 2.0f; }
__global__ void __launch_bounds__(64) reduce(float* x) {
  float v = x[threadIdx.x];
  v += __shfl_xor(v, 1);
  x[threadIdx.x] = twice(v);
}
{{kernel.def_kernel(inputs=[], outputs=[X], names_str="X")}} {
  reduce<<<1, 64, 0, stream>>>(X);
  return 0;
}
"""
SHUFFLE_LINE = 12  # the __shfl_xor line (4 header lines, the include, 3 for PT_EXPORT, then SHUFFLE)
