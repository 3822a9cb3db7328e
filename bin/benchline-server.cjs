#!/usr/bin/env node
// CommonJS like bin/benchline.cjs, so `npx benchline-server` works whatever the
// caller's module settings, and says plainly when the build is missing.
'use strict';
import('../dist/server/main.js').catch((error) => {
  process.stderr.write(`benchline-server: ${error && error.code === 'ERR_MODULE_NOT_FOUND' ? 'not built yet: run "npm run setup" first' : String(error && error.stack || error)}\n`);
  process.exitCode = 1;
});
