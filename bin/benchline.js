#!/usr/bin/env node
// libimobiledevice calls run on libuv's thread pool (koffi async calls); each can
// block for a whole TLS handshake, so the default 4 threads would serialise a bench
// of 64 devices. The pool size is read when the pool first starts, so it is set here,
// before anything else loads.
process.env.UV_THREADPOOL_SIZE ??= '128';
await import('../dist/core/cli/main.js');
