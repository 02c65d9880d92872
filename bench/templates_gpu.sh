#!/usr/bin/env bash
# One device call: every shipped template that builds on NVIDIA, benchmarked by the lens path
# (`rocm-lsp bench`) and independently (bench/independent_timing.py: kernel and torch's op).
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD/server ROCM_LSP_CACHE_DIR=/tmp/rocm-lsp-cache
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
for t in templates/*.hip.jinja; do
  grep -q 'ck/' "$t" && continue
  n=$(basename "$t" .hip.jinja)
  echo "=== $n"
  timeout 300 python3 -m rocm_lsp bench "$t" | head -3
  also=()
  [[ $n == gemm* ]] && also=(--also "mm=X @ W")  # the GEMM is also compared with torch.mm alone
  timeout 300 python3 bench/independent_timing.py "$t" "${also[@]}" > "$OUT/$n.json" && python3 - "$OUT/$n.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k, t = d["kernel_ms_do_bench"], d["torch_reference_ms_do_bench"]
print(f"  independent: kernel {k:.4f} ms ({d['kernel_tb_per_s']:.2f} TB/s), torch {t:.4f} ms, torch/kernel = {t / k:.2f}")
if "torch_mm_ms_do_bench" in d:
    print(f"  GEMM: kernel {d['kernel_tflops']:.1f} TFLOP/s, torch.mm {d['torch_mm_tflops']:.1f} TFLOP/s, "
          f"kernel reaches {d['kernel_over_torch_mm']:.1%} of torch.mm")
PY
done
