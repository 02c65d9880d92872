#!/usr/bin/env bash
# One device call: the GPU path end to end on the attached card (see docs/benchmarks.md).
# Installs carried wheels (.whl/) into /tmp/site, then for each shipped template that
# builds here: `rocm-lsp bench` (the lens's numbers), an independent CUDA-event/do_bench
# measurement of the same library (bench/independent_timing.py), and torch's own op.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD/server
export ROCM_LSP_CACHE_DIR=/tmp/rocm-lsp-cache
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c 'import torch, sys; print("torch", torch.__version__, "python", sys.version.split()[0])'
for t in "$@"; do
  echo "=== $t"
  python3 -m rocm_lsp bench --output-format json "$t" > "$OUT/$(basename "$t" .hip.jinja).bench.json"
  python3 - "$OUT/$(basename "$t" .hip.jinja).bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["summary"])
r = d["report"]
print(json.dumps({k: r.get(k) for k in ("device", "timing", "bandwidth_gbps", "tflops", "peaks", "check")}, indent=1)[:1500])
PY
  python3 bench/independent_timing.py "$t" | tee "$OUT/$(basename "$t" .hip.jinja).independent.txt"
done
echo "=== a kernel that faults (illegal address)"
timeout 150 python3 -m rocm_lsp bench --timeout 90 tests/fixtures/gpu/fault.hip.jinja; echo "exit $?"
echo "=== a kernel that hangs (worker timeout 20 s)"
timeout 150 python3 -m rocm_lsp bench --timeout 20 tests/fixtures/gpu/hang.hip.jinja; echo "exit $?"
echo "=== the next run works"
python3 -m rocm_lsp bench "$1"; echo "exit $?"
