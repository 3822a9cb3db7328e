#!/usr/bin/env bash
# Sets a fresh clone up: system packages, npm packages, build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh all
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
