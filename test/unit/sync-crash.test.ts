/**
 * The outbox under kill -9: a process writing audit records and finishing jobs is killed with
 * SIGKILL at random moments, again and again on the same store. Every audit record and every
 * finished job then has exactly one outbox event, because the triggers write it in the same
 * transaction as the record itself.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, openSyncStore } from '../../core/store/index.js';
import { tempDir } from './store-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof tempDir>;
let script: string;

beforeAll(() => {
  temp = tempDir();
  script = path.join(temp.dir, 'sync-crash-child.cjs');
  buildSync({ entryPoints: [path.join(ROOT, 'test/unit/sync-crash-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3'], outfile: script, logLevel: 'error' });
});
afterAll(() => temp.cleanup());

/** Starts the child, lets it write for `ms` once it is ready, then SIGKILLs it. */
function writeThenKill(file: string, run: number, ms: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [script, file, String(run)], { env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => (signal === 'SIGKILL' ? resolve(signal) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe('outbox and kill -9', () => {
  it('every audit record and finished job has exactly one event after killing the writer at random moments', async () => {
    const file = temp.file('crash.db');
    for (let run = 0; run < 6; run += 1) await writeThenKill(file, run, 20 + Math.floor(Math.random() * 150));
    const store = openStore(file);
    try {
      const sync = openSyncStore(store);
      const audits = store.audit.verify();
      expect(audits.ok).toBe(true);
      const records = audits.ok ? audits.records : 0;
      expect(records).toBeGreaterThan(10);
      const events = sync.entries();
      const auditKeys = events.filter((entry) => entry.type === 'audit.record').map((entry) => entry.key);
      expect(auditKeys).toEqual(Array.from({ length: records }, (_, i) => `audit:${i + 1}`));
      const finished = store.jobs({ limit: 100_000 }).filter((job) => job.state === 'succeeded').map((job) => `job:${job.id}`).sort();
      expect(finished.length).toBeGreaterThan(3);
      expect(events.filter((entry) => entry.type === 'job.finished').map((entry) => entry.key).sort()).toEqual(finished);
    } finally {
      store.close();
    }
  }, 30_000);
});
