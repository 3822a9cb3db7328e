/**
 * Sync rounds against a fake server: offline for a whole run then back,
 * answers lost after the server applied a batch, rejections, batches, pulls
 * into the inventory copy, and the backoff after failures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../core/contract/sync.js';
import { openStore, openSyncStore, type BenchStore, type InventoryChanges, type SyncStore } from '../../core/store/index.js';
import { MAX_BACKOFF_MS, SyncLoop } from '../../core/sync/sync-loop.js';
import { auditEntry } from './store-samples.js';
import { tempDir } from './store-fixtures.js';
import { FakeSyncServer, inventoryDevice, ManualScheduler } from './sync-fakes.js';

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
let sync: SyncStore;
let server: FakeSyncServer;
let scheduler: ManualScheduler;
let statuses: SyncStatus[];
let inventoryEvents: InventoryChanges[];

function loop(options: { pushBatch?: number; pullLimit?: number; intervalMs?: number } = {}): SyncLoop {
  return new SyncLoop({
    store: sync,
    client: () => server,
    mode: 'server',
    scheduler: scheduler.schedule,
    onStatus: (status) => statuses.push(status),
    onInventory: (changes) => inventoryEvents.push(changes),
    ...options,
  });
}

function audit(count: number): void {
  for (let i = 0; i < count; i += 1) store.audit.append(auditEntry({ detail: `event ${i}` }));
}

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  sync = openSyncStore(store);
  sync.enroll({ serverUrl: 'http://127.0.0.1:9', benchId: 'b1', benchName: 'Bench-1', token: 't' });
  server = new FakeSyncServer();
  scheduler = new ManualScheduler();
  statuses = [];
  inventoryEvents = [];
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

describe('pushing the outbox', () => {
  it('keeps everything while the server is down for the whole run, then sends each event exactly once', async () => {
    server.down = true;
    const rounds = loop();
    audit(7);
    const offline = await rounds.runNow();
    await rounds.runNow();
    expect(offline).toMatchObject({ connected: false, syncing: false, pending: 7, rejected: 0 });
    expect(offline.lastError?.message).toMatch(/not reachable \(ECONNREFUSED\)/);
    expect(offline.lastError?.hint).toMatch(/offline/);
    expect(offline.lastAttemptAt).not.toBeNull();
    expect(offline.lastSyncAt).toBeNull();
    expect(sync.entries('pending').every((entry) => entry.attempts === 2 && entry.lastError !== null)).toBe(true);

    server.down = false;
    const back = await rounds.runNow();
    expect(back).toMatchObject({ connected: true, pending: 0, lastError: null });
    expect(back.lastSyncAt).not.toBeNull();
    expect(server.applied.map((event) => event.key)).toEqual(['audit:1', 'audit:2', 'audit:3', 'audit:4', 'audit:5', 'audit:6', 'audit:7']);
  });

  it('a batch whose answer was lost is sent again and counted once (the server answers duplicate)', async () => {
    const rounds = loop({ pushBatch: 3 });
    audit(5);
    server.loseAnswers = 1;
    const lost = await rounds.runNow();
    expect(lost.pending).toBe(5);
    expect(server.applied).toHaveLength(3); // applied, but the bench never heard
    const retried = await rounds.runNow();
    expect(retried.pending).toBe(0);
    expect(server.applied.map((event) => event.key)).toEqual(['audit:1', 'audit:2', 'audit:3', 'audit:4', 'audit:5']);
    expect(sync.entries().every((entry) => entry.state === 'sent')).toBe(true);
  });

  it('pushes in batches, oldest first', async () => {
    const rounds = loop({ pushBatch: 2 });
    audit(5);
    await rounds.runNow();
    expect(server.pushes).toBe(3);
    expect(server.applied.map((event) => event.key)).toEqual(['audit:1', 'audit:2', 'audit:3', 'audit:4', 'audit:5']);
  });

  it('an event the server rejects keeps its reason and is never sent again; the others go through', async () => {
    const rounds = loop();
    audit(3);
    server.rejectKeys.add('audit:2');
    const status = await rounds.runNow();
    expect(status).toMatchObject({ pending: 0, rejected: 1, connected: true });
    expect(sync.entry('audit:2')).toMatchObject({ state: 'rejected', rejection: { code: 'deprovision-pending', message: 'Refused audit:2.', hint: 'Wait.' } });
    expect(server.applied.map((event) => event.key)).toEqual(['audit:1', 'audit:3']);
    const pushes = server.pushes;
    await rounds.runNow();
    expect(server.pushes).toBe(pushes); // nothing pending: nothing pushed
  });
});

describe('pulling into the inventory copy', () => {
  it('pages through every change, advances the cursor, and announces what changed page by page', async () => {
    for (let i = 1; i <= 5; i += 1) server.publish(inventoryDevice(`SN${i}`, { revision: 1 }));
    const rounds = loop({ pullLimit: 2 });
    await rounds.runNow();
    expect(server.pulls).toBe(3);
    expect(sync.state().cursor).toBe(5);
    expect(sync.searchInventory({ offset: 0, limit: 100 }).total).toBe(5);
    expect(inventoryEvents.map((event) => event.devices.map((device) => device.serialNumber))).toEqual([['SN1', 'SN2'], ['SN3', 'SN4'], ['SN5']]);
    inventoryEvents = [];

    server.publish(inventoryDevice('SN1', { status: 'in-stock', revision: 3 }));
    server.publish(inventoryDevice('SN1', { status: 'enrolled', revision: 2 })); // older: ignored
    server.publishRemoved('SN2');
    await rounds.runNow();
    expect(sync.inventoryDevice('SN1')).toMatchObject({ status: 'in-stock', revision: 3 });
    expect(sync.inventoryDevice('SN2')).toBeNull();
    expect(inventoryEvents.flatMap((event) => event.devices)).toEqual([expect.objectContaining({ serialNumber: 'SN1', status: 'in-stock' })]);
    expect(inventoryEvents.flatMap((event) => event.removed)).toEqual(['SN2']);
    const announced = inventoryEvents.length;
    await rounds.runNow();
    expect(inventoryEvents).toHaveLength(announced); // nothing new: no event
  });

  it('does not pull while the outbox cannot be pushed (a change made here is not overwritten by an older copy)', async () => {
    server.publish(inventoryDevice('SN1'));
    server.pushDown = true;
    audit(1);
    const rounds = loop();
    await rounds.runNow();
    expect(server.pulls).toBe(0);
    expect(sync.inventoryDevice('SN1')).toBeNull();
    server.pushDown = false;
    await rounds.runNow();
    expect(sync.inventoryDevice('SN1')).not.toBeNull();
  });
});

describe('a server whose data was replaced', () => {
  it('reloads the copy from the start instead of failing every round (cursor-ahead), and announces what is gone', async () => {
    for (let i = 1; i <= 3; i += 1) server.publish(inventoryDevice(`SN${i}`, { revision: 1 }));
    const rounds = loop();
    await rounds.runNow();
    expect(sync.state().cursor).toBe(3);
    inventoryEvents = [];

    server.replaceData();
    server.publish(inventoryDevice('SN2', { status: 'in-stock', revision: 1 }));
    server.publish(inventoryDevice('SN9', { revision: 1 }));
    await rounds.runNow();
    expect(statuses.at(-1)).toMatchObject({ connected: true, lastError: null });
    expect(sync.state().cursor).toBe(2);
    expect(sync.searchInventory({ offset: 0, limit: 100 }).devices.map((device) => device.serialNumber)).toEqual(['SN2', 'SN9']);
    expect(sync.inventoryDevice('SN2')).toMatchObject({ status: 'in-stock' });
    expect(inventoryEvents.flatMap((event) => event.devices.map((device) => device.serialNumber))).toEqual(['SN2', 'SN9']);
    expect(inventoryEvents.flatMap((event) => event.removed).sort()).toEqual(['SN1', 'SN3']);
  });
});

describe('changes made here that the server rejects', () => {
  it('take the server\'s record instead (or drop a device the server does not know), and say so', async () => {
    const deprovisionId = '2f0c1c3e-6a6b-4d8e-9a53-1b8d2f1e7c10';
    server.publish(inventoryDevice('C1', { status: 'in-stock', revision: 4 }));
    const rounds = loop();
    await rounds.runNow();
    // Optimistic changes: C1 deprovisioned here, N1 pre-approved here.
    sync.putInventory(inventoryDevice('C1', { status: 'retired', revision: 4 }));
    sync.putInventory(inventoryDevice('N1', { status: 'pre-approved', revision: 0 }));
    sync.enqueue({ key: `deprovision:${deprovisionId}`, occurredAt: '2026-11-21T09:00:00.000Z', technician: 'Ana', body: { type: 'device.deprovision', deprovisionId, request: { serialNumbers: ['C1'], acknowledged: true, reason: 'retire', requestInfo: false } } });
    sync.enqueue({ key: 'preapprove:1', occurredAt: '2026-11-21T09:00:00.000Z', technician: 'Ana', body: { type: 'device.preapprove', device: { serialNumber: 'N1', platform: 'ios', ownership: 'corporate', deviceName: null, user: { email: 'a@example.com', name: 'A' } } } });
    server.rejectKeys.add(`deprovision:${deprovisionId}`);
    server.rejectKeys.add('preapprove:1');
    const status = await rounds.runNow();
    expect(status.rejected).toBe(2);
    expect(server.deviceReads.sort()).toEqual(['C1', 'N1']);
    expect(sync.inventoryDevice('C1')).toMatchObject({ status: 'in-stock' });
    expect(sync.inventoryDevice('N1')).toBeNull();
    expect(inventoryEvents.at(-1)).toEqual({ devices: [expect.objectContaining({ serialNumber: 'C1', status: 'in-stock' })], removed: ['N1'] });
  });
});

describe('scheduling', () => {
  it('waits longer after each failure, up to a minute, and returns to the interval after a success', async () => {
    const rounds = loop({ intervalMs: 10_000 });
    rounds.start();
    server.down = true;
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await rounds.runNow();
      delays.push(scheduler.nextDelay!);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
    server.down = false;
    await rounds.runNow();
    expect(scheduler.nextDelay).toBe(10_000);
    await rounds.stop();
  });

  it('something queued brings the next round forward (debounced), and the scheduled round runs', async () => {
    const rounds = loop({ intervalMs: 10_000 });
    rounds.start();
    expect(scheduler.nextDelay).toBe(0);
    audit(1);
    rounds.kick();
    expect(scheduler.nextDelay).toBe(0); // an earlier round is already planned: not delayed
    const first = scheduler.timers.find((timer) => !timer.cancelled)!;
    first.run();
    await rounds.runNow();
    expect(server.applied).toHaveLength(1);
    rounds.kick();
    expect(scheduler.nextDelay).toBe(200);
    await rounds.stop();
  });

  it('announces each status change once: syncing, then the outcome', async () => {
    const rounds = loop();
    audit(1);
    await rounds.runNow();
    expect(statuses.map((status) => [status.syncing, status.pending, status.connected])).toEqual([
      [true, 1, false],
      [true, 0, false],
      [false, 0, true],
    ]);
  });

  it('mode off: nothing is sent, the outbox keeps filling', async () => {
    const off = new SyncLoop({ store: sync, client: () => null, mode: 'off', scheduler: scheduler.schedule, onStatus: () => undefined, onInventory: () => undefined });
    audit(2);
    const status = await off.runNow();
    expect(status).toMatchObject({ mode: 'off', serverUrl: null, connected: false, pending: 2 });
    expect(server.pushes).toBe(0);
  });
});
