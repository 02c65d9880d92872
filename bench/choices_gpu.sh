#!/usr/bin/env bash
# One device call (docs/benchmarks.md, "Against Inductor's choices"): on the attached GPU,
#   tune     every shipped template with a [tune] table: `rocm-lsp tune` (JSON and Markdown)
#   measure  every shipped template that builds here: `rocm-lsp bench` (the lens: kernel,
#            eager baseline and torch.compile in one worker run) and bench/independent_timing.py
#            (Triton do_bench of the same library: the 3% check), then bench/choices_table.py
# Usage: bash bench/choices_gpu.sh tune|measure [TEMPLATE ...]; results go to $OUT (default ./out).
# Dependencies travel as wheels in .whl/ (installed into /tmp/site when the directory exists).
set -uo pipefail
mode=${1:?tune or measure}; shift
OUT=${OUT:-out}; mkdir -p "$OUT"
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD/server
fi
export ROCM_LSP_CACHE_DIR=${ROCM_LSP_CACHE_DIR:-/tmp/rocm-lsp-cache}
templates=("$@")
[[ ${#templates[@]} -eq 0 ]] && templates=(templates/*.hip.jinja)
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1
  python3 -c 'import torch, sys; print(f"torch {torch.__version__}, python {sys.version.split()[0]}")'
  nvcc --version 2>/dev/null | tail -1
} | tee "$OUT/machine.txt"
for t in "${templates[@]}"; do
  grep -q 'ck/' "$t" && continue  # Composable Kernel: AMD only
  n=$(basename "$t" .hip.jinja)
  if [[ $mode == tune ]]; then
    grep -q '^\[tune\]' "$t" || continue
    echo "=== tune $n"
    timeout 400 python3 -m rocm_lsp tune --output-format json "$t" > "$OUT/$n.tune.json"
    python3 - "$OUT/$n.tune.json" "$OUT/$n.tune.md" <<'PY'
import json, sys
sys.path.insert(0, "server")
d = json.load(open(sys.argv[1]))
print(d["headline"], "|", d["plan"]["description"], "|", d["seconds"], "s")
for r in d["trials"][:5] + [r for r in d["trials"] if r["status"] != "ok"][:5]:
    print(" ", r["rank"], r["label"], r["status"], r["median_ms"], (r["reason"] or "")[:120])
PY
  else
    echo "=== measure $n"
    timeout 300 python3 -m rocm_lsp bench --output-format json "$t" > "$OUT/$n.bench.json"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$OUT/$n.bench.json"
    also=()
    [[ $n == gemm* ]] && also=(--also "mm=X @ W")
    timeout 300 python3 bench/independent_timing.py "$t" "${also[@]}" > "$OUT/$n.independent.json"
  fi
done
[[ $mode == measure ]] && python3 bench/choices_table.py "$OUT" | tee "$OUT/table.md"
exit 0
