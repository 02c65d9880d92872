#!/usr/bin/env bash
# Set everything up on a fresh machine (Python >= 3.10) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# apt_install WHY PACKAGE…: install Debian packages that are missing (as root, where apt exists),
# or say what will be skipped without them.
apt_install() {
  local why="$1"; shift
  dpkg -s "$@" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || { echo "scripts/test.sh: no $*: $why" >&2; return 0; }
  { apt-get install -y -q --no-install-recommends "$@" \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; }; } >/dev/null 2>&1 \
    || echo "scripts/test.sh: could not install $*: $why" >&2
}
# Debian's hipcc (clang 15, ROCm 5.2) for the AMD compile tests, both wavefront sizes; no GPU needed.
command -v hipcc >/dev/null || apt_install "the hipcc compile tests will be skipped" hipcc
# Debian's clang-22 (bookworm-security) with ROCm 5.2's headers and device libraries: AMD device
# code for gfx942, gfx950, gfx90a, gfx1100, gfx1201 (docs/amd-targets.md); no GPU needed.
apt_install "tests/test_amd_targets.py will be skipped" clang-22 llvm-22 lld-22 libamdhip64-dev rocm-device-libs
# Debian's Neovim 0.7.2 for tests/editors/test_neovim.py (the 0.10+ one comes with the test extra).
apt_install "tests/editors/test_neovim.py will fail" neovim
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip 2>/dev/null || true
.venv/bin/pip install -q -e '.[test]'
bash scripts/setup-oracle.sh            # real torch 2.13 (CPU) for the differential tests
.venv/bin/ruff check server tests bench scripts
.venv/bin/ruff format --check server tests bench scripts
.venv/bin/mypy server/rocm_lsp                # types (tool.mypy in pyproject.toml)
ROCM_LSP_ORACLE_PYTHON="$PWD/.oracle/bin/python" .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
bash scripts/test-extension.sh           # build, package and test the VS Code extension in a real VS Code
