"""The distribution a user installs: a wheel and sdist that ``twine check`` accepts, a wheel that
installs and runs in a fresh environment, and the README's "on PATH" commands, run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from rocm_lsp import __version__

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(command: list[str] | str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(REPO)])
    return out


def test_build_makes_a_wheel_and_sdist_that_twine_accepts(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"rocm_lsp-{__version__}-py3-none-any.whl", f"rocm_lsp-{__version__}.tar.gz"]
    checked = _run([str(BIN / "twine"), "check", "--strict", *(str(p) for p in sorted(dist.iterdir()))])
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_holds_the_package_data_and_the_command(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"rocm_lsp-{__version__}.dist-info/entry_points.txt").decode()
    assert "rocm_lsp/gpu/hip_compat/hip/hip_runtime.h" in names
    assert {"rocm_lsp/gpu/amd_device/clang_compat.h", "rocm_lsp/gpu/amd_device/oclc_isa_version.ll"} <= names
    assert "rocm_lsp/gpu/bench_worker.py" in names
    assert re.search(r"^rocm-lsp = rocm_lsp\.cli:main$", entry_points, re.M)
    assert not any(n.startswith(("tests/", "rocm_lsp/tests/")) for n in names)


def test_the_sdist_builds_the_same_package(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
    top = f"rocm_lsp-{__version__}"
    assert {f"{top}/pyproject.toml", f"{top}/README.md", f"{top}/server/rocm_lsp/cli.py"} <= names
    assert f"{top}/server/rocm_lsp/gpu/hip_compat/hip/hip_runtime.h" in names
    assert f"{top}/server/rocm_lsp/gpu/amd_device/oclc_isa_version.ll" in names


def test_the_wheel_installs_and_checks_templates_in_a_fresh_environment(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    _run([sys.executable, "-m", "venv", str(tmp_path / "env")])
    _run([str(tmp_path / "env/bin/python"), "-m", "pip", "install", "-q", str(wheel)])
    done = subprocess.run(
        [str(tmp_path / "env/bin/rocm-lsp"), "check", str(REPO / "templates")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    count = len(list((REPO / "templates").glob("*.hip.jinja")))
    assert done.stderr.endswith(f"({count} files).\n") or f"in {count} files." in done.stderr


def _readme_snippet(name: str) -> list[str]:
    text = (REPO / "README.md").read_text()
    m = re.search(rf"<!-- snippet: {name} -->\n```sh\n(.*?)```\n<!-- /snippet -->", text, re.S)
    assert m, f"README.md has no '{name}' snippet"
    return [line.split("  #")[0].strip() for line in m.group(1).splitlines() if line.strip()]


def test_the_readme_on_path_commands_work_as_written(tmp_path: Path) -> None:
    activate, pipx = _readme_snippet("on-path")
    assert activate == "source .venv/bin/activate && rocm-lsp --version"
    assert (REPO / ".venv/bin/activate").exists(), "the Quick start makes .venv (scripts/test.sh)"
    shell = _run(["bash", "-c", activate], cwd=REPO, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert shell.stdout == f"rocm-lsp {__version__}\n"
    # pipx into a fresh home: its default ~/.local/bin, put on PATH as `pipx ensurepath` would
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "PATH": f"{home / '.local/bin'}:{BIN}:/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
    }
    installed = _run(["bash", "-c", pipx], cwd=REPO, env=env)
    assert installed.stdout.endswith(f"rocm-lsp {__version__}\n")
    assert (home / ".local/bin/rocm-lsp").exists()
