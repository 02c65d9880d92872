"""torch 2.13's own ROCm template modules (``torch/_inductor/codegen/rocm/*.py``) for the tests
that check them: found on this machine, never committed.

Looked for, in order:

1. ``$ROCM_LSP_TORCH_WHEEL``: a torch-2.13.0 wheel (any platform);
2. the torch installed for the oracle, ``$ROCM_LSP_ORACLE_PYTHON`` or ``.oracle/bin/python``
   (``bash scripts/setup-oracle.sh`` makes it), found without importing torch;
3. the torch installed for the running Python;
4. a ``torch-2.13.0*.whl`` in pip's ``find-links`` directories (``pip config``, ``$PIP_FIND_LINKS``).

Only torch 2.13.0 qualifies: the tests pin its findings line by line.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from oracle_support import oracle_python

VERSION = "2.13.0"
ROCM_DIR = "torch/_inductor/codegen/rocm/"
HOW = (
    "run `bash scripts/setup-oracle.sh` (installs torch 2.13.0 into .oracle/), or set "
    "ROCM_LSP_ORACLE_PYTHON to a python where `pip install torch==2.13.0` ran, or "
    "ROCM_LSP_TORCH_WHEEL to a torch-2.13.0 wheel"
)
_FIND_SPEC = (
    "import importlib.util; s = importlib.util.find_spec('torch'); "
    "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')"
)
_VERSION = re.compile(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", re.M)


class TorchSourcesNotFound(LookupError):
    pass


def _installed_version(torch_dir: Path) -> str | None:
    version = torch_dir / "version.py"
    if not version.is_file():
        return None
    m = _VERSION.search(version.read_text(encoding="utf-8", errors="replace"))
    return m.group(1) if m else None


def _installed(torch_dir: Path | None) -> Path | None:
    """``torch_dir`` when it is torch 2.13.0 with its ROCm codegen modules."""
    if torch_dir is None or not (torch_dir / "_inductor" / "codegen" / "rocm").is_dir():
        return None
    version = _installed_version(torch_dir)
    return torch_dir if version and version.split("+")[0] == VERSION else None


def _torch_dir_of(python: str) -> Path | None:
    try:
        proc = subprocess.run(
            [python, "-c", _FIND_SPEC], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    found = proc.stdout.strip()
    return Path(found) if proc.returncode == 0 and found else None


def _here() -> Path | None:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _find_links() -> list[Path]:
    entries = os.environ.get("PIP_FIND_LINKS", "").split()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for line in proc.stdout.splitlines():
            key, _, value = line.partition("=")
            if key.endswith("find-links"):
                entries += value.strip().strip("'\"").split()
    except OSError:
        pass
    return [Path(e.removeprefix("file://")) for e in entries]


def _wheel_in_find_links() -> Path | None:
    for directory in _find_links():
        if directory.is_dir():
            wheels = sorted(directory.glob(f"torch-{VERSION}*.whl"))
            if wheels:
                return wheels[0]
    return None


def locate() -> tuple[str, Path]:
    """``("wheel", path)`` or ``("installed", torch_dir)``; raises :class:`TorchSourcesNotFound`."""
    env = os.environ.get("ROCM_LSP_TORCH_WHEEL")
    if env:
        if not Path(env).is_file():
            raise TorchSourcesNotFound(f"ROCM_LSP_TORCH_WHEEL={env} is not a file")
        return "wheel", Path(env)
    python = oracle_python()
    for torch_dir in (_torch_dir_of(python) if python else None, _here()):
        found = _installed(torch_dir)
        if found is not None:
            return "installed", found
    wheel = _wheel_in_find_links()
    if wheel is not None:
        return "wheel", wheel
    raise TorchSourcesNotFound(f"no torch {VERSION} found on this machine: {HOW}")


def copy_rocm_modules(dest: Path) -> Path:
    """``dest/torch/_inductor/codegen/rocm/`` holding torch 2.13's ``*.py`` there; returns it."""
    kind, where = locate()
    out = dest / ROCM_DIR
    out.mkdir(parents=True, exist_ok=True)
    if kind == "wheel":
        with zipfile.ZipFile(where) as zf:
            members = [n for n in zf.namelist() if n.startswith(ROCM_DIR) and n.endswith(".py")]
            if not members:
                raise TorchSourcesNotFound(f"{where} holds no {ROCM_DIR}")
            for name in members:
                zf.extract(name, dest)
    else:
        for path in sorted((where / "_inductor" / "codegen" / "rocm").glob("*.py")):
            shutil.copyfile(path, out / path.name)
    if not any(out.glob("*.py")):
        raise TorchSourcesNotFound(f"{where} holds no {ROCM_DIR}*.py")
    return out
