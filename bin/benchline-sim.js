#!/usr/bin/env node
await import('../dist/sim/device/main.js');
