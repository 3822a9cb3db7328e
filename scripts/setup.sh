#!/usr/bin/env bash
# Sets a fresh clone up: system packages, npm packages, build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh all
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: npm 11 leaves other platforms' optional packages (rollup's) out of
  # the lock it writes and then refuses that lock in npm ci. install keeps the locked versions.
  npm install --no-audit --no-fund
fi
npm run build --silent
