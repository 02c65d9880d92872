"""Comparing rocm-lsp's hook results with real torch's (``expected.json`` or a live oracle).

The only differences tolerated are the documented ones, applied by :func:`normalise`:

(a) the oracle's seed kernel class is ``SeedROCmTemplateKernel`` (a subclass it defines);
    the real seed class was ``ROCmTemplateKernel``, which is what rocm-lsp names;
(b) Jinja's ``UndefinedError`` for a missing kernel attribute names the kernel object's
    module-qualified class: torch's module (or the oracle script's, for the seed class)
    versus rocm-lsp's profile module.

Everything else (result text, result type, error type and message, final state) must be
byte-identical.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``<repo>/../shared``, or ``$ROCM_LSP_SHARED``."""
    return Path(os.environ.get("ROCM_LSP_SHARED") or REPO.parent / "shared")


def reference_dir() -> Path:
    return shared_dir() / "reference"


def load_cases() -> list[dict]:
    data = json.loads((reference_dir() / "cases.json").read_text())
    return data["cases"] if isinstance(data, dict) else data


def load_expected() -> dict[str, dict]:
    data = json.loads((reference_dir() / "expected.json").read_text())
    return {r["id"]: r for r in data["results"]}


# -- normalisation --------------------------------------------------------------------

# (a) The oracle's seed class name, wherever a message names the class.
_SEED_CLASS = re.compile(r"\bSeedROCmTemplateKernel\b")
# (b) "'<module>.ROCmTemplateKernel object' has no attribute ..." from jinja2.UndefinedError.
#     Only the modules the kernel class can come from are accepted: torch's, the oracle
#     script's (run as __main__, or imported as torch_oracle) and rocm-lsp's profiles.
_KERNEL_OBJECT = re.compile(
    r"'(?:torch\._inductor\.codegen\.rocm\.rocm_kernel|__main__|torch_oracle"
    r"|rocm_lsp\.core\.profiles\.(?:seed|rocm_2_13))\.ROCmTemplateKernel object'"
)
KERNEL_OBJECT = "'<kernel module>.ROCmTemplateKernel object'"


def _normalise_error(error: dict[str, str], oracle_side: bool) -> dict[str, str]:
    message = error.get("message", "")
    if oracle_side:
        message = _SEED_CLASS.sub("ROCmTemplateKernel", message)
    if error.get("type") == "UndefinedError":
        message = _KERNEL_OBJECT.sub(KERNEL_OBJECT, message)
    return {**error, "message": message}


def normalise(result: dict, oracle_side: bool) -> dict:
    """A copy of one case's output with the documented differences (a) and (b) removed."""
    out = copy.deepcopy(result)
    for call in out.get("calls", []):
        if "error" in call:
            call["error"] = _normalise_error(call["error"], oracle_side)
    return out


def differences(ours: dict, theirs: dict) -> list[str]:
    """Human-readable differences between our output and the oracle's (after normalising)."""
    ours_n, theirs_n = normalise(ours, False), normalise(theirs, True)
    problems = []
    if "oracle_error" in theirs_n:
        problems.append(f"the oracle rejected the case: {theirs_n['oracle_error']}")
    ours_calls, their_calls = ours_n.get("calls", []), theirs_n.get("calls", [])
    if len(ours_calls) != len(their_calls):
        problems.append(f"{len(ours_calls)} call records, torch has {len(their_calls)}")
    for i, (a, b) in enumerate(zip(ours_calls, their_calls)):
        if "oracle_error" in b:
            problems.append(f"call {i} ({b.get('call')}): oracle rejected it: {b['oracle_error']}")
        elif a != b:
            problems.append(f"call {i} ({b.get('call')}):\n  ours:  {a!r}\n  torch: {b!r}")
    if ours_n.get("state") != theirs_n.get("state"):
        a, b = ours_n.get("state"), theirs_n.get("state")
        problems.append(f"state:\n  ours:  {a!r}\n  torch: {b!r}")
    return problems


def first_divergent_call(ours: dict, theirs: dict) -> int | None:
    """Index of the first call record that differs (after normalising), if any."""
    ours_n, theirs_n = normalise(ours, False), normalise(theirs, True)
    for i, (a, b) in enumerate(zip(ours_n.get("calls", []), theirs_n.get("calls", []))):
        if a != b:
            return i
    return None


# -- the live oracle ------------------------------------------------------------------

ORACLE_HELP = (
    "needs real torch 2.13: run `bash scripts/setup-oracle.sh` (creates .oracle/) or set "
    "ROCM_LSP_ORACLE_PYTHON to a python where `pip install torch==2.13.0` ran"
)


def oracle_python() -> str | None:
    """``$ROCM_LSP_ORACLE_PYTHON``, else ``<repo>/.oracle/bin/python`` if it exists."""
    env = os.environ.get("ROCM_LSP_ORACLE_PYTHON")
    if env:
        return env
    local = REPO / ".oracle" / "bin" / "python"
    return str(local) if local.exists() else None


def oracle_script() -> Path:
    return reference_dir() / "torch_oracle.py"


def run_oracle(cases: list[dict], python: str, timeout: float = 300) -> list[dict]:
    """Run ``torch_oracle.py`` once over ``cases`` (through stdin) and return its results."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [python, str(oracle_script()), "-"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"torch_oracle.py failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    results = json.loads(proc.stdout)["results"]
    if len(results) != len(cases):
        raise RuntimeError(f"torch_oracle.py gave {len(results)} results for {len(cases)} cases")
    return results


def report(case: dict, ours: dict, theirs: dict) -> str:
    """A self-contained description of one divergence: the case and both outputs."""
    lines = [
        "case: " + json.dumps(case),
        *differences(ours, theirs),
        "ours (full):  " + json.dumps(ours),
        "torch (full): " + json.dumps(theirs),
    ]
    return "\n".join(lines)


def referenced_nodes(case: dict) -> set[str]:
    """Names of the nodes a case's calls refer to."""
    used: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"node"} and isinstance(value["node"], str):
                used.add(value["node"])
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    for call in case.get("calls", []):
        if isinstance(call.get("node"), str):
            used.add(call["node"])
        for key in ("inputs", "outputs"):
            if isinstance(call.get(key), list):
                used.update(v for v in call[key] if isinstance(v, str))
        visit(call.get("args", []))
        visit(call.get("kwargs", {}))
        visit(call.get("context", {}))
    return used
