#!/usr/bin/env bash
# Every check a change must pass: types, lint, then unit and integration tests.
# The last line printed is vitest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json --noEmit
npx eslint .
npx vitest run
