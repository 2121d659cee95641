# shellcheck shell=bash
# Generic helpers for scripts/infra/infra.sh: steps with timing, pid files, bounded waits, apt.
# Sourced, not executed. Expects SOMA_STATE_DIR to be set.

# ---------------------------------------------------------------- output and steps

STEP_NAME=""
STEP_LOG=""
STEP_T0=0
TMP_PATHS=()
LOCK_FD=9
# shellcheck disable=SC2034 # set by ensure_go_tool, read by the component files
BUILT_NOTE=""

now_us() { printf '%s' "${EPOCHREALTIME//[.,]/}"; }

# elapsed <start_us> -> "3.2s"
elapsed() {
  local us=$(($(now_us) - $1))
  printf '%d.%ds' $((us / 1000000)) $(((us / 100000) % 10))
}

info() { printf '  %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# step_begin <name> [log file]: the log is shown if anything fails before step_done.
step_begin() {
  STEP_NAME=$1
  STEP_LOG=${2:-}
  STEP_T0=$(now_us)
}

step_done() {
  printf '✓ %-12s %s (%s)\n' "$STEP_NAME" "$1" "$(elapsed "$STEP_T0")"
  STEP_NAME=""
  STEP_LOG=""
}

tmp_register() { TMP_PATHS+=("$1"); }

on_exit() {
  local rc=$?
  local p
  for p in "${TMP_PATHS[@]}"; do
    [[ -n $p ]] && rm -rf -- "$p"
  done
  if ((rc != 0)) && [[ -n $STEP_NAME ]]; then
    printf '✗ %-12s failed after %s (exit %d)\n' "$STEP_NAME" "$(elapsed "$STEP_T0")" "$rc" >&2
    if [[ -n $STEP_LOG ]]; then
      printf '  log: %s\n' "$STEP_LOG" >&2
      if [[ -s $STEP_LOG ]]; then
        printf '  last lines:\n' >&2
        tail -n 15 -- "$STEP_LOG" | sed 's/^/    | /' >&2
      fi
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- state layout

pid_file() { printf '%s/run/%s.pid' "$SOMA_STATE_DIR" "$1"; }
log_file() { printf '%s/logs/%s.log' "$SOMA_STATE_DIR" "$1"; }
data_dir() { printf '%s/data/%s' "$SOMA_STATE_DIR" "$1"; }

log_banner() {
  printf '\n===== %s infra.sh: %s =====\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$2" >>"$(log_file "$1")"
}

# Serialise up/down of the same state dir. Daemons must not inherit the lock fd (start them with 9>&-).
acquire_lock() {
  local lock="$SOMA_STATE_DIR/run/infra.lock"
  exec 9>"$lock"
  if ! flock -n "$LOCK_FD"; then
    info "another infra.sh is running on $SOMA_STATE_DIR; waiting up to ${SOMA_LOCK_TIMEOUT}s for $lock"
    flock -w "$SOMA_LOCK_TIMEOUT" "$LOCK_FD" || die "timed out after ${SOMA_LOCK_TIMEOUT}s waiting for lock $lock"
  fi
}

# ---------------------------------------------------------------- processes

# pid_running <pid>: alive and not a zombie.
pid_running() {
  local stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# pid_matches <pid> <marker>: running and its command line contains marker.
pid_matches() {
  local cmd
  pid_running "$1" || return 1
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$2"* ]]
}

# running_pid <component> <marker>: print the pid from the pid file if that process is live.
running_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(head -n 1 "$f" 2>/dev/null) || return 1
  pid_matches "$pid" "$2" || return 1
  printf '%s' "$pid"
}

# clean_stale_pid <component> <marker>: remove a pid file whose process is gone.
clean_stale_pid() {
  local f
  f=$(pid_file "$1")
  if [[ -f $f ]] && ! running_pid "$1" "$2" >/dev/null; then
    info "removing stale pid file $f"
    rm -f -- "$f"
  fi
}

# port_open <port>: something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# ensure_port_free <component> <port> <env var name>
ensure_port_free() {
  if port_open "$2"; then
    die "127.0.0.1:$2 is already in use by a process infra.sh did not start (no live pid file for $1); stop it or set $3"
  fi
}

# without_inherited_fds <cmd...>: runs cmd with every descriptor above 2 closed, so that a daemon never
# keeps a caller's pipe open (a CI runner waiting for EOF would otherwise wait for the daemon).
without_inherited_fds() {
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  bash -c 'for f in /proc/$$/fd/*; do f=${f##*/}; if [ "$f" -gt 2 ]; then exec {f}>&-; fi; done; exec "$@"' _ "$@"
}

# start_bg <component> <cmd...>: start detached (own session), stdout/stderr appended to the log,
# pid file written by the process itself right before exec. Prints the pid.
start_bg() {
  local comp=$1 pf
  shift
  pf=$(pid_file "$comp")
  rm -f -- "$pf"
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; for f in /proc/$$/fd/*; do f=${f##*/}; if [ "$f" -gt 2 ]; then exec {f}>&-; fi; done; exec "$@"' "$pf" "$@" </dev/null >>"$(log_file "$comp")" 2>&1 9>&- &
  local deadline=$(($(now_us) + 5000000))
  until [[ -s $pf ]]; do
    (($(now_us) < deadline)) || die "$comp: no pid file $pf 5s after launch"
    sleep 0.05
  done
  head -n 1 "$pf"
}

# wait_for <description> <timeout s> <pid or ""> <check cmd...>: poll until check succeeds.
wait_for() {
  local desc=$1 timeout=$2 pid=$3
  shift 3
  local deadline=$(($(now_us) + timeout * 1000000))
  while :; do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n $pid ]] && ! pid_running "$pid"; then
      die "process $pid exited while waiting for $desc"
    fi
    if (($(now_us) >= deadline)); then
      die "timed out after ${timeout}s waiting for $desc"
    fi
    sleep 0.25
  done
}

# stop_component <component> <marker> <signal> <timeout s> [escalation signal]
stop_component() {
  local comp=$1 marker=$2 sig=$3 timeout=$4 escalate=${5:-KILL}
  local pf pid t0
  pf=$(pid_file "$comp")
  step_begin "$comp" "$(log_file "$comp")"
  if [[ ! -f $pf ]]; then
    step_done "not running (no pid file)"
    return 0
  fi
  if ! pid=$(running_pid "$comp" "$marker"); then
    rm -f -- "$pf"
    step_done "not running (removed stale pid file)"
    return 0
  fi
  t0=$(now_us)
  kill -s "$sig" "$pid" 2>/dev/null || true
  while pid_running "$pid"; do
    if (($(now_us) - t0 > timeout * 1000000)); then
      warn "$comp (pid $pid) still running ${timeout}s after SIG$sig; sending SIG$escalate"
      kill -s "$escalate" "$pid" 2>/dev/null || true
      local t1
      t1=$(now_us)
      while pid_running "$pid"; do
        (($(now_us) - t1 < 10000000)) || die "$comp (pid $pid) did not exit after SIG$escalate"
        sleep 0.2
      done
      break
    fi
    sleep 0.2
  done
  rm -f -- "$pf"
  step_done "stopped (pid $pid)"
}

# ---------------------------------------------------------------- packages

APT_UPDATED=0

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# apt_install <pkg...>: apt-get update at most once per run, then install.
apt_install() {
  local log
  log=$(log_file apt)
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: $*"
  if ((APT_UPDATED == 0)); then
    as_root apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 9>&-
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends "$@" >>"$log" 2>&1 9>&-
}

# ---------------------------------------------------------------- go tools

go_cmd() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s' /usr/local/go/bin/go
  else
    return 1
  fi
}

# go_bin_version <binary>: module version (v1.2.3) recorded by the Go toolchain in the binary.
go_bin_version() {
  local go
  [[ -x $1 ]] || return 1
  if go=$(go_cmd); then
    "$go" version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
  else
    # Without go: opa prints "Version: 1.17.0"; openfga built by go install prints "dev".
    "$1" version 2>/dev/null | awk '$1 == "Version:" { print "v" $2; exit }'
  fi
}

# ensure_go_tool <name> <module path> <package path> <version>
# Reuses $SOMA_CACHE_DIR/bin/<name> if it was built from <module>@v<version>; waits for a concurrent
# `go install` of the same package; otherwise builds it (log in $SOMA_CACHE_DIR/logs/<name>-build.log).
ensure_go_tool() {
  local name=$1 module=$2 pkg=$3 want=v$4
  local bin="$SOMA_CACHE_DIR/bin/$name" log="$SOMA_CACHE_DIR/logs/$name-build.log"
  local have go pids t0 n=0
  mkdir -p "$SOMA_CACHE_DIR/bin" "$SOMA_CACHE_DIR/logs"
  STEP_LOG=$log
  t0=$(now_us)
  # pgrep's own status ends the loop (through a pipe it would take pipefail, which a caller may not set).
  while pids=$(pgrep -f "go install .*${pkg}@"); do
    pids=${pids//$'\n'/ }
    if (($(now_us) - t0 > SOMA_BUILD_TIMEOUT * 1000000)); then
      die "timed out after ${SOMA_BUILD_TIMEOUT}s waiting for a concurrent go install of $pkg (pids $pids)"
    fi
    if ((n % 12 == 0)); then
      info "waiting for a concurrent 'go install $pkg' (pids ${pids% }; log $log; $((n * 5))s so far)"
    fi
    n=$((n + 1))
    sleep 5
  done
  have=$(go_bin_version "$bin" || true)
  if [[ $have == "$want" ]]; then
    # shellcheck disable=SC2034 # read by the component files
    BUILT_NOTE="cached $want"
    return 0
  fi
  [[ -z $have ]] || info "$bin is ${have}, want ${want}: rebuilding"
  go=$(go_cmd) || die "go not found (needed to build $name $want); install Go or put $bin in place"
  info "building $name $want with go install (minutes on 2 cores; log $log)"
  printf '\n===== %s infra.sh: go install %s@%s =====\n' "$(date '+%F %T')" "$pkg" "$want" >>"$log"
  (cd "$SOMA_CACHE_DIR" && GOBIN="$SOMA_CACHE_DIR/bin" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -p=2" \
    timeout "$SOMA_BUILD_TIMEOUT" "$go" install "$pkg@$want") >>"$log" 2>&1 9>&-
  have=$(go_bin_version "$bin" || true)
  [[ $have == "$want" ]] || die "$bin reports module version '${have}' after build, want $want ($module)"
  # shellcheck disable=SC2034 # read by the component files
  BUILT_NOTE="built $want"
}
