/**
 * What the server refused for good, as the technician sees it (sync.rejections and
 * sync.acknowledgeRejections over the bench's outbox): each rejected entry listed with
 * what it asked for and the server's reason; dismissed ones stop counting but stay listed.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEventBody } from '../../core/contract/server-wire.js';
import { HostRefusal } from '../../core/host/envelopes.js';
import { openStore, openSyncStore, type BenchStore, type SyncStore } from '../../core/store/index.js';
import { BenchSync } from '../../core/sync/bench-sync.js';
import { summaryOf } from '../../core/sync/rejections.js';
import { SyncLoop } from '../../core/sync/sync-loop.js';
import { WorkflowCatalog } from '../../core/workflows/catalog.js';
import { tempDir } from './store-fixtures.js';
import { FakeSyncServer, ManualScheduler } from './sync-fakes.js';

const QUEUED_AT = '2026-11-21T08:30:00.000Z';
const NOW = new Date('2026-11-21T09:00:00.000Z');

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
let syncStore: SyncStore;
let server: FakeSyncServer;
let loop: SyncLoop;
let bench: BenchSync;

function deprovisionBody(serialNumber: string): SyncEventBody {
  return { type: 'device.deprovision', deprovisionId: '0b6a3f0e-6a51-4c57-9d0c-2f1b7c1f0a11', request: { serialNumbers: [serialNumber], acknowledged: true, reason: 'employee-left', requestInfo: false } };
}

/** Queues one event the fake server will refuse, and one it accepts; then pushes. */
async function pushWithOneRejected(): Promise<void> {
  syncStore.enqueue({ key: 'deprovision:1', occurredAt: QUEUED_AT, technician: 'Ana', body: deprovisionBody('C02XK1') });
  syncStore.enqueue({ key: 'observed:1', occurredAt: QUEUED_AT, technician: null, body: { type: 'device.observed', device: { serialNumber: 'C02XK2', udid: 'u2', ecid: null, productType: 'iPhone14,2', productVersion: '18.1', deviceName: null, platform: 'ios' } } });
  server.rejectKeys.add('deprovision:1');
  await loop.runNow();
}

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  syncStore = openSyncStore(store);
  syncStore.enroll({ serverUrl: 'http://127.0.0.1:9', benchId: 'b1', benchName: 'Bench-2', token: 't' });
  store.setSetting('technician', 'Ben');
  server = new FakeSyncServer();
  loop = new SyncLoop({ store: syncStore, client: () => server, mode: 'server', scheduler: new ManualScheduler().schedule, now: () => NOW, onStatus: () => undefined, onInventory: () => undefined });
  bench = new BenchSync({
    store,
    syncStore,
    loop,
    client: () => null,
    jobs: { startJobs: () => Promise.reject(new Error('no jobs in these tests')) },
    catalog: new WorkflowCatalog({ extraDir: null }),
    devices: { byUdid: () => null, bySerial: () => null },
    benchName: 'bench-host',
    now: () => NOW,
  });
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

describe('sync.rejections', () => {
  it('lists an entry the server refused with what it asked for and the server\'s reason', async () => {
    await pushWithOneRejected();
    expect(bench.status().rejected).toBe(1);
    expect(bench.rejections({ limit: 100 })).toEqual([
      {
        key: 'deprovision:1',
        type: 'device.deprovision',
        summary: 'Deprovision of C02XK1 (Employee left the organisation)',
        serialNumber: 'C02XK1',
        occurredAt: QUEUED_AT,
        technician: 'Ana',
        code: 'deprovision-pending',
        message: 'Refused deprovision:1.',
        hint: 'Wait.',
        acknowledgedAt: null,
      },
    ]);
  });

  it('lists the most recent first, at most `limit`', async () => {
    for (const n of [1, 2, 3]) {
      syncStore.enqueue({ key: `deprovision:${n}`, occurredAt: QUEUED_AT, technician: 'Ana', body: deprovisionBody(`SN${n}`) });
      server.rejectKeys.add(`deprovision:${n}`);
    }
    await loop.runNow();
    expect(bench.rejections({ limit: 2 }).map((rejection) => rejection.serialNumber)).toEqual(['SN3', 'SN2']);
  });

  it('is empty when the server accepted everything', async () => {
    syncStore.enqueue({ key: 'deprovision:1', occurredAt: QUEUED_AT, technician: 'Ana', body: deprovisionBody('C02XK1') });
    await loop.runNow();
    expect(bench.rejections({ limit: 100 })).toEqual([]);
  });
});

describe('sync.acknowledgeRejections', () => {
  it('stops counting the dismissed entries, keeps them listed with the time, and audits who dismissed them', async () => {
    await pushWithOneRejected();
    const status = await bench.acknowledgeRejections({ keys: ['deprovision:1'] });
    expect(status.rejected).toBe(0);
    expect(bench.status().rejected).toBe(0);
    expect(bench.rejections({ limit: 100 })).toEqual([expect.objectContaining({ key: 'deprovision:1', message: 'Refused deprovision:1.', acknowledgedAt: NOW.toISOString() })]);
    const audit = store.audit.records().at(-1);
    expect(audit).toMatchObject({ technician: 'Ben', action: 'sync.rejections.acknowledged', result: 'acknowledged' });
    expect(audit?.detail).toContain('deprovision:1');
    // The audit record goes to the server like any other.
    expect(syncStore.entries('pending').map((entry) => entry.key)).toContain(`audit:${audit?.seq}`);
  });

  it('dismissing again, or keys that were not rejected, changes nothing and audits nothing', async () => {
    await pushWithOneRejected();
    await bench.acknowledgeRejections({ keys: ['deprovision:1'] });
    const audited = store.audit.records().length;
    const status = await bench.acknowledgeRejections({ keys: ['deprovision:1', 'observed:1', 'no-such-key'] });
    expect(status.rejected).toBe(0);
    expect(store.audit.records()).toHaveLength(audited);
    expect(syncStore.entry('observed:1')).toMatchObject({ state: 'sent', acknowledgedAt: null });
  });

  it('a rejection not dismissed still counts', async () => {
    for (const n of [1, 2]) {
      syncStore.enqueue({ key: `deprovision:${n}`, occurredAt: QUEUED_AT, technician: 'Ana', body: deprovisionBody(`SN${n}`) });
      server.rejectKeys.add(`deprovision:${n}`);
    }
    await loop.runNow();
    expect((await bench.acknowledgeRejections({ keys: ['deprovision:2'] })).rejected).toBe(1);
    expect(bench.rejections({ limit: 100 }).map((rejection) => [rejection.key, rejection.acknowledgedAt])).toEqual([
      ['deprovision:2', NOW.toISOString()],
      ['deprovision:1', null],
    ]);
  });

  it('is refused without a technician at the bench, and nothing is dismissed', async () => {
    await pushWithOneRejected();
    store.setSetting('technician', '');
    const refusal = await bench.acknowledgeRejections({ keys: ['deprovision:1'] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(HostRefusal);
    expect((refusal as HostRefusal).code).toBe('NoTechnician');
    expect(bench.status().rejected).toBe(1);
  });
});

describe('migration 004 on a store from before acknowledgements', () => {
  it('keeps the rejections already recorded, counted and not acknowledged', () => {
    const old = tempDir();
    try {
      const before = openStore(old.file(), { schema: 3 });
      before.close();
      const raw = new Database(old.file());
      raw
        .prepare("INSERT INTO outbox (key, type, body, technician, occurred_at, state, rejection) VALUES ('deprovision:old', 'device.deprovision', ?, 'Ana', ?, 'rejected', ?)")
        .run(JSON.stringify(deprovisionBody('C02OLD')), QUEUED_AT, JSON.stringify({ code: 'deprovision-pending', message: 'Already pending.', hint: 'Wait.' }));
      raw.close();
      const reopened = openStore(old.file());
      try {
        const sync = openSyncStore(reopened);
        expect(sync.counts().rejected).toBe(1);
        expect(sync.rejected(10)).toEqual([expect.objectContaining({ key: 'deprovision:old', acknowledgedAt: null, rejection: { code: 'deprovision-pending', message: 'Already pending.', hint: 'Wait.' } })]);
      } finally {
        reopened.close();
      }
    } finally {
      old.cleanup();
    }
  });
});

describe('summaries', () => {
  it('say what each kind of entry asked the server for', () => {
    expect(summaryOf({ type: 'device.preapprove', device: { serialNumber: 'C02XK1', platform: 'macos', ownership: 'personal', deviceName: null, user: { email: 'ana@example.com', name: 'Ana Lima' } } })).toBe(
      'Pre-approval of C02XK1 for Ana Lima (ana@example.com, personal)',
    );
    expect(summaryOf({ ...deprovisionBody('C02XK1'), request: { serialNumbers: ['C02XK1'], acknowledged: true, reason: 'other', wipe: 'full', note: 'Water damage', requestInfo: false } } as SyncEventBody)).toBe('Deprovision of C02XK1 (Other: Water damage)');
    expect(
      summaryOf({ type: 'job.finished', job: { jobId: 'j1', workflowId: 'erase', udid: 'u1', serialNumber: 'C02XK1', state: 'failed', technician: 'Ana', reason: null, deprovisionId: null, errorMessage: 'boom', finishedAt: QUEUED_AT } }),
    ).toBe('Report that job erase on C02XK1 failed');
  });
});
