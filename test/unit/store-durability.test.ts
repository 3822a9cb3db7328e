/**
 * "About to send EraseDevice" must survive the process being killed the
 * instant after the write returns: a child process writes through the real
 * store code, SIGKILLs itself without closing, and the parent reopens.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/sqlite-store.js';
import { storeChildFixture } from './store-fixtures.js';

const child = storeChildFixture();

describe('durability', () => {
  it('finds every write of a process killed with SIGKILL right after it returned', async () => {
    const file = child.tempFile();
    const exit = await child.run(['durability', file]);
    expect(exit.stderr).toBe('');
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.stdout).toBe('written\n');
    // Killed without close(): the commits are in the WAL, not yet checkpointed into the file.
    expect(existsSync(`${file}-wal`)).toBe(true);

    const store = openStore(file);
    try {
      expect(store.job('job-1')).toMatchObject({ state: 'queued', workflowId: 'erase' });
      expect(store.steps('job-1')[1]).toMatchObject({ kind: 'erase', state: 'running', dispatchedAt: '2026-11-21T08:00:05.000Z' });
      expect(store.audit.records().map((record) => record.detail)).toEqual(['about to send EraseDevice']);
      expect(store.audit.verify()).toMatchObject({ ok: true, records: 1 });
    } finally {
      store.close();
    }
  });
});
