/**
 * The technician's sync commands (BenchSync) with fake devices, jobs and
 * server: pre-approving tethered devices, deprovisioning with its refusals
 * and wipe jobs, devices observed once per identity, and what needs the server.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InventoryDevice } from '../../core/contract/server-wire.js';
import { HostRefusal } from '../../core/host/envelopes.js';
import type { SyncEventData } from '../../core/host/ports.js';
import type { BenchStartRequest } from '../../core/jobs/host-jobs.js';
import type { StartOutcome } from '../../core/jobs/engine.js';
import { openStore, openSyncStore, type BenchStore, type SyncStore } from '../../core/store/index.js';
import { BenchSync, type CommandServer } from '../../core/sync/bench-sync.js';
import type { TetheredDevice } from '../../core/sync/devices.js';
import { ServerCallError } from '../../core/sync/server-client.js';
import { SyncLoop } from '../../core/sync/sync-loop.js';
import { WorkflowCatalog } from '../../core/workflows/catalog.js';
import { tempDir } from './store-fixtures.js';
import { FakeSyncServer, inventoryDevice, ManualScheduler, unreachable } from './sync-fakes.js';

const NOW = new Date('2026-11-21T09:00:00.000Z');

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
let syncStore: SyncStore;
let devices: Map<string, TetheredDevice>;
let startRequests: BenchStartRequest[];
let startAnswer: (request: BenchStartRequest) => StartOutcome;
let commandServer: CommandServer | null;
let inventoryEvents: SyncEventData<'inventory.changed'>[];
let bench: BenchSync;

function tethered(udid: string, overrides: Partial<TetheredDevice> = {}): TetheredDevice {
  const device: TetheredDevice = { udid, serialNumber: `SN-${udid}`, ecid: '42', productType: 'iPhone14,2', productVersion: '18.1', deviceName: 'Ana’s iPhone', ready: true, ...overrides };
  devices.set(udid, device);
  return device;
}

function seed(device: InventoryDevice): void {
  syncStore.applyChanges([{ seq: syncStore.state().cursor + 1, kind: 'device', device }], syncStore.state().cursor + 1);
}

function jobFor(request: BenchStartRequest): StartOutcome {
  return { batchId: 'batch', refused: [], jobs: [{ id: `job-${request.udids[0]}` } as StartOutcome['jobs'][number]] };
}

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  syncStore = openSyncStore(store);
  syncStore.enroll({ serverUrl: 'http://127.0.0.1:9', benchId: 'b1', benchName: 'Bench-2', token: 't' });
  store.setSetting('technician', 'Ana');
  devices = new Map();
  startRequests = [];
  startAnswer = jobFor;
  commandServer = null;
  inventoryEvents = [];
  const loop = new SyncLoop({ store: syncStore, client: () => new FakeSyncServer(), mode: 'server', scheduler: new ManualScheduler().schedule, onStatus: () => undefined, onInventory: () => undefined });
  bench = new BenchSync({
    store,
    syncStore,
    loop,
    client: () => commandServer,
    jobs: { startJobs: (request) => (startRequests.push(request), Promise.resolve(startAnswer(request))) },
    catalog: new WorkflowCatalog({ extraDir: null }),
    devices: {
      byUdid: (udid) => devices.get(udid) ?? null,
      bySerial: (serial) => [...devices.values()].find((device) => device.serialNumber === serial) ?? null,
    },
    benchName: 'bench-host',
    now: () => NOW,
  });
  bench.onInventoryChange((change) => inventoryEvents.push(change));
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

async function refusalOf(promise: Promise<unknown>): Promise<HostRefusal> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(HostRefusal);
  return error as HostRefusal;
}

describe('pre-approving tethered devices', () => {
  it('queues each device with its serial number and platform, audits it, and shows it in the copy at once', async () => {
    tethered('u1');
    const result = await bench.preapprove({ udids: ['u1'], ownership: 'personal', user: { email: 'ana@example.com', name: 'Ana Lima' } });
    expect(result).toEqual({ queued: [{ udid: 'u1', serialNumber: 'SN-u1' }], refused: [] });
    const [event] = syncStore.entries().filter((entry) => entry.type === 'device.preapprove');
    expect(event).toMatchObject({ technician: 'Ana', body: { type: 'device.preapprove', device: { serialNumber: 'SN-u1', platform: 'ios', ownership: 'personal', deviceName: 'Ana’s iPhone', user: { email: 'ana@example.com', name: 'Ana Lima' } } } });
    expect(event!.key).toMatch(/^preapprove:[0-9a-f-]{36}$/);
    expect(store.audit.records().map((record) => [record.action, record.serialNumber, record.technician])).toEqual([['device.preapprove', 'SN-u1', 'Ana']]);
    expect(bench.searchInventory({ query: 'SN-u1', offset: 0, limit: 10 }).devices).toEqual([expect.objectContaining({ status: 'pre-approved', preapproved: true, ownership: 'personal', userEmail: 'ana@example.com' })]);
    expect(inventoryEvents).toHaveLength(1);
  });

  it('an existing device keeps its status and becomes pre-approved', async () => {
    tethered('u1');
    seed(inventoryDevice('SN-u1', { status: 'in-stock', preapproved: false }));
    await bench.preapprove({ udids: ['u1'], ownership: 'corporate', user: { email: 'bo@example.com', name: 'Bo' } });
    expect(syncStore.inventoryDevice('SN-u1')).toMatchObject({ status: 'in-stock', preapproved: true, userEmail: 'bo@example.com' });
  });

  it('refuses per device what cannot be pre-approved, and queues the rest', async () => {
    tethered('u1');
    tethered('u2', { serialNumber: null });
    tethered('u3', { productType: 'Watch6,1' });
    const result = await bench.preapprove({ udids: ['u1', 'u2', 'u3', 'u4'], ownership: 'corporate', user: { email: 'a@example.com', name: 'A' } });
    expect(result.queued.map((item) => item.udid)).toEqual(['u1']);
    expect(result.refused.map((item) => [item.udid, item.code])).toEqual([['u2', 'NoSerialNumber'], ['u3', 'UnknownPlatform'], ['u4', 'DeviceNotTethered']]);
    expect(result.refused[0]!.hint).toMatch(/ready/);
    const overridden = await bench.preapprove({ udids: ['u3'], ownership: 'corporate', platform: 'ios', user: { email: 'a@example.com', name: 'A' } });
    expect(overridden.queued).toHaveLength(1);
  });

  it('needs a technician: every action is recorded with one', async () => {
    store.setSetting('technician', ' ');
    tethered('u1');
    const refusal = await refusalOf(bench.preapprove({ udids: ['u1'], ownership: 'corporate', user: { email: 'a@example.com', name: 'A' } }));
    expect(refusal.code).toBe('NoTechnician');
    expect(syncStore.entries()).toEqual([]);
  });
});

describe('deprovisioning', () => {
  const params = { acknowledged: true, requestInfo: false } as const;

  it('refuses the whole command when not acknowledged, or reason Other without a wipe', async () => {
    seed(inventoryDevice('C1'));
    expect((await refusalOf(bench.deprovision({ ...params, acknowledged: false, serialNumbers: ['C1'], reason: 'retire' }))).code).toBe('NotAcknowledged');
    const wipe = await refusalOf(bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'other' }));
    expect(wipe.code).toBe('WipeRequired');
    expect(wipe.hint).toMatch(/full wipe.*corporate-data wipe/);
    const note = await refusalOf(bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'other', wipe: 'full', note: ' ' }));
    expect([note.code, note.hint]).toEqual(['NoteRequired', 'Describe why the devices are deprovisioned in the note.']);
    expect(syncStore.entries()).toEqual([]);
  });

  it('refuses a device not in the inventory, saying as of when (serial numbers are case-sensitive)', async () => {
    seed(inventoryDevice('C02XK1'));
    syncStore.noteRound({ attemptAt: '2026-11-21T08:59:00.000Z', syncAt: '2026-11-21T08:59:00.000Z', error: null });
    const result = await bench.deprovision({ ...params, serialNumbers: ['c02xk1'], reason: 'retire' });
    expect(result.started).toEqual([]);
    expect(result.refused).toEqual([{ serialNumber: 'c02xk1', code: 'NotInInventory', message: "c02xk1 is not in the organisation's inventory (as of the last sync at 2026-11-21T08:59:00.000Z).", hint: expect.stringMatching(/case-sensitive/) }]);
  });

  it('queues the deprovision with the wipe and status the rules give, and starts the wipe when the device is here', async () => {
    seed(inventoryDevice('P1', { ownership: 'personal', status: 'enrolled' }));
    tethered('u1', { serialNumber: 'P1' });
    const result = await bench.deprovision({ ...params, serialNumbers: ['P1'], reason: 'employee-left', requestInfo: true, note: 'left in May' });
    expect(result.refused).toEqual([]);
    expect(result.started).toEqual([{ serialNumber: 'P1', deprovisionId: expect.stringMatching(/^[0-9a-f-]{36}$/), wipe: 'corporate-data', jobId: 'job-u1' }]);
    const { deprovisionId } = result.started[0]!;
    expect(startRequests).toEqual([{ workflowId: 'remove-management-profile', udids: ['u1'], acknowledged: true, reason: 'employee-left', params: { deprovisionId } }]);
    const event = syncStore.entry(`deprovision:${deprovisionId}`);
    expect(event?.body).toEqual({
      type: 'device.deprovision',
      deprovisionId,
      request: { serialNumbers: ['P1'], acknowledged: true, reason: 'employee-left', note: 'left in May', requestInfo: true, deviceInfo: { P1: { udid: 'u1', ecid: '42', serialNumber: 'P1', productType: 'iPhone14,2', productVersion: '18.1', deviceName: 'Ana’s iPhone' } } },
    });
    expect(syncStore.inventoryDevice('P1')).toMatchObject({
      status: 'retired',
      purgeAfter: '2027-02-19T09:00:00.000Z',
      pendingDeprovision: { id: deprovisionId, state: 'pending', wipe: 'corporate-data', toStatus: 'retired', requestedBy: 'bench Bench-2 (technician Ana)' },
    });
    expect(store.audit.records().at(-1)).toMatchObject({ action: 'device.deprovision', serialNumber: 'P1', jobId: 'job-u1', result: 'queued' });
    expect(inventoryEvents.at(-1)?.devices.map((device) => device.serialNumber)).toEqual(['P1']);
  });

  it('reason Other with a full wipe erases a corporate device back to stock; a device not here gets no job', async () => {
    seed(inventoryDevice('C1'));
    seed(inventoryDevice('C2'));
    tethered('u1', { serialNumber: 'C1' });
    const result = await bench.deprovision({ ...params, serialNumbers: ['C1', 'C2'], reason: 'other', wipe: 'full', note: 'lease ended' });
    expect(result.started.map((item) => [item.serialNumber, item.wipe, item.jobId])).toEqual([['C1', 'full', 'job-u1'], ['C2', 'full', null]]);
    expect(startRequests.map((request) => [request.workflowId, request.reason])).toEqual([['erase', 'return-to-stock']]);
    expect(syncStore.inventoryDevice('C2')?.status).toBe('in-stock');
  });

  it('refuses a second deprovision while one is pending, naming when and by whom', async () => {
    seed(inventoryDevice('C1'));
    await bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'in-repair' });
    const second = await bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'retire' });
    expect(second.refused).toEqual([{ serialNumber: 'C1', code: 'DeprovisionPending', message: 'A deprovision of C1 is already pending: requested at 2026-11-21T09:00:00.000Z by bench Bench-2 (technician Ana).', hint: expect.stringMatching(/wiped/) }]);
    expect(syncStore.entries().filter((entry) => entry.type === 'device.deprovision')).toHaveLength(1);
  });

  it('refuses a device the server already has a pending deprovision for, and a retired one', async () => {
    seed(inventoryDevice('C1', { status: 'in-stock', pendingDeprovision: { id: '2f0c1c3e-6a6b-4d8e-9a53-1b8d2f1e7c10', serialNumber: 'C1', reason: 'employee-left', note: null, wipe: 'full', requestInfo: false, deviceInfo: null, toStatus: 'in-stock', state: 'pending', requestedBy: 'admin@example.com', requestedAt: '2026-11-20T10:00:00.000Z', completedAt: null, completion: null } }));
    seed(inventoryDevice('C2', { status: 'retired' }));
    const result = await bench.deprovision({ ...params, serialNumbers: ['C1', 'C2'], reason: 'retire' });
    expect(result.refused.map((item) => [item.code, item.message])).toEqual([
      ['DeprovisionPending', 'A deprovision of C1 is already pending: requested at 2026-11-20T10:00:00.000Z by admin@example.com.'],
      ['AlreadyRetired', 'C2 is already retired: there is nothing to deprovision.'],
    ]);
  });

  it('when the wipe cannot start here (another bench holds the lease), nothing is queued', async () => {
    seed(inventoryDevice('C1'));
    tethered('u1', { serialNumber: 'C1' });
    startAnswer = () => ({ batchId: 'b', jobs: [], refused: [{ udid: 'u1', code: 'LeaseHeld', message: 'C1 is being worked on at bench Bench-1 (job j) until 10:00.', hint: 'Finish or cancel the job there first.' }] });
    const result = await bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'retire' });
    expect(result.started).toEqual([]);
    expect(result.refused).toEqual([{ serialNumber: 'C1', code: 'LeaseHeld', message: expect.stringMatching(/at bench Bench-1.*Nothing was deprovisioned/), hint: 'Finish or cancel the job there first.' }]);
    expect(syncStore.entries().filter((entry) => entry.type === 'device.deprovision')).toEqual([]);
    expect(syncStore.inventoryDevice('C1')?.pendingDeprovision).toBeNull();
  });
});

describe('a deprovision and its wipe job', () => {
  const params = { acknowledged: true, requestInfo: false } as const;

  it('reaches the server before the job\'s end, however fast the job ends', async () => {
    seed(inventoryDevice('C1'));
    tethered('u1', { serialNumber: 'C1' });
    startAnswer = (request) => {
      // The job ends before startJobs returns: its trigger queues job.finished at once.
      syncStore.enqueue({ key: 'job:fast', occurredAt: NOW.toISOString(), technician: 'Ana', body: { type: 'job.finished', job: { jobId: 'fast', workflowId: 'erase', udid: 'u1', serialNumber: 'C1', state: 'succeeded', technician: 'Ana', reason: null, deprovisionId: String(request.params?.deprovisionId), errorMessage: null, finishedAt: NOW.toISOString() } } });
      return jobFor(request);
    };
    const result = await bench.deprovision({ ...params, serialNumbers: ['C1'], reason: 'retire' });
    const keys = syncStore.pending(100).map((entry) => entry.key).filter((key) => !key.startsWith('audit:'));
    expect(keys).toEqual([`deprovision:${result.started[0]!.deprovisionId}`, 'job:fast']);
  });

  it('after a crash while the wipe was starting: recorded if its job exists, withdrawn if not', () => {
    const withJob = '2f0c1c3e-6a6b-4d8e-9a53-1b8d2f1e7c10';
    const withoutJob = '3a1d2e4f-7b8c-4d9e-8f60-2c9e3f2a8d21';
    const held = (id: string) => ({ key: `deprovision:${id}`, occurredAt: NOW.toISOString(), technician: 'Ana', body: { type: 'device.deprovision' as const, deprovisionId: id, request: { serialNumbers: ['C1'], acknowledged: true as const, reason: 'retire' as const, requestInfo: false } } });
    syncStore.enqueue(held(withJob), 'held');
    syncStore.enqueue(held(withoutJob), 'held');
    store.saveWorkflow({ id: 'erase', hash: 'h', definition: '{}' });
    store.createJob({ id: 'job-1', batchId: 'b', workflowId: 'erase', workflowHash: 'h', udid: 'u1', ecid: null, serialNumber: 'C1', technician: 'Ana', reason: 'retire', params: { deprovisionId: withJob }, createdAt: NOW.toISOString(), steps: [] });
    expect(syncStore.counts().pending).toBe(0);
    bench.recoverHeld();
    expect(syncStore.entry(`deprovision:${withJob}`)?.state).toBe('pending');
    expect(syncStore.entry(`deprovision:${withoutJob}`)).toBeNull();
    expect(store.audit.records().at(-1)).toMatchObject({ action: 'device.deprovision', jobId: 'job-1', detail: expect.stringMatching(/recorded after a restart/) });
  });
});

describe('devices observed at the bench', () => {
  it('queues a ready device once per identity: again only when it changed (an OS update)', () => {
    const device = tethered('u1');
    bench.noteDevice(device);
    bench.noteDevice(device);
    bench.noteDevice({ ...device, productVersion: '18.2' });
    bench.noteDevice({ ...device, ready: false, productVersion: '18.3' });
    bench.noteDevice({ ...device, serialNumber: 'W1', productType: 'Watch6,1' });
    const observed = syncStore.entries().filter((entry) => entry.type === 'device.observed');
    expect(observed.map((entry) => (entry.body.type === 'device.observed' ? entry.body.device.productVersion : null))).toEqual(['18.1', '18.2']);
    expect(observed[0]).toMatchObject({ technician: null, body: { device: { serialNumber: 'SN-u1', udid: 'u1', platform: 'ios' } } });
  });
});

describe('what needs the server', () => {
  it('without a server: NoServer with how to configure one', async () => {
    const refusal = await refusalOf(bench.history('C1'));
    expect(refusal.code).toBe('NoServer');
    expect(refusal.hint).toMatch(/--server-url/);
    expect((await refusalOf(bench.previewCsv({ csv: 'a,b', limit: 10 }))).code).toBe('NoServer');
  });

  it('offline: ServerUnreachable; a CSV the server refuses keeps its line in the message', async () => {
    commandServer = {
      history: () => Promise.reject(unreachable()),
      previewCsv: () => Promise.reject(new ServerCallError('refused', 'csv-malformed', 'The CSV cannot be read: unclosed quote.', 'Fix the quote and upload it again.', 422, { line: 7 })),
      importCsv: vi.fn(() => Promise.reject(unreachable())),
    };
    const offline = await refusalOf(bench.history('C1'));
    expect(offline.code).toBe('ServerUnreachable');
    expect(offline.message).toMatch(/not reachable/);
    expect(offline.hint).toMatch(/offline/);
    const csv = await refusalOf(bench.previewCsv({ csv: 'a,"b', limit: 10 }));
    expect([csv.code, csv.message, csv.hint]).toEqual(['csv-malformed', 'The CSV cannot be read: unclosed quote. (line 7)', 'Fix the quote and upload it again.']);
    expect((await refusalOf(bench.importCsv({ csv: 'a', mode: 'skip', excludeLines: [] }))).hint).toMatch(/Nothing was imported/);
  });
});
