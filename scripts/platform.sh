#!/usr/bin/env bash
# The whole platform on one machine, no Docker: infrastructure, provisioning, and the four apps.
#   bash scripts/platform.sh up [--scale app=N ...] | down | status [--json] | apps [app ...] | stop-apps
# Instance 1 of an app uses the app's port ($RUN_DIR/<app>.pid); instance i > 1 gets a free port
# ($RUN_DIR/<app>-<i>.pid). Each pid file has a <same name>.instance beside it: app, instanceId, port, pid.
# Every instance runs under a supervisor (<same name>.supervisor holds its pid): an instance that exits is
# started again after a backoff (1 s doubling to 30 s, back to 1 s after a minute up), each restart logged in the
# instance's log and counted in <same name>.restarts; `down`/`stop-apps` stop the supervisor first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT_REAL="$(cd "$ROOT" && pwd -P)"
export SOMA_STATE_DIR="${SOMA_STATE_DIR:-$ROOT/.soma}"
# The gateway reads the console's dashboard from the Prometheus this script starts (unless told another one).
export SOMA_PROMETHEUS_URL="${SOMA_PROMETHEUS_URL:-http://127.0.0.1:${SOMA_PROMETHEUS_PORT:-19090}}"
RUN_DIR="$SOMA_STATE_DIR/run/apps"
LOG_DIR="$SOMA_STATE_DIR/logs"
APPS=(conversation-worker tool-executor requeue gateway)
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"

port_var_of() {
  case "$1" in
    gateway) echo SOMA_GATEWAY_PORT ;;
    conversation-worker) echo SOMA_WORKER_PORT ;;
    tool-executor) echo SOMA_TOOL_EXECUTOR_PORT ;;
    requeue) echo SOMA_REQUEUE_PORT ;;
  esac
}

port_of() {
  case "$1" in
    gateway) echo "${SOMA_GATEWAY_PORT:-3000}" ;;
    conversation-worker) echo "${SOMA_WORKER_PORT:-3001}" ;;
    tool-executor) echo "${SOMA_TOOL_EXECUTOR_PORT:-3002}" ;;
    requeue) echo "${SOMA_REQUEUE_PORT:-3003}" ;;
  esac
}

# Instance 1 keeps the pid file name of a single-instance platform.
inst_base() { if [ "$2" -eq 1 ]; then echo "$RUN_DIR/$1"; else echo "$RUN_DIR/$1-$2"; fi; }
inst_log() { if [ "$2" -eq 1 ]; then echo "$LOG_DIR/$1.log"; else echo "$LOG_DIR/$1-$2.log"; fi; }

inst_forget() {
  local base
  base="$(inst_base "$1" "$2")"
  rm -f "$base.pid" "$base.instance" "$base.supervisor" "$base.restarts" "$base.stopping"
}

# supervisor_alive <app> <i>: the instance's supervisor runs (between an exit and its restart, no app pid does).
supervisor_alive() {
  local file pid
  file="$(inst_base "$1" "$2").supervisor"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [[ $pid =~ ^[0-9]+$ ]] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q "platform.sh supervise $1 $2 "
}

inst_restarts() {
  local file
  file="$(inst_base "$1" "$2").restarts"
  if [ -f "$file" ]; then cat "$file"; else echo 0; fi
}

# is_app_process <pid> <app>: alive, running this app's main.js, from this clone (pids get reused).
is_app_process() {
  local cmd
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  cmd="$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)" || return 1
  [[ $cmd == *"dist/apps/$2/src/main.js"* && "$(readlink "/proc/$1/cwd" 2>/dev/null)" == "$ROOT_REAL" ]]
}

# inst_pid <app> <i>: the pid if that instance runs.
inst_pid() {
  local file pid
  file="$(inst_base "$1" "$2").pid"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  if is_app_process "$pid" "$1"; then
    echo "$pid"
  else
    supervisor_alive "$1" "$2" || inst_forget "$1" "$2"
    return 1
  fi
}

inst_port() {
  local meta
  meta="$(inst_base "$1" "$2").instance"
  if [ -f "$meta" ]; then
    sed -n 's/^port=//p' "$meta"
  elif [ "$2" -eq 1 ]; then
    port_of "$1" # started before instance files existed
  fi
}

# inst_indexes <app>: indexes of the instances that have a pid file, ascending.
inst_indexes() {
  local f i
  {
    [ -f "$RUN_DIR/$1.pid" ] && echo 1
    for f in "$RUN_DIR/$1"-*.pid; do
      [ -e "$f" ] || continue
      i="${f#"$RUN_DIR/$1-"}"
      i="${i%.pid}"
      [[ $i =~ ^[0-9]+$ ]] && echo "$i"
    done
  } | sort -n
}

port_listening() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/" 2>/dev/null
  fi
}

# A port is claimed by instance 1 of any app, or by an instance file of this platform.
port_claimed() {
  local app meta
  for app in "${APPS[@]}"; do [ "$(port_of "$app")" = "$1" ] && return 0; done
  for meta in "$RUN_DIR"/*.instance; do
    [ -e "$meta" ] || continue
    grep -qx "port=$1" "$meta" && return 0
  done
  return 1
}

# free_port <app> <i>: instance i tries port + 10*(i-1) first (gateway 3010, 3020...; worker 3011...).
free_port() {
  local port
  port=$(($(port_of "$1") + 10 * ($2 - 1)))
  while port_claimed "$port" || port_listening "$port"; do port=$((port + 10)); done
  echo "$port"
}

# The gateway serves /metrics and /health/ready on its operations port only (public port + 1000); the other
# apps on their own (internal) port.
ops_port_of() {
  if [ "$1" = gateway ]; then echo $(($2 + 1000)); else echo "$2"; fi
}

# exec_app <app> <port>: becomes the app (node), with its instance id and ports in the environment.
exec_app() {
  cd "$ROOT"
  export SOMA_INSTANCE_ID="$1-$3" "$(port_var_of "$1")=$2"
  if [ "$1" = gateway ]; then export SOMA_GATEWAY_OPS_PORT="$(ops_port_of "$1" "$2")"; fi
  exec node --enable-source-maps "dist/apps/$1/src/main.js"
}

# supervise <app> <i> <port>: runs the instance, starts it again whenever it exits, until told to stop.
supervise() {
  local app="$1" i="$2" port="$3" base log child='' rc restarts=0 delay=1 up_since stopping=0
  base="$(inst_base "$app" "$i")"
  log="$(inst_log "$app" "$i")"
  echo "$BASHPID" >"$base.supervisor"
  trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
  while :; do
    up_since=$SECONDS
    (exec_app "$app" "$port" "$i") >>"$log" 2>&1 &
    child=$!
    # The subshell becomes node at exec; until then its command line is bash's and inst_pid would disown it.
    for _ in $(seq 1 100); do is_app_process "$child" "$app" && break; sleep 0.05; done
    echo "$child" >"$base.pid"
    printf 'app=%s\ninstanceId=%s\nport=%s\npid=%s\n' "$app" "$app-$i" "$port" "$child" >"$base.instance"
    # A trapped signal interrupts wait; wait again until the app has really exited.
    while :; do
      rc=0
      wait "$child" || rc=$?
      kill -0 "$child" 2>/dev/null || break
    done
    child=''
    if [ "$stopping" = 1 ] || [ -e "$base.stopping" ]; then exit 0; fi
    restarts=$((restarts + 1))
    echo "$restarts" >"$base.restarts"
    [ $((SECONDS - up_since)) -ge 60 ] && delay=1
    printf '%s supervisor: %s exited with status %s after %s s; restart %s in %s s\n' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$app-$i" "$rc" "$((SECONDS - up_since))" "$restarts" "$delay" >>"$log"
    sleep "$delay" &
    wait $! || true
    if [ "$stopping" = 1 ] || [ -e "$base.stopping" ]; then exit 0; fi
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

start_instance() {
  local app="$1" i="$2" base port pid
  base="$(inst_base "$app" "$i")"
  if pid="$(inst_pid "$app" "$i")"; then
    echo "  ✓ $app-$i already running (pid $pid, port $(inst_port "$app" "$i"))"
    return
  fi
  if [ "$i" -eq 1 ]; then port="$(port_of "$app")"; else port="$(free_port "$app" "$i")"; fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  rm -f "$base.stopping" "$base.restarts"
  # Its own session: the supervisor outlives this script and the terminal it ran in.
  setsid bash "$ROOT/scripts/platform.sh" supervise "$app" "$i" "$port" </dev/null >>"$(inst_log "$app" "$i")" 2>&1 &
  for _ in $(seq 1 100); do inst_pid "$app" "$i" >/dev/null && return; sleep 0.05; done
}

wait_ready() {
  local app="$1" i="$2" port deadline log
  port="$(inst_port "$app" "$i")"
  log="$(inst_log "$app" "$i")"
  deadline=$((SECONDS + 90))
  until curl -sf "http://127.0.0.1:$(ops_port_of "$app" "$port")/health/ready" >/dev/null 2>&1; do
    if ! inst_pid "$app" "$i" >/dev/null; then
      echo "  ✗ $app-$i exited during start; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "  ✗ $app-$i not ready after 90 s; see $log and http://127.0.0.1:$(ops_port_of "$app" "$port")/health/ready" >&2
      exit 1
    fi
    sleep 0.3
  done
  echo "  ✓ $app-$i ready on http://127.0.0.1:$port"
}

# stop_instances <app> <i...>: SIGTERM to all of them at once, SIGKILL whatever is left after 10 s.
stop_instances() {
  local app="$1" i pid alive pids=() ids=()
  shift
  for i in "$@"; do
    # The supervisor first, so that it does not start the app again.
    if supervisor_alive "$app" "$i"; then
      touch "$(inst_base "$app" "$i").stopping"
      pid="$(cat "$(inst_base "$app" "$i").supervisor")"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      ids+=("$i")
    fi
    if pid="$(inst_pid "$app" "$i")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      [[ " ${ids[*]} " == *" $i "* ]] || ids+=("$i")
    fi
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for i in "${ids[@]}"; do
    inst_forget "$app" "$i"
    echo "  ✓ stopped $app-$i"
  done
}

stop_apps() {
  local app
  for app in gateway requeue tool-executor conversation-worker; do
    # shellcheck disable=SC2046 # a list of integers
    stop_instances "$app" $(inst_indexes "$app")
  done
}

# up's --scale app=N, N >= 1 (repeatable); apps not named keep what runs, at least one instance.
declare -A SCALE=()
parse_scale() {
  local spec app n
  while [ $# -gt 0 ]; do
    case "$1" in
      --scale)
        spec="${2:-}"
        shift
        [ $# -gt 0 ] && shift
        ;;
      --scale=*)
        spec="${1#--scale=}"
        shift
        ;;
      *)
        echo "usage: $0 up [--scale app=N ...] (unknown argument '$1')" >&2
        exit 2
        ;;
    esac
    app="${spec%%=*}"
    n="${spec#*=}"
    if [ -z "$(port_var_of "$app")" ] || ! [[ $spec == *=* && $n =~ ^[1-9][0-9]*$ ]]; then
      echo "bad --scale '$spec': want app=N with N >= 1 and app one of ${APPS[*]}" >&2
      exit 2
    fi
    SCALE[$app]="$n"
  done
}

status_json() {
  local app i pid port ready sep=''
  printf '['
  for app in "${APPS[@]}"; do
    for i in $(inst_indexes "$app"); do
      if ! pid="$(inst_pid "$app" "$i")"; then
        supervisor_alive "$app" "$i" || continue
        pid=null # exited, its supervisor starts it again after the backoff
      fi
      port="$(inst_port "$app" "$i")"
      ready=false
      curl -sf -m 2 -o /dev/null "http://127.0.0.1:$(ops_port_of "$app" "$port")/health/ready" 2>/dev/null && ready=true
      printf '%s{"app":"%s","instanceId":"%s","pid":%s,"port":%s,"ready":%s,"restarts":%s}' \
        "$sep" "$app" "$app-$i" "$pid" "$port" "$ready" "$(inst_restarts "$app" "$i")"
      sep=','
    done
  done
  printf ']\n'
}

status_table() {
  local app i pid port ready any
  printf '%-22s %-8s %-6s %-6s %s\n' instance pid port ready restarts
  for app in "${APPS[@]}"; do
    any=0
    for i in $(inst_indexes "$app"); do
      if ! pid="$(inst_pid "$app" "$i")"; then
        supervisor_alive "$app" "$i" || continue
        pid=restarting
      fi
      any=1
      port="$(inst_port "$app" "$i")"
      ready=no
      curl -sf -m 2 -o /dev/null "http://127.0.0.1:$(ops_port_of "$app" "$port")/health/ready" 2>/dev/null && ready=yes
      printf '%-22s %-8s %-6s %-6s %s\n' "$app-$i" "$pid" "$port" "$ready" "$(inst_restarts "$app" "$i")"
    done
    [ "$any" -eq 1 ] || printf '%-22s %s\n' "$app" stopped
  done
}

# Prometheus scrapes every instance that runs (file discovery: rewritten on every up). SOMA_PROMETHEUS=0 skips it.
prometheus_up() {
  [ "${SOMA_PROMETHEUS:-1}" = 0 ] && return
  local app i port targets=()
  for app in "${APPS[@]}"; do
    for i in $(inst_indexes "$app"); do
      inst_pid "$app" "$i" >/dev/null || continue
      port="$(inst_port "$app" "$i")"
      targets+=("$app:$app-$i=127.0.0.1:$(ops_port_of "$app" "$port")")
    done
  done
  echo "→ prometheus"
  bash "$ROOT/scripts/prometheus/prometheus.sh" targets "${targets[@]}"
  bash "$ROOT/scripts/prometheus/prometheus.sh" up
}

# Jaeger all-in-one for the apps' traces (docs/tracing.md), unless OTEL_EXPORTER_OTLP_ENDPOINT names another
# collector, OTEL_SDK_DISABLED=true, or SOMA_JAEGER=0. The apps started after this export to it.
jaeger_up() {
  [ "${SOMA_JAEGER:-1}" = 0 ] && return
  [ "${OTEL_SDK_DISABLED:-false}" = true ] && return
  [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && return
  echo "→ jaeger"
  bash "$ROOT/scripts/jaeger/jaeger.sh" up
  export "$(bash "$ROOT/scripts/jaeger/jaeger.sh" env)"
}

# `platform.sh apps`: the apps export to a Jaeger this platform already runs (and never start one).
jaeger_env() {
  [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && return
  if bash "$ROOT/scripts/jaeger/jaeger.sh" status | grep -q '^jaeger running'; then
    export "$(bash "$ROOT/scripts/jaeger/jaeger.sh" env)"
  fi
}

cmd="${1:-up}"
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    parse_scale "$@"
    started=$SECONDS
    ensure_node_project
    bash "$ROOT/scripts/infra/infra.sh" up
    # shellcheck disable=SC1091
    [ -f "$SOMA_STATE_DIR/infra.env" ] && source "$SOMA_STATE_DIR/infra.env"
    jaeger_up
    echo "→ apps"
    for app in "${APPS[@]}"; do
      want="${SCALE[$app]:-1}"
      if [ -n "${SCALE[$app]:-}" ]; then
        extra=()
        for i in $(inst_indexes "$app"); do [ "$i" -gt "$want" ] && extra+=("$i"); done
        [ ${#extra[@]} -eq 0 ] || stop_instances "$app" "${extra[@]}"
      fi
      for i in $(seq 1 "$want"); do start_instance "$app" "$i"; done
    done
    for app in "${APPS[@]}"; do
      for i in $(inst_indexes "$app"); do wait_ready "$app" "$i"; done
    done
    prometheus_up
    key_hint='$SOMA_ADMIN_API_KEY'
    [ -z "${SOMA_ADMIN_API_KEY:-}" ] && key_hint="\$(cat $SOMA_STATE_DIR/admin-api-key)"
    cat <<MSG

SomaAgent is up ($((SECONDS - started)) s).
  API        http://127.0.0.1:$(port_of gateway)/v1
  Swagger    http://127.0.0.1:$(port_of gateway)/docs
  Metrics    http://127.0.0.1:$(ops_port_of gateway "$(port_of gateway)")/metrics (the gateway's operations port; and :$(port_of conversation-worker), :$(port_of tool-executor), :$(port_of requeue))
  Prometheus http://127.0.0.1:${SOMA_PROMETHEUS_PORT:-19090} (alerts: prometheus/rules; docs/operations.md)
  Traces     ${OTEL_EXPORTER_OTLP_ENDPOINT:-off} (Jaeger UI http://127.0.0.1:${SOMA_JAEGER_QUERY_PORT:-16686} when it is the local one; docs/tracing.md)
  Instances  bash scripts/platform.sh status (ports of every instance)
  Logs       $LOG_DIR
  Admin key  $key_hint
Stop with: npm run platform:down
MSG
    ;;
  apps)
    # One instance of each app named (all by default), supervised, against infrastructure that already runs.
    [ $# -gt 0 ] || set -- "${APPS[@]}"
    for app in "$@"; do
      if [ -z "$(port_var_of "$app")" ]; then
        echo "unknown app '$app': want one of ${APPS[*]}" >&2
        exit 2
      fi
    done
    jaeger_env
    for app in "$@"; do start_instance "$app" 1; done
    for app in "$@"; do wait_ready "$app" 1; done
    ;;
  stop-apps) stop_apps ;;
  supervise) supervise "$@" ;;
  down)
    stop_apps
    bash "$ROOT/scripts/prometheus/prometheus.sh" down
    bash "$ROOT/scripts/jaeger/jaeger.sh" down
    bash "$ROOT/scripts/infra/infra.sh" down
    ;;
  status)
    if [ "${1:-}" = --json ]; then
      status_json
    else
      status_table
      bash "$ROOT/scripts/prometheus/prometheus.sh" status
      bash "$ROOT/scripts/jaeger/jaeger.sh" status
      bash "$ROOT/scripts/infra/infra.sh" status
    fi
    ;;
  *)
    echo "usage: $0 up [--scale app=N ...] | down | status [--json] | apps [app ...] | stop-apps" >&2
    exit 2
    ;;
esac
