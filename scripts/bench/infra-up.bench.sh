#!/usr/bin/env bash
# Measures `infra:up` on this machine:
#   cold: empty tool cache, empty Go build and module caches, fresh state dir, spare ports — what a fresh
#         machine pays (Debian packages excepted when they are already installed: says so below);
#   warm: a second `up` with everything installed and running.
# Usage: bash scripts/bench/infra-up.bench.sh [--warm-only]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INFRA="$ROOT/scripts/infra/infra.sh"

timed() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN { print b - a }'; }

echo "warm: infra:up with the running services of this clone"
bash "$INFRA" up >/dev/null
printf '  warm up: %.2f s\n' "$(timed bash "$INFRA" up)"

[ "${1:-}" = "--warm-only" ] && exit 0

tmp="$(mktemp -d /tmp/soma-cold.XXXXXX)"
chmod 755 "$tmp"
cleanup() { env "${cold_env[@]}" bash "$INFRA" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
cold_env=(
  SOMA_STATE_DIR="$tmp/state" SOMA_CACHE_DIR="$tmp/cache" GOCACHE="$tmp/go-build" GOMODCACHE="$tmp/go-mod"
  SOMA_PG_PORT=65432 SOMA_REDIS_PORT=62379 SOMA_KAFKA_PORT=62092 SOMA_KAFKA_CONTROLLER_PORT=62093
  SOMA_OPA_PORT=62181 SOMA_FGA_HTTP_PORT=62080 SOMA_FGA_GRPC_PORT=62081 SOMA_FGA_METRICS_PORT=62112
  SOMA_PG_URL=postgres://soma_app:soma_app@127.0.0.1:65432/soma SOMA_PG_OWNER_URL=postgres://soma:soma@127.0.0.1:65432/soma
  SOMA_REDIS_URL=redis://127.0.0.1:62379
  SOMA_KAFKA_BROKERS=127.0.0.1:62092 SOMA_OPA_URL=http://127.0.0.1:62181 SOMA_FGA_URL=http://127.0.0.1:62080
  SOMA_MODEL_PATH="$tmp/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
)
trap cleanup EXIT
missing=""
for p in postgresql-15 redis-server bubblewrap; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
echo "cold: empty caches in $tmp (Debian packages missing here:${missing:- none, so apt time is not included})"
printf '  cold up: %.1f s\n' "$(timed env "${cold_env[@]}" bash "$INFRA" up)"
printf '  second up: %.2f s\n' "$(timed env "${cold_env[@]}" bash "$INFRA" up)"
