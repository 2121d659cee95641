# shellcheck shell=bash
# PostgreSQL 15: private cluster under the state dir, 127.0.0.1:$SOMA_PG_PORT, role/password soma/soma.

PG_BIN=${SOMA_PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}

as_pg() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# as_pg for a command that leaves a daemon behind: no inherited descriptors.
as_pg_detached() {
  if ((EUID == 0)); then
    without_inherited_fds runuser -u postgres -- "$@"
  else
    without_inherited_fds "$@"
  fi
}

# The cluster lives in $SOMA_STATE_DIR/data/postgres. When we are root and the postgres OS user cannot
# traverse the state dir (e.g. a clone under /root), it lives in /var/tmp and data/postgres is a symlink.
pg_data_dir() {
  local dflt parent
  dflt=$(data_dir postgres)
  parent=$(dirname "$dflt")
  [[ -d $parent ]] || parent=$SOMA_STATE_DIR
  if [[ -n ${SOMA_PG_DATA_DIR:-} ]]; then
    printf '%s' "$SOMA_PG_DATA_DIR"
  elif [[ -L $dflt ]]; then
    readlink -f -- "$dflt"
  elif ((EUID != 0)) || [[ -s $dflt/PG_VERSION ]] || runuser -u postgres -- test -x "$parent" 2>/dev/null; then
    printf '%s' "$dflt"
  else
    printf '/var/tmp/soma-postgres-%s' "$(printf '%s' "$SOMA_STATE_DIR" | cksum | cut -d ' ' -f 1)"
  fi
}

pg_marker() { printf 'postgres -D %s' "$(pg_data_dir)"; }

pg_packages_ok() { [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/psql && -x $PG_BIN/pg_isready ]]; }

pg_psql() {
  PGPASSWORD=soma PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$SOMA_PG_PORT" -U soma "$@"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$SOMA_PG_PORT" -d postgres -U soma; }

pg_init() {
  local pgdata=$1 log pw
  log=$(log_file postgres)
  [[ -s $pgdata/PG_VERSION ]] && return 0
  if [[ $pgdata != "$(data_dir postgres)" && -z ${SOMA_PG_DATA_DIR:-} ]]; then
    warn "the postgres OS user cannot reach $SOMA_STATE_DIR; cluster goes to $pgdata (symlinked from $(data_dir postgres))"
    if [[ -d $(data_dir postgres) && ! -L $(data_dir postgres) ]]; then
      rmdir -- "$(data_dir postgres)" || die "$(data_dir postgres) is in the way (not empty)"
    fi
    ln -sfn -- "$pgdata" "$(data_dir postgres)"
  fi
  mkdir -p -- "$pgdata"
  chmod 700 -- "$pgdata"
  ((EUID != 0)) || chown postgres:postgres -- "$pgdata"
  pw="$(dirname "$pgdata")/.soma-pgpass.$$"
  tmp_register "$pw"
  (umask 077 && printf 'soma\n' >"$pw")
  ((EUID != 0)) || chown postgres -- "$pw"
  info "initdb $pgdata"
  as_pg "$PG_BIN/initdb" -D "$pgdata" -U soma --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C \
    >>"$log" 2>&1 9>&-
  rm -f -- "$pw"
}

postgres_up() {
  local pgdata log pid note
  pgdata=$(pg_data_dir)
  log=$(log_file postgres)
  step_begin postgres "$log"
  pg_packages_ok || die "PostgreSQL $PG_MAJOR binaries missing in $PG_BIN"
  clean_stale_pid postgres "$(pg_marker)"
  # Adopt a postmaster of this cluster that lost its pid file.
  if [[ ! -f $(pid_file postgres) && -f $pgdata/postmaster.pid ]]; then
    pid=$(head -n 1 "$pgdata/postmaster.pid")
    if pid_matches "$pid" "$(pg_marker)"; then
      printf '%s\n' "$pid" >"$(pid_file postgres)"
    fi
  fi
  if pid=$(running_pid postgres "$(pg_marker)"); then
    note="already running (pid $pid)"
  else
    ensure_port_free postgres "$SOMA_PG_PORT" SOMA_PG_PORT
    log_banner postgres "start"
    pg_init "$pgdata"
    as_pg_detached "$PG_BIN/pg_ctl" -D "$pgdata" -w -t "${SOMA_READY_TIMEOUT:-60}" \
      -o "-p $SOMA_PG_PORT -k '$pgdata' -c listen_addresses=127.0.0.1" start >>"$log" 2>&1 9>&-
    pid=$(head -n 1 "$pgdata/postmaster.pid")
    pid_matches "$pid" "$(pg_marker)" || die "postmaster pid $pid from $pgdata/postmaster.pid is not running"
    printf '%s\n' "$pid" >"$(pid_file postgres)"
    note="started (pid $pid)"
  fi
  wait_for "postgres accepting connections on 127.0.0.1:$SOMA_PG_PORT" "${SOMA_READY_TIMEOUT:-60}" "$pid" pg_ready
  # Databases, idempotently.
  pg_psql -d postgres >>"$log" 2>&1 <<'SQL'
SELECT format('CREATE DATABASE %I OWNER soma', d)
FROM unnest(ARRAY['soma', 'openfga']) AS d
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
SQL
  step_done "$note, 127.0.0.1:$SOMA_PG_PORT, databases soma+openfga"
}

postgres_down() {
  # SIGINT = fast shutdown; SIGQUIT = immediate shutdown if that hangs.
  stop_component postgres "$(pg_marker)" INT "${SOMA_STOP_TIMEOUT:-60}" QUIT
}
