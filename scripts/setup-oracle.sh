#!/usr/bin/env bash
# Create <repo>/.oracle: a venv with real torch 2.13.0 (CPU) for scripts/record_exactness.py,
# which records tests/exactness/torch-2.13.0.json and is the live oracle of the differential
# tests (tests/test_oracle_differential.py runs it with .oracle/bin/python). docs/exactness.md.
# Idempotent: does nothing when .oracle/bin/python can already import torch.
set -euo pipefail
cd "$(dirname "$0")/.."

torch_version() {
    .oracle/bin/python -c "import torch; print(torch.__version__)" 2>/dev/null
}

if [ -x .oracle/bin/python ] && version=$(torch_version); then
    echo "setup-oracle: .oracle already has torch $version"
    exit 0
fi

python3 -m venv .oracle
.oracle/bin/pip install -q torch==2.13.0
echo "setup-oracle: installed torch $(torch_version) in .oracle"
