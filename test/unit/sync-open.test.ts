/**
 * openSync, the one call the host composition makes: mode off (no server:
 * commands that need one refuse NoServer, the outbox keeps filling, leases
 * are unchecked), standalone (the embedded server's URL and token, kept
 * across a new port), and a server mode with nothing enrolled.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobEngine } from '../../core/jobs/engine.js';
import { openStore, type BenchStore } from '../../core/store/index.js';
import { openSync, type OpenedSync, type TetheredDevice, type TetheredDevices } from '../../core/sync/index.js';
import { WorkflowCatalog } from '../../core/workflows/catalog.js';
import { simulatedOrganization } from '../../core/workflows/organization.js';
import { FakeBench } from './jobs-fakes.js';
import { tempDir } from './store-fixtures.js';

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
let engine: JobEngine;
let opened: OpenedSync[];
let readyListeners: ((device: TetheredDevice) => void)[];
const catalog = new WorkflowCatalog({ extraDir: null });

const device: TetheredDevice = { udid: 'u1', serialNumber: 'SN1', ecid: '1', productType: 'iPhone14,2', productVersion: '18.1', deviceName: null, ready: true };
const devices: TetheredDevices = {
  byUdid: (udid) => (udid === 'u1' ? device : null),
  bySerial: (serial) => (serial === 'SN1' ? device : null),
  onReady: (listener) => {
    readyListeners.push(listener);
    listener(device);
    return { close: () => void readyListeners.splice(readyListeners.indexOf(listener), 1) };
  },
};

async function open(options: Parameters<typeof openSync>[1]): Promise<OpenedSync> {
  const sync = await openSync({ store, engine, catalog, devices, scheduler: () => () => undefined }, options);
  opened.push(sync);
  return sync;
}

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  store.setSetting('technician', 'Ana');
  const bench = new FakeBench();
  engine = new JobEngine({ store, presence: bench.presence(), services: bench.services(), catalog, organization: simulatedOrganization({ requestActivationRecord: () => Promise.resolve({ ActivationRecord: 'fake' }) }) });
  opened = [];
  readyListeners = [];
});
afterEach(async () => {
  for (const sync of opened) await sync.stop();
  await engine.stop();
  store.close();
  temp.cleanup();
});

describe('openSync', () => {
  it('mode off: what needs a server refuses NoServer; the outbox keeps filling for a server configured later', async () => {
    const sync = await open({ mode: 'off', benchName: 'Bench-1' });
    expect(sync.hostSync.status()).toMatchObject({ mode: 'off', serverUrl: null, connected: false, lastError: null });
    await expect(sync.hostSync.history('SN1')).rejects.toMatchObject({ code: 'NoServer', hint: expect.stringMatching(/--server-url/) });
    await expect(sync.hostSync.importCsv({ csv: 'x', mode: 'skip', excludeLines: [] })).rejects.toMatchObject({ code: 'NoServer' });
    const added = await sync.hostSync.preapprove({ udids: ['u1'], ownership: 'corporate', user: { email: 'ana@example.com', name: 'Ana' } });
    expect(added.queued).toEqual([{ udid: 'u1', serialNumber: 'SN1' }]);
    const status = await sync.hostSync.syncNow();
    // device.observed (the ready device), device.preapprove, and the audit record of the pre-approval.
    expect(status.pending).toBe(3);
    expect(sync.syncStore.entries().map((entry) => entry.type).sort()).toEqual(['audit.record', 'device.observed', 'device.preapprove']);
    expect(await sync.leases.acquire('SN1', 'job-1')).toEqual({ kind: 'unchecked', reason: 'lease not checked: no server configured' });
  });

  it('queues a device that becomes ready once, and stops listening when stopped', async () => {
    const sync = await open({ mode: 'off', benchName: 'Bench-1' });
    readyListeners.forEach((listener) => listener(device));
    expect(sync.syncStore.entries().filter((entry) => entry.type === 'device.observed')).toHaveLength(1);
    await sync.stop();
    expect(readyListeners).toEqual([]);
  });

  it('standalone: keeps the embedded server\'s bench identity across a new port and token', async () => {
    const first = await open({ mode: 'standalone', serverUrl: 'http://127.0.0.1:40001', standaloneToken: 't1', standaloneBenchId: '00000000-0000-4000-8000-00000000b1e5', benchName: 'Bench-1' });
    first.syncStore.applyChanges([], 42);
    await first.stop();
    const second = await open({ mode: 'standalone', serverUrl: 'http://127.0.0.1:40002', standaloneToken: 't2', standaloneBenchId: '00000000-0000-4000-8000-00000000b1e5', benchName: 'Bench-1' });
    expect(second.syncStore.state()).toMatchObject({ serverUrl: 'http://127.0.0.1:40002', token: 't2', cursor: 42 });
    expect(second.hostSync.status()).toMatchObject({ mode: 'standalone', serverUrl: 'http://127.0.0.1:40002' });
  });

  it('server mode needs a URL and an enrollment the first time, and says how to get one', async () => {
    await expect(open({ mode: 'server', benchName: 'Bench-1' })).rejects.toMatchObject({ code: 'NoServer', hint: expect.stringMatching(/--enrollment-code/) });
    await expect(open({ mode: 'server', serverUrl: 'http://127.0.0.1:9', benchName: 'Bench-1' })).rejects.toMatchObject({ code: 'NotEnrolled' });
    await expect(open({ mode: 'server', serverUrl: 'http://127.0.0.1:9', enrollmentCode: 'code', benchName: 'Bench-1' })).rejects.toMatchObject({ message: expect.stringMatching(/cannot enroll.*not reachable/), hint: expect.stringMatching(/enrolling needs the server once/) });
  });
});
