#!/usr/bin/env bash
# Sets up (system packages, npm packages, build) and runs the bench app.
# `npm start -- --simulate 12` shows 12 simulated devices instead of real USB.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/start.mjs "$@"
