#!/usr/bin/env bash
# Applies what the apps need on top of running services: topics, migrations, bootstrap tenant and key.
# Called by scripts/infra/infra.sh at the end of `up`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"
ensure_node_project
export SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
cd "$ROOT"
node dist/scripts/provision/provision.js
