#!/usr/bin/env bash
# Sets up (system packages, npm packages, build) and runs Benchline.
# Without real devices it shows simulated ones: SIMULATE=0 uses the real usbmuxd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${SIMULATE:-12}" = "0" ]; then
  exec node bin/benchline.cjs list "$@"
fi
exec node bin/benchline.cjs list --simulate "${SIMULATE:-12}" "$@"
