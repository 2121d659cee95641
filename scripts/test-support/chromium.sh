#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser tests (playwright-core drives it; no
# browser is downloaded by Playwright). Idempotent and instant when present.
#   bash scripts/test-support/chromium.sh   → prints the chromium executable's path
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "→ installing chromium (Debian package) for the console browser tests" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
    $SUDO apt-get update >/dev/null
    $SUDO apt-get install -y --no-install-recommends chromium >/dev/null
  fi
fi
command -v chromium
