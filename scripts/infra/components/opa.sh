# shellcheck shell=bash
# Open Policy Agent server on 127.0.0.1:$SOMA_OPA_PORT, policies from <repo>/opa/rego when it exists.

OPA_BIN="$SOMA_CACHE_DIR/bin/opa"
OPA_MARKER="opa run --server"

opa_bin() {
  step_begin opa-bin "$SOMA_CACHE_DIR/logs/opa-build.log"
  ensure_go_tool opa github.com/open-policy-agent/opa github.com/open-policy-agent/opa "$OPA_VERSION"
  step_done "$BUILT_NOTE $OPA_BIN"
}

opa_ready() { curl -sf -m 2 "http://127.0.0.1:$SOMA_OPA_PORT/health"; }

opa_up() {
  local log pid note policy=()
  log=$(log_file opa)
  step_begin opa "$log"
  clean_stale_pid opa "$OPA_MARKER"
  if pid=$(running_pid opa "$OPA_MARKER"); then
    note="already running (pid $pid)"
  else
    ensure_port_free opa "$SOMA_OPA_PORT" SOMA_OPA_PORT
    log_banner opa "start"
    if [[ -d $REPO_ROOT/opa/rego ]]; then
      policy=("$REPO_ROOT/opa/rego")
    else
      info "no $REPO_ROOT/opa/rego yet: starting OPA without policies"
    fi
    # Decision logs (input, result, decision id) go to the log: an auditable record of what policy saw.
    pid=$(start_bg opa "$OPA_BIN" run --server --addr "127.0.0.1:$SOMA_OPA_PORT" --log-level info \
      --set decision_logs.console=true \
      --skip-version-check "${policy[@]}")
    note="started (pid $pid)"
  fi
  wait_for "OPA /health on 127.0.0.1:$SOMA_OPA_PORT" "${SOMA_READY_TIMEOUT:-30}" "$pid" opa_ready
  step_done "$note, http://127.0.0.1:$SOMA_OPA_PORT"
}

opa_down() {
  stop_component opa "$OPA_MARKER" TERM "${SOMA_STOP_TIMEOUT:-20}"
}
