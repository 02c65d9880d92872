"""Which torch a Python module belongs to: the version its PyTorch checkout or installed torch
declares, read as text (``torch/version.py``, the checkout's ``version.txt``), never imported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rocm_lsp.core.model.profiles import DEFAULT_PYTHON_PROFILE, canonical_profile, profile_for_torch

MAX_VERSION_FILE = 64 * 1024  # a version file is a few hundred bytes
MAX_LEVELS = 12  # torch/_inductor/codegen/rocm/x.py sits 4 levels under the tree's top
_VERSION_PY = re.compile(r"""^__version__\s*=\s*['"]([^'"\n]{1,64})['"]""", re.M)
_VERSION_TXT = re.compile(r"\A\s*(\d+\.\d+[^\s]{0,48})\s*$")


@dataclass(frozen=True)
class ProfileChoice:
    """The profile in force for a file and why (shown by hover and the status item)."""

    name: str
    reason: str


def _read_small(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as f:
            return f.read(MAX_VERSION_FILE).decode("utf-8", "replace")
    except OSError:
        return None


def declared_torch_version(path: Path) -> tuple[str, Path] | None:
    """The torch version of the tree holding ``path``, and the file that says it."""
    folder = path.parent
    for _ in range(MAX_LEVELS):
        if folder.name == "torch":
            text = _read_small(folder / "version.py")
            m = _VERSION_PY.search(text) if text is not None else None
            if m:
                return m.group(1), folder / "version.py"
            text = _read_small(folder.parent / "version.txt")  # a checkout that was not built
            m = _VERSION_TXT.match(text) if text is not None else None
            if m:
                return m.group(1), folder.parent / "version.txt"
        if folder.parent == folder:
            return None
        folder = folder.parent
    return None


def python_profile(path: Path | None, setting: str | None) -> ProfileChoice:
    """The profile for a Python template module: the setting, else its torch tree's version,
    else the newest profile."""
    name = canonical_profile(setting)
    if name is not None:
        return ProfileChoice(name, "from the profile setting")
    found = declared_torch_version(path) if path is not None else None
    if found is not None:
        version, where = found
        name = profile_for_torch(version)
        if name is not None:
            return ProfileChoice(name, f"torch {version}, from {where}")
        return ProfileChoice(
            DEFAULT_PYTHON_PROFILE, f"torch {version} ({where}) has no profile; the newest applies"
        )
    return ProfileChoice(DEFAULT_PYTHON_PROFILE, "no torch tree around the file; the newest profile applies")
