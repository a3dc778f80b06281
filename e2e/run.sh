#!/usr/bin/env bash
# Run the browser tests against a jiceng binary (default: target/debug/jiceng of this checkout).
# Needs Debian's chromium and the npm package playwright-core (installed here from package-lock).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/target/debug/jiceng}"
case "$bin" in /*) ;; *) bin="$(pwd)/$bin" ;; esac
cd "$root/e2e"
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  if [ "${JICENG_E2E_REQUIRED:-0}" = "1" ]; then echo "chromium is not installed" >&2; exit 1; fi
  echo "browser tests skipped: chromium is not installed (apt install chromium)"; exit 0
fi
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
node run.mjs "$bin"
