#!/usr/bin/env bash
# Build rocm-lsp's wheel from this checkout, as the working tree has it (the files git tracks and
# the untracked ones it does not ignore), into a folder that then holds that wheel alone:
#
#   bash scripts/build-wheel.sh [DIR]      # default: vscode-extension/server-wheel/
#
# The VS Code extension carries that wheel (`npm run package` calls this) and installs it into a
# private environment. The build runs on a copy, so no build/ or stale files of an earlier build
# reach the wheel. Python: $ROCM_LSP_BUILD_PYTHON, else .venv/bin/python, else python3 (any
# Python >= 3.10 with pip; pip fetches setuptools for the build from the package index).
set -euo pipefail
out=${1:-"$(dirname "$0")/../vscode-extension/server-wheel"} # DIR as the caller names it
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
REPO=$PWD
python=${ROCM_LSP_BUILD_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard -- pyproject.toml README.md LICENSE server |
  while IFS= read -r -d "" file; do if [ -f "$file" ]; then printf "%s\0" "$file"; fi; done |
  tar --null -T - -cf - | tar -xf - -C "$copy"
rm -f "$out"/*.whl
"$python" -m pip wheel --no-deps --no-cache-dir --quiet "$copy" -w "$out"
wheel=$(ls "$out"/rocm_lsp-*-py3-none-any.whl)
echo "${wheel#"$REPO"/}"
