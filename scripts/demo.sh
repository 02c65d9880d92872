#!/usr/bin/env bash
# Set everything up and run the main job: check the bundled templates, then preview one.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -e .
.venv/bin/rocm-lsp check templates
echo "---- rocm-lsp render templates/gemm_bias_fp16.hip.jinja ----"
.venv/bin/rocm-lsp render templates/gemm_bias_fp16.hip.jinja
echo
