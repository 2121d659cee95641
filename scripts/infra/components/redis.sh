# shellcheck shell=bash
# Redis 7 on 127.0.0.1:$SOMA_REDIS_PORT, no persistence.

REDIS_MARKER=redis-server

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$SOMA_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

redis_up() {
  local log pid note
  log=$(log_file redis)
  step_begin redis "$log"
  clean_stale_pid redis "$REDIS_MARKER"
  if pid=$(running_pid redis "$REDIS_MARKER"); then
    note="already running (pid $pid)"
  else
    ensure_port_free redis "$SOMA_REDIS_PORT" SOMA_REDIS_PORT
    log_banner redis "start"
    mkdir -p -- "$(data_dir redis)"
    # shellcheck disable=SC2094 # redis opens --logfile itself; our redirect only catches early errors
    without_inherited_fds redis-server --daemonize yes --bind 127.0.0.1 --port "$SOMA_REDIS_PORT" --save "" --appendonly no \
      --dir "$(data_dir redis)" --pidfile "$(pid_file redis)" --logfile "$log" </dev/null >>"$log" 2>&1 9>&-
    wait_for "redis pid file $(pid_file redis)" 10 "" running_pid redis "$REDIS_MARKER"
    pid=$(running_pid redis "$REDIS_MARKER")
    note="started (pid $pid)"
  fi
  wait_for "redis PONG on 127.0.0.1:$SOMA_REDIS_PORT" "${SOMA_READY_TIMEOUT:-20}" "$pid" redis_ready
  step_done "$note, 127.0.0.1:$SOMA_REDIS_PORT"
}

redis_down() {
  stop_component redis "$REDIS_MARKER" TERM "${SOMA_STOP_TIMEOUT:-30}"
}
