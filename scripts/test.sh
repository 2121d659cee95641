#!/usr/bin/env bash
# Runs every test against the real services: lint, type checks, unit tests, then integration and end-to-end
# tests that start the four apps as processes against Kafka, PostgreSQL, Redis and the local model.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
# Tests authenticate with this bootstrap admin key; provisioning registers it.
export SOMA_ADMIN_API_KEY="${SOMA_ADMIN_API_KEY:-soma_test_admin_key_change_me_0000000000000000}"
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"

started=$SECONDS
ensure_node_project

echo "→ lint (eslint, type-aware; prettier)"
npx --no-install eslint . --max-warnings=0
npx --no-install prettier --check . >/dev/null
echo "→ typecheck (tests included; the console with the DOM library)"
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install tsc -p apps/console/tsconfig.json --noEmit

# The tests start their own app processes; a platform started by `npm run platform` would share their
# consumer groups, so its apps are stopped first (the infrastructure keeps running).
bash "$ROOT/scripts/platform.sh" stop-apps
bash "$ROOT/scripts/infra/infra.sh" up
# The OpenAI-compatible provider is tested against a real independent server serving the same model.
SOMA_LLAMA_SERVER_PYTHON="$(bash "$ROOT/scripts/test-support/llama-server.sh")"
export SOMA_LLAMA_SERVER_PYTHON
# The console's browser tests drive Debian's Chromium.
SOMA_CHROMIUM="$(bash "$ROOT/scripts/test-support/chromium.sh")"
export SOMA_CHROMIUM
# On CI nothing may outlive the run: the next job on this machine needs the ports.
if [ "${CI:-}" = "true" ]; then trap 'bash "$ROOT/scripts/infra/infra.sh" down >/dev/null 2>&1 || true' EXIT; fi
# shellcheck disable=SC1091
source "$SOMA_STATE_DIR/infra.env"

echo "→ policy unit tests (opa test)"
"${SOMA_CACHE_DIR:-$HOME/.cache/soma}/bin/opa" test "$ROOT/opa/rego" -v

results="$SOMA_STATE_DIR/test-results.json"
rm -f "$results"
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?

node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
echo "(total $((SECONDS - started)) s)"
exit "$status"
