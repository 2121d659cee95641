#!/usr/bin/env bash
# The whole platform on one machine, no Docker: infrastructure, provisioning, and the four apps.
#   bash scripts/platform.sh up | down | status | stop-apps
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
RUN_DIR="$SOMA_STATE_DIR/run/apps"
LOG_DIR="$SOMA_STATE_DIR/logs"
APPS=(conversation-worker tool-executor requeue gateway)
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"

port_of() {
  case "$1" in
    gateway) echo "${SOMA_GATEWAY_PORT:-3000}" ;;
    conversation-worker) echo "${SOMA_WORKER_PORT:-3001}" ;;
    tool-executor) echo "${SOMA_TOOL_EXECUTOR_PORT:-3002}" ;;
    requeue) echo "${SOMA_REQUEUE_PORT:-3003}" ;;
  esac
}

app_pid() {
  local file="$RUN_DIR/$1.pid"
  [ -f "$file" ] || return 1
  local pid
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then echo "$pid"; else rm -f "$file"; return 1; fi
}

start_app() {
  local app="$1" port
  port="$(port_of "$app")"
  if pid="$(app_pid "$app")"; then
    echo "  ✓ $app already running (pid $pid)"
    return
  fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  (cd "$ROOT" && exec node --enable-source-maps "dist/apps/$app/src/main.js") >>"$LOG_DIR/$app.log" 2>&1 &
  echo $! >"$RUN_DIR/$app.pid"
}

wait_ready() {
  local app="$1" port deadline
  port="$(port_of "$app")"
  deadline=$((SECONDS + 90))
  until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    if ! app_pid "$app" >/dev/null; then
      echo "  ✗ $app exited during start; last lines of $LOG_DIR/$app.log:" >&2
      tail -n 20 "$LOG_DIR/$app.log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "  ✗ $app not ready after 90 s; see $LOG_DIR/$app.log and http://127.0.0.1:$port/health/ready" >&2
      exit 1
    fi
    sleep 0.3
  done
  echo "  ✓ $app ready on http://127.0.0.1:$port"
}

stop_apps() {
  local app pid
  for app in gateway requeue tool-executor conversation-worker; do
    if pid="$(app_pid "$app")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$RUN_DIR/$app.pid"
      echo "  ✓ stopped $app"
    fi
  done
}

case "${1:-up}" in
  up)
    started=$SECONDS
    ensure_node_project
    bash "$ROOT/scripts/infra/infra.sh" up
    # shellcheck disable=SC1091
    [ -f "$SOMA_STATE_DIR/infra.env" ] && source "$SOMA_STATE_DIR/infra.env"
    echo "→ apps"
    for app in "${APPS[@]}"; do start_app "$app"; done
    for app in "${APPS[@]}"; do wait_ready "$app"; done
    key_hint='$SOMA_ADMIN_API_KEY'
    [ -z "${SOMA_ADMIN_API_KEY:-}" ] && key_hint="\$(cat $SOMA_STATE_DIR/admin-api-key)"
    cat <<MSG

SomaAgent is up ($((SECONDS - started)) s).
  API        http://127.0.0.1:$(port_of gateway)/v1
  Swagger    http://127.0.0.1:$(port_of gateway)/docs
  Metrics    http://127.0.0.1:$(port_of gateway)/metrics (and :$(port_of conversation-worker), :$(port_of tool-executor), :$(port_of requeue))
  Logs       $LOG_DIR
  Admin key  $key_hint
Stop with: npm run platform:down
MSG
    ;;
  stop-apps) stop_apps ;;
  down)
    stop_apps
    bash "$ROOT/scripts/infra/infra.sh" down
    ;;
  status)
    for app in "${APPS[@]}"; do
      if pid="$(app_pid "$app")"; then echo "$app: running (pid $pid, port $(port_of "$app"))"; else echo "$app: stopped"; fi
    done
    bash "$ROOT/scripts/infra/infra.sh" status
    ;;
  *)
    echo "usage: $0 up|down|status|stop-apps" >&2
    exit 2
    ;;
esac
