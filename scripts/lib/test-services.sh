# Brings up what the integration and fault tests run against. Sourced by scripts/test.sh and scripts/faults.sh
# (after scripts/lib/node.sh, with SOMA_STATE_DIR exported).
# shellcheck shell=bash

# Tests authenticate with this bootstrap admin key; provisioning registers it.
export SOMA_ADMIN_API_KEY="${SOMA_ADMIN_API_KEY:-soma_test_admin_key_change_me_0000000000000000}"

# The tests start their own app processes; a platform started by `npm run platform` would share their
# consumer groups, so its apps are stopped first (the infrastructure keeps running). Exports infra.env.
prepare_test_services() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  bash "$root/scripts/platform.sh" stop-apps
  bash "$root/scripts/infra/infra.sh" up
  # On CI nothing may outlive the run: the next job on this machine needs the ports.
  # shellcheck disable=SC2064 # root is expanded now, on purpose
  if [ "${CI:-}" = "true" ]; then trap "bash '$root/scripts/infra/infra.sh' down >/dev/null 2>&1 || true" EXIT; fi
  # shellcheck disable=SC1091
  source "$SOMA_STATE_DIR/infra.env"
}

# The fault table's result files (scripts/faults/fault-table.ts).
fault_table() { node "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/dist/scripts/faults/fault-table.js" "$1"; }
