#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lock
# file, so `npm start` and `npm test` work on a fresh clone by themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "ensure-deps: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
