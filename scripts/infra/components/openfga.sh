# shellcheck shell=bash
# OpenFGA on 127.0.0.1:$SOMA_FGA_HTTP_PORT (grpc $SOMA_FGA_GRPC_PORT), PostgreSQL datastore (db openfga).

FGA_BIN="$SOMA_CACHE_DIR/bin/openfga"
FGA_MARKER="openfga run"

fga_datastore_uri() { printf 'postgres://soma:soma@127.0.0.1:%s/openfga?sslmode=disable' "$SOMA_PG_PORT"; }

openfga_bin() {
  step_begin openfga-bin "$SOMA_CACHE_DIR/logs/openfga-build.log"
  ensure_go_tool openfga github.com/openfga/openfga github.com/openfga/openfga/cmd/openfga "$OPENFGA_VERSION"
  step_done "$BUILT_NOTE $FGA_BIN"
}

openfga_ready() { curl -sf -m 2 "http://127.0.0.1:$SOMA_FGA_HTTP_PORT/healthz"; }

openfga_up() {
  local log pid note port
  log=$(log_file openfga)
  step_begin openfga "$log"
  clean_stale_pid openfga "$FGA_MARKER"
  if pid=$(running_pid openfga "$FGA_MARKER"); then
    note="already running (pid $pid)"
  else
    for port in SOMA_FGA_HTTP_PORT SOMA_FGA_GRPC_PORT SOMA_FGA_METRICS_PORT; do
      ensure_port_free openfga "${!port}" "$port"
    done
    # The check cache keeps policy fast; the cache controller drops entries older than a tuple write (checked
    # at most once a second), so a changed tool grant applies within about a second.
    log_banner openfga "migrate + start"
    "$FGA_BIN" migrate --datastore-engine postgres --datastore-uri "$(fga_datastore_uri)" >>"$log" 2>&1 9>&-
    pid=$(start_bg openfga "$FGA_BIN" run \
      --datastore-engine postgres --datastore-uri "$(fga_datastore_uri)" \
      --http-addr "127.0.0.1:$SOMA_FGA_HTTP_PORT" --grpc-addr "127.0.0.1:$SOMA_FGA_GRPC_PORT" \
      --metrics-addr "127.0.0.1:$SOMA_FGA_METRICS_PORT" \
      --playground-enabled=false --check-query-cache-enabled=true \
      --cache-controller-enabled=true --cache-controller-ttl=1s \
      --log-level warn --log-format json)
    note="started (pid $pid)"
  fi
  wait_for "OpenFGA /healthz on 127.0.0.1:$SOMA_FGA_HTTP_PORT" "${SOMA_READY_TIMEOUT:-60}" "$pid" openfga_ready
  step_done "$note, http://127.0.0.1:$SOMA_FGA_HTTP_PORT (grpc $SOMA_FGA_GRPC_PORT)"
}

openfga_down() {
  stop_component openfga "$FGA_MARKER" TERM "${SOMA_STOP_TIMEOUT:-20}"
}
