#!/usr/bin/env bash
# Runs every test against the real services: lint, type checks, unit tests, integration and end-to-end tests
# that start the four apps as processes against Kafka, PostgreSQL, Redis and the local model, then the fault
# suite (test/faults: real signals to those services) on its own, and the table of what each fault cost.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"
# shellcheck source=scripts/lib/test-services.sh
source "$ROOT/scripts/lib/test-services.sh"

started=$SECONDS
ensure_node_project

echo "→ lint (eslint, type-aware; prettier)"
npx --no-install eslint . --max-warnings=0
npx --no-install prettier --check . >/dev/null
echo "→ typecheck (tests included; the console with the DOM library)"
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install tsc -p apps/console/tsconfig.json --noEmit

prepare_test_services
# The OpenAI-compatible provider is tested against a real independent server serving the same model.
SOMA_LLAMA_SERVER_PYTHON="$(bash "$ROOT/scripts/test-support/llama-server.sh")"
export SOMA_LLAMA_SERVER_PYTHON
# The Helm chart's test renders it with helm (go install, cached like OPA).
bash "$ROOT/scripts/test-support/helm.sh" >/dev/null
# The tracing test starts Jaeger (built from the Go module proxy once, cached like OPA; minutes the first time).
bash "$ROOT/scripts/jaeger/jaeger.sh" bin >/dev/null
# The OpenAPI contract is fuzzed against the running gateway by schemathesis (PyPI, in a venv in the tool cache).
SOMA_SCHEMATHESIS="$(bash "$ROOT/scripts/test-support/schemathesis.sh")"
export SOMA_SCHEMATHESIS
# The console's browser tests drive Debian's Chromium.
SOMA_CHROMIUM="$(bash "$ROOT/scripts/test-support/chromium.sh")"
export SOMA_CHROMIUM

echo "→ policy unit tests (opa test)"
"${SOMA_CACHE_DIR:-$HOME/.cache/soma}/bin/opa" test "$ROOT/opa/rego" -v
echo "→ alert and recording rule unit tests (promtool test rules)"
bash "$ROOT/scripts/prometheus/prometheus.sh" test

# Two runs: the fault suite stops and kills the services every other test needs, so it goes last, alone.
results="$SOMA_STATE_DIR/test-results.json"
fault_results="$SOMA_STATE_DIR/test-results-faults.json"
rm -f "$results" "$fault_results"
fault_table clear
status=0
npx --no-install vitest run --project unit --project integration \
  --reporter=default --reporter=json --outputFile="$results" || status=$?
npx --no-install vitest run --project faults \
  --reporter=default --reporter=json --outputFile="$fault_results" || status=$((status == 0 ? 1 : status))

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    // No report means the run broke before it could write one.
    if (!fs.existsSync(file)) { failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`\nvitest: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" "$fault_results"
fault_table print || status=$((status == 0 ? 1 : status))
echo "(total $((SECONDS - started)) s)"
exit "$status"
