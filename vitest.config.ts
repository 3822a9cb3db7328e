import { defineConfig } from 'vitest/config';

// Device I/O holds libuv pool threads for whole round trips; test workers are
// forked after this file loads, so they inherit a pool big enough for a bench.
process.env.UV_THREADPOOL_SIZE ??= '64';

// Two projects so that the quick, hardware-free unit tests can run on their own;
// integration tests start simulators and the real libimobiledevice tools.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration tests spawn simulators and real CLI tools; keep them from
          // fighting over the 2 cores of the CI machine.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One Chromium and one bench at a time on the 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
