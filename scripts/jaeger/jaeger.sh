#!/usr/bin/env bash
# Jaeger all-in-one for local tracing: the Jaeger v2 binary (an OpenTelemetry Collector distribution) built from
# the Go module proxy and cached in the tool cache like OPA, run with an in-memory store, every port on 127.0.0.1.
#   bash scripts/jaeger/jaeger.sh bin              → builds (once) and prints the binary's path
#   bash scripts/jaeger/jaeger.sh up | down | status
#   bash scripts/jaeger/jaeger.sh env              → prints OTEL_EXPORTER_OTLP_ENDPOINT=... for the apps
# Ports (defaults): SOMA_JAEGER_OTLP_HTTP_PORT 4318, SOMA_JAEGER_OTLP_GRPC_PORT 4317, SOMA_JAEGER_QUERY_PORT 16686
# (UI and /api), SOMA_JAEGER_QUERY_GRPC_PORT 16685. SOMA_STATE_DIR holds its config, pid file and log.
#
# Why not `go install ...@v1.75.0`: Jaeger's go.mod has replace directives, which `go install pkg@version` refuses.
# The binary is built from a throwaway module that requires Jaeger instead (the replaces do not apply to a
# dependency, as with any library use of it), then checked for the version recorded in it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/infra/versions.env
source "$ROOT/scripts/infra/versions.env"
CACHE="${SOMA_CACHE_DIR:-$HOME/.cache/soma}"
STATE="${SOMA_STATE_DIR:-$ROOT/.soma}"
BIN="$CACHE/bin/jaeger"
BUILD_LOG="$CACHE/logs/jaeger-build.log"
BUILD_TIMEOUT="${SOMA_BUILD_TIMEOUT:-2400}"
DIR="$STATE/jaeger"
PID_FILE="$STATE/run/jaeger.pid"
LOG="$STATE/logs/jaeger.log"
OTLP_HTTP_PORT="${SOMA_JAEGER_OTLP_HTTP_PORT:-4318}"
OTLP_GRPC_PORT="${SOMA_JAEGER_OTLP_GRPC_PORT:-4317}"
QUERY_PORT="${SOMA_JAEGER_QUERY_PORT:-16686}"
QUERY_GRPC_PORT="${SOMA_JAEGER_QUERY_GRPC_PORT:-16685}"
MODULE=github.com/jaegertracing/jaeger
PKG=$MODULE/cmd/jaeger

go_cmd() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  else return 1; fi
}

# The Jaeger version recorded in the binary by the Go toolchain (the dependency line of the throwaway module).
bin_version() {
  local go
  [ -x "$BIN" ] || return 1
  go="$(go_cmd)" || return 1
  "$go" version -m "$BIN" 2>/dev/null | awk -v m="$MODULE" '($1 == "dep" || $1 == "mod") && $2 == m { print $3; exit }'
}

ensure_bin() {
  local want="v$JAEGER_VERSION" go tmp have
  mkdir -p "$CACHE/bin" "$CACHE/logs"
  # One build at a time per cache (other clones, other helpers): the second waits and reuses the first's result.
  exec 8>"$CACHE/jaeger-build.lock"
  flock -w "$BUILD_TIMEOUT" 8 || { echo "timed out waiting for another Jaeger build ($CACHE/jaeger-build.lock)" >&2; exit 1; }
  if [ "$(bin_version || true)" = "$want" ]; then exec 8>&-; return; fi
  go="$(go_cmd)" || { echo "go not found: needed to build Jaeger $want (or put the binary at $BIN)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  echo "→ building Jaeger $want from the Go module proxy (many minutes on 2 cores; log $BUILD_LOG)" >&2
  printf '\n===== %s jaeger.sh: build %s@%s =====\n' "$(date '+%F %T')" "$PKG" "$want" >>"$BUILD_LOG"
  # Low parallelism: the machine is shared, and a parallel link of this size can exhaust its memory.
  if ! (cd "$tmp" && export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -p=${SOMA_GO_BUILD_PARALLELISM:-1}" &&
    "$go" mod init soma-jaeger-build && "$go" get -tool "$PKG@$want" &&
    timeout "$BUILD_TIMEOUT" nice -n 10 "$go" build -trimpath -o "$BIN.partial" "$PKG") >>"$BUILD_LOG" 2>&1 9>&- 8>&-; then
    rm -rf "$tmp" "$BIN.partial"
    echo "Jaeger build failed; last lines of $BUILD_LOG:" >&2
    tail -n 15 "$BUILD_LOG" >&2
    exit 1
  fi
  rm -rf "$tmp"
  mv "$BIN.partial" "$BIN"
  have="$(bin_version || true)"
  [ "$have" = "$want" ] || { echo "$BIN records Jaeger '$have' after the build, want $want" >&2; exit 1; }
  exec 8>&-
}

write_config() {
  mkdir -p "$DIR" "$STATE/run" "$STATE/logs"
  cat >"$DIR/config.yaml" <<YML
# Written by scripts/jaeger/jaeger.sh; edit that script, not this file.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    # No internal metrics listener (it would take port 8888 on every clone of the machine).
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:$QUERY_PORT
    grpc:
      endpoint: 127.0.0.1:$QUERY_GRPC_PORT
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 20000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$OTLP_GRPC_PORT
      http:
        endpoint: 127.0.0.1:$OTLP_HTTP_PORT
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
YML
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" == *"$DIR/config.yaml"* ]] || return 1
  echo "$pid"
}

port_open() {
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

ready() {
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:$QUERY_PORT/api/services" && port_open "$OTLP_HTTP_PORT"
}

up() {
  local pid port
  if pid="$(running_pid)"; then
    echo "  ✓ jaeger already running (pid $pid), UI and API on http://127.0.0.1:$QUERY_PORT"
    return
  fi
  ensure_bin
  for port in "$OTLP_HTTP_PORT" "$OTLP_GRPC_PORT" "$QUERY_PORT" "$QUERY_GRPC_PORT"; do
    if port_open "$port"; then
      echo "  ✗ 127.0.0.1:$port is in use by another process; set SOMA_JAEGER_*_PORT (scripts/jaeger/jaeger.sh)" >&2
      exit 1
    fi
  done
  write_config
  printf '\n===== %s jaeger.sh up =====\n' "$(date '+%F %T')" >>"$LOG"
  # Its own session, descriptors above 2 closed: it outlives this script and holds no caller's pipe open.
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; for f in /proc/$$/fd/*; do f=${f##*/}; if [ "$f" -gt 2 ]; then exec {f}>&-; fi; done; exec "$@"' \
    "$PID_FILE" "$BIN" --config "file:$DIR/config.yaml" </dev/null >>"$LOG" 2>&1 &
  for _ in $(seq 1 150); do
    if ready; then
      echo "  ✓ jaeger ready: OTLP http://127.0.0.1:$OTLP_HTTP_PORT, UI and API http://127.0.0.1:$QUERY_PORT"
      return
    fi
    if [ -s "$PID_FILE" ] && ! running_pid >/dev/null; then
      echo "  ✗ jaeger exited; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "  ✗ jaeger not ready after 30 s; see $LOG" >&2
  exit 1
}

down() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    echo "  ✓ jaeger stopped (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  bin) ensure_bin && echo "$BIN" ;;
  up) up ;;
  down) down ;;
  env) echo "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$OTLP_HTTP_PORT" ;;
  status) if pid="$(running_pid)"; then echo "jaeger running (pid $pid), http://127.0.0.1:$QUERY_PORT"; else echo "jaeger stopped"; fi ;;
  *) echo "usage: $0 bin | up | down | status | env" >&2; exit 2 ;;
esac
