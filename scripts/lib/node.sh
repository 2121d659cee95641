# Installs the npm dependencies and builds the TypeScript when they are missing or stale.
# shellcheck shell=bash
ensure_node_project() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  (
    cd "$root"
    local stamp="node_modules/.soma-lock-hash"
    local want
    want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
      echo "→ npm install (dependencies, from package-lock.json)"
      # Optional packages are skipped: node-llama-cpp's GPU builds alone are ~600 MB; the CPU binaries we
      # need (llama, swc, esbuild, rollup) are explicit dependencies. `npm ci` is not usable: some of
      # node-llama-cpp's optional platform packages are not served by every registry, so the lock file
      # cannot list them, and `npm ci` refuses a lock that lacks them. `npm install` honours the lock.
      npm install --omit=optional --no-audit --no-fund --loglevel=error >/dev/null
      echo "$want" >"$stamp"
    fi
    local newest_src
    newest_src="$(find apps libs migrations scripts \( -name '*.ts' -o -path 'apps/console/*' \) -newer dist/.build-stamp 2>/dev/null | head -n1 || true)"
    if [ ! -f dist/.build-stamp ] || [ -n "$newest_src" ] || [ tsconfig.build.json -nt dist/.build-stamp ]; then
      echo "→ build (tsc; the console with esbuild)"
      npx --no-install tsc -p tsconfig.build.json
      node dist/scripts/console/build-console.js
      touch dist/.build-stamp
    fi
  )
}
