#!/usr/bin/env bash
# The fault suite alone (`npm run faults`): real signals stop, kill and freeze the project's PostgreSQL, Redis
# and Kafka while the four apps run (test/faults/*.fault-spec.ts), then the table of what each scenario cost.
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
prepare_test_services
fault_table clear
status=0
npx --no-install vitest run --project faults || status=$?
fault_table print || status=1
echo "(total $((SECONDS - started)) s)"
exit "$status"
