#!/usr/bin/env bash
# Makes sure helm (go install, cached in the tool cache like OPA) is built; prints its path.
#   bash scripts/test-support/helm.sh   → /root/.cache/soma/bin/helm
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/infra/versions.env
source "$ROOT/scripts/infra/versions.env"
SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
SOMA_CACHE_DIR="${SOMA_CACHE_DIR:-$HOME/.cache/soma}"
SOMA_BUILD_TIMEOUT="${SOMA_BUILD_TIMEOUT:-2400}"
# shellcheck source=scripts/infra/lib.sh
source "$ROOT/scripts/infra/lib.sh"
ensure_go_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION" >&2
echo "$SOMA_CACHE_DIR/bin/helm"
