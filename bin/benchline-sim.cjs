#!/usr/bin/env node
'use strict';
import('../dist/sim/device/main.js').catch((error) => {
  process.stderr.write(`benchline-sim: ${error && error.code === 'ERR_MODULE_NOT_FOUND' ? 'not built yet: run "npm run setup" first' : String(error && error.stack || error)}\n`);
  process.exitCode = 1;
});
