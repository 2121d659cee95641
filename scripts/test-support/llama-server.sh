#!/usr/bin/env bash
# Makes sure the test-only OpenAI-compatible server (llama-cpp-python[server]) is installed in a venv in the
# tool cache. The first install compiles llama.cpp (minutes on 2 cores); later runs reuse the venv.
#   bash scripts/test-support/llama-server.sh   → prints the venv's python path
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/infra/versions.env
source "$ROOT/scripts/infra/versions.env"
CACHE="${SOMA_CACHE_DIR:-$HOME/.cache/soma}"
VENV="$CACHE/llama-server-venv"
LOG="$CACHE/logs/llama-server-build.log"
mkdir -p "$CACHE/logs"
have() { "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('llama_cpp_python') != '$LLAMA_CPP_PYTHON_VERSION')" 2>/dev/null; }
if ! have; then
  echo "→ installing llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION into $VENV (compiles llama.cpp; log: $LOG)" >&2
  python3 -m venv "$VENV"
  CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF" \
    "$VENV/bin/pip" install --disable-pip-version-check --no-input "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" >>"$LOG" 2>&1 ||
    { echo "llama-cpp-python install failed; see $LOG" >&2; exit 1; }
fi
echo "$VENV/bin/python"
