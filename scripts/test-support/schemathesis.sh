#!/usr/bin/env bash
# Makes sure the contract fuzzer (schemathesis, from PyPI) is installed in a venv in the tool cache. The first
# install takes a minute; later runs reuse the venv.
#   bash scripts/test-support/schemathesis.sh   → prints the schemathesis executable's path
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/infra/versions.env
source "$ROOT/scripts/infra/versions.env"
CACHE="${SOMA_CACHE_DIR:-$HOME/.cache/soma}"
VENV="$CACHE/schemathesis-venv"
LOG="$CACHE/logs/schemathesis-install.log"
mkdir -p "$CACHE/logs"
have() { "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')" 2>/dev/null; }
if ! have; then
  echo "→ installing schemathesis==$SCHEMATHESIS_VERSION into $VENV (log: $LOG)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check --no-input "schemathesis==$SCHEMATHESIS_VERSION" >>"$LOG" 2>&1 ||
    { echo "schemathesis install failed; see $LOG" >&2; exit 1; }
fi
echo "$VENV/bin/schemathesis"
