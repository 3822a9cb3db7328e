#!/usr/bin/env bash
# Every check a change must pass: types, lint, then unit and integration tests.
# Ends with one plain summary line, "Tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run typecheck --silent
npx eslint .
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
node scripts/test-summary.mjs test-results/vitest.json || status=$((status == 0 ? 1 : status))
exit "$status"
