#!/usr/bin/env bash
# Set everything up on a fresh machine (Python >= 3.10) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip 2>/dev/null || true
.venv/bin/pip install -q -e '.[test]'
bash scripts/setup-oracle.sh            # real torch 2.13 (CPU) for the differential tests
.venv/bin/ruff check server tests bench
ROCM_LSP_ORACLE_PYTHON="$PWD/.oracle/bin/python" .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
