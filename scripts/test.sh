#!/usr/bin/env bash
# Set everything up on a fresh machine (Python >= 3.10) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's hipcc (clang 15, ROCm 5.2) for the AMD compile tests, both wavefront sizes; no GPU needed.
if ! command -v hipcc >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  { apt-get install -y -q --no-install-recommends hipcc \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends hipcc; }; } >/dev/null 2>&1 \
    || echo "scripts/test.sh: could not install hipcc; the AMD compile tests will be skipped" >&2
fi
# Debian's Neovim 0.7.2 for tests/editors/test_neovim.py (the 0.10+ one comes with the test extra).
if ! dpkg -s neovim >/dev/null 2>&1 && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  { apt-get install -y -q --no-install-recommends neovim \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends neovim; }; } >/dev/null 2>&1 \
    || echo "scripts/test.sh: could not install neovim; tests/editors/test_neovim.py will fail" >&2
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip 2>/dev/null || true
.venv/bin/pip install -q -e '.[test]'
bash scripts/setup-oracle.sh            # real torch 2.13 (CPU) for the differential tests
.venv/bin/ruff check server tests bench scripts
.venv/bin/ruff format --check server tests bench scripts
.venv/bin/mypy server/rocm_lsp                # types (tool.mypy in pyproject.toml)
ROCM_LSP_ORACLE_PYTHON="$PWD/.oracle/bin/python" .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
bash scripts/test-extension.sh           # build, package and test the VS Code extension in a real VS Code
