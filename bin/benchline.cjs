#!/usr/bin/env node
// CommonJS on purpose. libimobiledevice calls run on libuv's thread pool (koffi
// async calls) and each can block for a whole TLS handshake, so the default 4
// threads would serialise a bench of 64 devices. The pool size is read once,
// when the pool first starts — and an ES module entry has already started it
// while loading. A CommonJS entry runs first, so it can still set the size.
'use strict';
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '128';
import('../dist/core/cli/main.js').catch((error) => {
  process.stderr.write(`benchline: ${error && error.code === 'ERR_MODULE_NOT_FOUND' ? 'not built yet: run "npm run setup" first' : String(error && error.stack || error)}\n`);
  process.exitCode = 1;
});
