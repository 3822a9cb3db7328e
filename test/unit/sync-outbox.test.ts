/**
 * The outbox (store schema 3): audit records and finished jobs queue their
 * event in the same transaction as the write itself, exactly once, and a
 * store from before sync queues its whole audit chain for the server.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncEventBodySchema } from '../../core/contract/server-wire.js';
import { openDatabase } from '../../core/store/database.js';
import { openStore, openSyncStore, type BenchStore, type SyncStore } from '../../core/store/index.js';
import { LATEST_SCHEMA } from '../../core/store/migrations/index.js';
import { connectionOf } from '../../core/store/sqlite-store.js';
import { auditEntry, newJob, WORKFLOW } from './store-samples.js';
import { tempDir } from './store-fixtures.js';

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
let sync: SyncStore;

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  sync = openSyncStore(store);
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

describe('outbox triggers', () => {
  it('queues each audit record once, as an audit.record event the server can chain', () => {
    const first = store.audit.append(auditEntry());
    const second = store.audit.append(auditEntry({ action: 'job.succeeded', detail: 'done' }));
    const entries = sync.entries();
    expect(entries.map((entry) => entry.key)).toEqual(['audit:1', 'audit:2']);
    expect(entries[1]).toMatchObject({ type: 'audit.record', technician: 'alex', occurredAt: second.at, state: 'pending', attempts: 0 });
    expect(entries[0]!.body).toEqual({ type: 'audit.record', record: first });
    expect(entries[1]!.body).toEqual({ type: 'audit.record', record: second });
    expect(SyncEventBodySchema.safeParse(entries[1]!.body).success).toBe(true);
  });

  it('queues job.finished once when a job ends, with the deprovision it wipes for and its error', () => {
    store.saveWorkflow(WORKFLOW);
    const deprovisionId = '2f0c1c3e-6a6b-4d8e-9a53-1b8d2f1e7c10';
    store.createJob(newJob({ id: 'job-1', params: { deprovisionId } }));
    store.updateJob('job-1', { state: 'running', startedAt: '2026-11-21T08:00:01.000Z' });
    expect(sync.entries().filter((entry) => entry.type === 'job.finished')).toEqual([]);
    store.updateJob('job-1', { state: 'failed', finishedAt: '2026-11-21T08:05:00.000Z', error: { code: 'EraseNotConfirmed', message: 'The device did not come back erased.', instruction: 'Check it.' } });
    // Updating the finished job again (a revision bump) queues nothing more.
    store.updateJob('job-1', { finishedAt: '2026-11-21T08:05:00.000Z' });
    const finished = sync.entries().filter((entry) => entry.type === 'job.finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ key: 'job:job-1', technician: 'alex', occurredAt: '2026-11-21T08:05:00.000Z' });
    expect(finished[0]!.body).toEqual({
      type: 'job.finished',
      job: {
        jobId: 'job-1',
        workflowId: 'erase',
        udid: newJob().udid,
        serialNumber: newJob().serialNumber,
        state: 'failed',
        technician: 'alex',
        reason: 'trade-in',
        deprovisionId,
        errorMessage: 'The device did not come back erased.',
        finishedAt: '2026-11-21T08:05:00.000Z',
      },
    });
  });

  it('a job without a deprovision reports deprovisionId null', () => {
    store.saveWorkflow(WORKFLOW);
    store.createJob(newJob({ id: 'job-2', params: {} }));
    store.updateJob('job-2', { state: 'succeeded', finishedAt: '2026-11-21T08:06:00.000Z' });
    const [finished] = sync.entries().filter((entry) => entry.type === 'job.finished');
    expect(finished!.body).toMatchObject({ job: { state: 'succeeded', deprovisionId: null, errorMessage: null } });
  });

  it('a write rolled back leaves no event behind, and its key is not used up', () => {
    expect(() =>
      sync.transaction(() => {
        store.audit.append(auditEntry());
        sync.enqueue({ key: 'preapprove:x', occurredAt: '2026-11-21T08:00:00.000Z', technician: 'alex', body: { type: 'device.preapprove', device: { serialNumber: 'C02X', platform: 'ios', ownership: 'corporate', deviceName: null, user: { email: 'a@example.com', name: 'Ana' } } } });
        throw new Error('crash before commit');
      }),
    ).toThrow('crash before commit');
    expect(sync.entries()).toEqual([]);
    expect(store.audit.records()).toEqual([]);
    store.audit.append(auditEntry());
    expect(sync.entries().map((entry) => entry.key)).toEqual(['audit:1']);
  });

  it('an idempotency key is queued once however often it is enqueued', () => {
    const event = { key: 'observed:1', occurredAt: '2026-11-21T08:00:00.000Z', technician: null, body: { type: 'device.observed' as const, device: { serialNumber: 'C02X', udid: 'u1', ecid: null, productType: 'iPhone14,2', productVersion: '18.1', deviceName: null, platform: 'ios' as const } } };
    expect(sync.enqueue(event)).toBe(true);
    expect(sync.enqueue(event)).toBe(false);
    expect(sync.counts()).toEqual({ pending: 1, rejected: 0 });
  });
});

describe('migration 003 on a store from before sync', () => {
  it('queues the audit records already written, in order, so the server gets the chain from record 1', () => {
    store.close();
    const old = tempDir();
    try {
      const db = openDatabase(old.file(), { schema: 2 });
      db.close();
      const before = openStore(old.file(), { schema: 2 });
      before.audit.append(auditEntry({ action: 'technician.set', jobId: null }));
      before.audit.append(auditEntry());
      before.close();
      store = openStore(old.file());
      sync = openSyncStore(store);
      expect(sync.entries().map((entry) => [entry.key, entry.body.type === 'audit.record' ? entry.body.record.action : null])).toEqual([
        ['audit:1', 'technician.set'],
        ['audit:2', 'job.started'],
      ]);
      store.audit.append(auditEntry({ action: 'job.succeeded' }));
      expect(sync.counts().pending).toBe(3);
      const raw = new Database(old.file(), { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA);
      raw.close();
    } finally {
      old.cleanup();
    }
  });

  it('only stores opened by openStore have a connection to share', () => {
    expect(connectionOf(store)).not.toBeNull();
    expect(() => openSyncStore({ ...store } as BenchStore)).toThrow(/SQLite/);
  });
});
