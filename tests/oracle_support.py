"""Comparing rocm-lsp's hook results with real torch's (a recording or a live oracle run).

The recordings are ``tests/exactness/torch-<version>.json``, made from the cases in
``tests/exactness/cases.json`` and the bundled templates by ``scripts/record_exactness.py``
(docs/exactness.md); the live oracle is that script run with a Python that has torch.

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
import functools
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXACTNESS = REPO / "tests" / "exactness"
EXACTNESS_TEMPLATES = EXACTNESS / "templates"  # templates that exist for the exactness data only
CASES_FILE = EXACTNESS / "cases.json"
# The torch release rocm-lsp's profiles model; its recording must exist and be current.
REFERENCE_TORCH = "2.13.0"
RECORDER = REPO / "scripts" / "record_exactness.py"
RERECORD = "bash scripts/setup-oracle.sh && .oracle/bin/python scripts/record_exactness.py"


class MissingExactnessData(FileNotFoundError):
    """The recorded torch outputs are not in the checkout."""


def recording_path(version: str = REFERENCE_TORCH) -> Path:
    return EXACTNESS / f"torch-{version}.json"


def recordings() -> list[Path]:
    """Every ``tests/exactness/torch-*.json``, one per recorded torch release."""
    return sorted(EXACTNESS.glob("torch-*.json"))


def _read(path: Path) -> Any:
    if not path.is_file():
        raise MissingExactnessData(
            f"{path.relative_to(REPO)} is missing: the exactness tests compare rocm-lsp with the "
            f"torch outputs recorded there. Restore it from git, or re-record: {RERECORD}"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_cases() -> list[dict]:
    data = _read(CASES_FILE)
    return data["cases"] if isinstance(data, dict) else data


def load_recording(path: Path | None = None) -> dict:
    """A recording: ``torch_version``, ``results`` (one per case), ``templates`` …"""
    return _read(path or recording_path())


def load_expected(path: Path | None = None) -> dict[str, dict]:
    """The recorded torch results by case id (default: the reference torch's recording)."""
    return {r["id"]: r for r in load_recording(path)["results"]}


# -- normalisation --------------------------------------------------------------------

# (a) The oracle's seed class name, wherever a message names the class.
_SEED_CLASS = re.compile(r"\bSeedROCmTemplateKernel\b")
# (b) "'<module>.ROCmTemplateKernel object' has no attribute ..." from jinja2.UndefinedError.
#     Only the modules the kernel class can come from are accepted: torch's, the recording
#     script's (run as __main__, or imported as record_exactness) and rocm-lsp's profiles.
_KERNEL_OBJECT = re.compile(
    r"'(?:torch\._inductor\.codegen\.rocm\.rocm_kernel|__main__|record_exactness"
    r"|rocm_lsp\.core\.model\.profiles\.(?:seed|rocm_2_13))\.ROCmTemplateKernel object'"
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


@functools.cache
def oracle_torch(python: str) -> str:
    """The torch release (``2.15.0``) the oracle python has."""
    done = subprocess.run(
        [python, "-c", "import torch; print(torch.__version__)"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=True,
    )
    return done.stdout.strip().splitlines()[-1].split("+", 1)[0]


def oracle_script() -> Path:
    """The live oracle: the script that also makes the recordings."""
    return RECORDER


def run_oracle(cases: list[dict], python: str, timeout: float = 300) -> list[dict]:
    """Run ``record_exactness.py --run -`` once over ``cases`` (through stdin); its results."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [python, str(oracle_script()), "--run", "-"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"record_exactness.py failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    results = json.loads(proc.stdout)["results"]
    if len(results) != len(cases):
        raise RuntimeError(f"record_exactness.py gave {len(results)} results for {len(cases)} cases")
    return results


def render_with_torch(paths: list[Path], python: str, timeout: float = 300) -> list[dict]:
    """``record_exactness.py --render`` over template files: each one's source and renders."""
    proc = subprocess.run(
        [python, str(oracle_script()), "--render", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"record_exactness.py --render failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)["templates"]


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
