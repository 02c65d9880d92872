"""Helpers for CLI tests: where the reference material lives, how to run the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ROCM_LSP_SHARED", REPO.parent / "shared"))
REFERENCE = SHARED / "reference"


def reference_cases() -> list[dict]:
    data = json.loads((REFERENCE / "cases.json").read_text())
    return data["cases"] if isinstance(data, dict) else data


def reference_results() -> dict[str, dict]:
    data = json.loads((REFERENCE / "expected.json").read_text())
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
