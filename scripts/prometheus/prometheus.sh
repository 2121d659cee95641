#!/usr/bin/env bash
# Prometheus for the platform: the binaries from Debian's package unpacked into the tool cache, a config that
# scrapes every instance of every app (file-based discovery, rewritten whenever instances change) and loads the
# project's rules (prometheus/rules).
#   bash scripts/prometheus/prometheus.sh bin                      → prints the directory of prometheus, promtool
#   bash scripts/prometheus/prometheus.sh targets app[:id]=host:port... → writes the scrape targets (id: app-i)
#   bash scripts/prometheus/prometheus.sh up | down | status
#   bash scripts/prometheus/prometheus.sh test                     → promtool check + unit tests of every rule
# SOMA_PROMETHEUS_PORT (19090) and SOMA_STATE_DIR choose where it listens and keeps its data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/infra/versions.env
source "$ROOT/scripts/infra/versions.env"
CACHE="${SOMA_CACHE_DIR:-$HOME/.cache/soma}"
STATE="${SOMA_STATE_DIR:-$ROOT/.soma}"
PORT="${SOMA_PROMETHEUS_PORT:-19090}"
DIR="$STATE/prometheus"
BIN_DIR="$CACHE/prometheus-$PROMETHEUS_DEB_VERSION/usr/bin"
PID_FILE="$STATE/run/prometheus.pid"
LOG="$STATE/logs/prometheus.log"

ensure_bin() {
  [ -x "$BIN_DIR/prometheus" ] && [ -x "$BIN_DIR/promtool" ] && return
  local tmp
  tmp="$(mktemp -d)"
  echo "→ prometheus $PROMETHEUS_DEB_VERSION (Debian package, unpacked into $CACHE)" >&2
  # apt-get download needs the package lists: refresh them once if the pinned version is not listed.
  (cd "$tmp" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >/dev/null 2>&1) ||
    { apt-get update >/dev/null 2>&1 && (cd "$tmp" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >/dev/null); } ||
    { echo "could not download the prometheus package $PROMETHEUS_DEB_VERSION with apt-get" >&2; rm -rf "$tmp"; exit 1; }
  rm -rf "$CACHE/prometheus-$PROMETHEUS_DEB_VERSION.partial"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$CACHE/prometheus-$PROMETHEUS_DEB_VERSION.partial"
  rm -rf "$CACHE/prometheus-$PROMETHEUS_DEB_VERSION"
  mv "$CACHE/prometheus-$PROMETHEUS_DEB_VERSION.partial" "$CACHE/prometheus-$PROMETHEUS_DEB_VERSION"
  rm -rf "$tmp"
}

write_config() {
  mkdir -p "$DIR" "$STATE/run" "$STATE/logs"
  [ -f "$DIR/targets.json" ] || echo '[]' >"$DIR/targets.json"
  cat >"$DIR/prometheus.yml" <<YML
# Written by scripts/prometheus/prometheus.sh; edit that script, not this file.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $ROOT/prometheus/rules/*.yml
scrape_configs:
  - job_name: soma
    # The apps label their own series with app; the target's labels (app, instance_id) are the same names.
    honor_labels: true
    file_sd_configs:
      - files: ['$DIR/targets.json']
        refresh_interval: 5s
YML
}

# targets app[:instance_id]=host:port ...: one target per instance; without an id the i-th of an app is app-i.
write_targets() {
  mkdir -p "$DIR"
  local sep='' spec app id addr json='['
  declare -A count=()
  for spec in "$@"; do
    app="${spec%%=*}"
    addr="${spec#*=}"
    count[$app]=$((${count[$app]:-0} + 1))
    id="$app-${count[$app]}"
    if [[ $app == *:* ]]; then id="${app#*:}" && app="${app%%:*}"; fi
    json+="$sep{\"targets\":[\"$addr\"],\"labels\":{\"app\":\"$app\",\"instance_id\":\"$id\"}}"
    sep=','
  done
  json+=']'
  # Atomic: Prometheus re-reads the file when it changes and must never see half of it.
  printf '%s\n' "$json" >"$DIR/targets.json.tmp"
  mv "$DIR/targets.json.tmp" "$DIR/targets.json"
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$DIR/prometheus.yml"* ]] || return 1
  echo "$pid"
}

up() {
  ensure_bin
  write_config
  local pid
  if pid="$(running_pid)"; then
    kill -HUP "$pid" # re-reads the config and rules
    echo "  ✓ prometheus already running (pid $pid), http://127.0.0.1:$PORT"
    return
  fi
  "$BIN_DIR/promtool" check config "$DIR/prometheus.yml" >/dev/null
  "$BIN_DIR/prometheus" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$PORT" >>"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && {
      echo "  ✓ prometheus ready on http://127.0.0.1:$PORT (rules: prometheus/rules)"
      return
    }
    running_pid >/dev/null || { echo "  ✗ prometheus exited; see $LOG" >&2; tail -n 20 "$LOG" >&2; exit 1; }
    sleep 0.2
  done
  echo "  ✗ prometheus not ready after 20 s; see $LOG" >&2
  exit 1
}

down() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  bin) ensure_bin && echo "$BIN_DIR" ;;
  targets) shift && write_targets "$@" ;;
  up) up ;;
  down) down ;;
  status) if pid="$(running_pid)"; then echo "prometheus running (pid $pid), http://127.0.0.1:$PORT"; else echo "prometheus stopped"; fi ;;
  test)
    ensure_bin
    "$BIN_DIR/promtool" check rules "$ROOT"/prometheus/rules/*.yml
    "$BIN_DIR/promtool" test rules "$ROOT"/prometheus/tests/*.yml
    ;;
  *) echo "usage: $0 bin | targets app=host:port... | up | down | status | test" >&2; exit 2 ;;
esac
