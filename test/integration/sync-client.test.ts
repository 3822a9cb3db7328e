/**
 * Benches syncing with a REAL central server (buildServer over PGlite,
 * listening on loopback) through core/sync: enrollment, two benches seeing
 * each other's pre-approvals and deprovisions within one sync, a server down
 * for a bench's whole run or losing every other answer (every event arrives
 * exactly once), device leases between benches, and what the bench asks the
 * server directly (history, the CSV wizard).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEventData } from '../../core/host/ports.js';
import { JobEngine } from '../../core/jobs/engine.js';
import { openStore, type BenchStore } from '../../core/store/index.js';
import { openSync, type OpenedSync, type TetheredDevices } from '../../core/sync/index.js';
import { WorkflowCatalog } from '../../core/workflows/catalog.js';
import { simulatedOrganization } from '../../core/workflows/organization.js';
import { openPGlite } from '../../server/db/pglite.js';
import type { ZodApp } from '../../server/routes/types.js';
import { addUser, login, serverOn, useDatabase } from '../support/server.js';
import { FakeBench } from '../unit/jobs-fakes.js';

const db = useDatabase({ name: 'pglite', open: () => openPGlite() });

/** Forwards to the server; can be stopped (nothing listens: ECONNREFUSED) and can lose every other answer after the server handled the request. */
class FlakyProxy {
  loseEveryOtherAnswer = false;
  private forwarded = 0;
  private server: http.Server | null = null;
  port = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => void this.forward(request, response));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async forward(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) if (typeof request.headers[name] === 'string') headers[name] = request.headers[name];
    const answer = await fetch(this.target + request.url, { method: request.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await answer.arrayBuffer());
    this.forwarded += 1;
    if (this.loseEveryOtherAnswer && this.forwarded % 2 === 1) {
      request.socket.destroy(); // the server did the work; the bench never hears
      return;
    }
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(body);
  }
}

interface Bench {
  name: string;
  store: BenchStore;
  devices: FakeBench;
  engine: JobEngine;
  sync: OpenedSync;
  inventoryEvents: SyncEventData<'inventory.changed'>[];
  close(): Promise<void>;
}

let app: ZodApp;
let serverUrl: string;
let admin: { authorization: string };
let dirs: string[];
let benches: Bench[];

async function enrollmentCode(benchName: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers: admin, payload: { benchName } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ code: string }>().code;
}

function tethered(fake: FakeBench): TetheredDevices {
  const view = (udid: string) => {
    const device = fake.devices.get(udid);
    if (!device?.present) return null;
    return { udid, serialNumber: device.serialNumber, ecid: '1', productType: 'iPhone14,2', productVersion: '18.1', deviceName: null, ready: device.state === 'ready' };
  };
  return {
    byUdid: view,
    bySerial: (serial) => [...fake.devices.values()].map((device) => view(device.udid)).find((device) => device?.serialNumber === serial) ?? null,
  };
}

/** A bench with its own store, enrolled with a fresh code (or `code`), syncing only when told (syncNow). */
async function openBench(name: string, options: { url?: string; code?: string | null; file?: string } = {}): Promise<Bench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bl-sync-client-'));
  dirs.push(dir);
  const store = openStore(options.file ?? path.join(dir, 'bench.db'));
  store.setSetting('technician', `Tech ${name}`);
  const devices = new FakeBench();
  const catalog = new WorkflowCatalog({ extraDir: null });
  const engine = new JobEngine({ store, presence: devices.presence(), services: devices.services(), catalog, organization: simulatedOrganization({ requestActivationRecord: () => Promise.resolve({ ActivationRecord: 'fake' }) }) });
  const code = options.code === undefined ? await enrollmentCode(name) : options.code;
  let sync: OpenedSync;
  try {
    sync = await openSync(
      { store, engine, catalog, devices: tethered(devices), scheduler: () => () => undefined },
      { mode: 'server', serverUrl: options.url ?? serverUrl, ...(code ? { enrollmentCode: code } : {}), benchName: name, timeoutMs: 5000 },
    );
  } catch (error) {
    store.close();
    throw error;
  }
  const inventoryEvents: SyncEventData<'inventory.changed'>[] = [];
  sync.hostSync.onInventoryChange((change) => inventoryEvents.push(change));
  const bench: Bench = {
    name,
    store,
    devices,
    engine,
    sync,
    inventoryEvents,
    async close() {
      await sync.stop();
      await engine.stop();
      store.close();
    },
  };
  benches.push(bench);
  return bench;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db().query<{ n: number | string }>(sql, params);
  return Number(row!.n);
}

beforeEach(async () => {
  dirs = [];
  benches = [];
  await addUser(db(), 'admin@example.org', 'admin');
  app = await serverOn(db());
  await app.listen({ host: '127.0.0.1', port: 0 });
  serverUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  admin = await login(app, 'admin@example.org');
});

afterEach(async () => {
  for (const bench of benches) await bench.close();
  await app.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('enrollment', () => {
  it('uses a code once: a second bench with the same code is refused with what to do; the enrolled bench restarts without it', async () => {
    const code = await enrollmentCode('Bench-1');
    const first = await openBench('Bench-1', { code });
    expect(first.sync.syncStore.state()).toMatchObject({ serverUrl, benchName: 'Bench-1', token: expect.any(String) });
    await expect(openBench('Bench-X', { code })).rejects.toMatchObject({ code: 'EnrollmentRefused', message: expect.stringMatching(/refused the enrollment code/), hint: expect.stringMatching(/new code/) });

    const file = first.store.path;
    await first.close();
    benches = benches.filter((bench) => bench !== first);
    const again = await openBench('Bench-1', { code: null, file });
    expect((await again.sync.hostSync.syncNow()).connected).toBe(true);
  });

  it('a bench never enrolled and given no code cannot start syncing', async () => {
    await expect(openBench('Bench-1', { code: null })).rejects.toMatchObject({ code: 'NotEnrolled' });
  });
});

describe('two benches and a server', () => {
  it('both pre-approve, one deprovisions, the other sees the new status within one sync and cannot deprovision it again', async () => {
    const a = await openBench('Bench-A');
    const b = await openBench('Bench-B');
    a.devices.add('udid-a1', { serialNumber: 'SNA1' });
    b.devices.add('udid-b1', { serialNumber: 'SNB1' });
    await a.sync.hostSync.preapprove({ udids: ['udid-a1'], ownership: 'corporate', user: { email: 'ana@example.org', name: 'Ana' } });
    await b.sync.hostSync.preapprove({ udids: ['udid-b1'], ownership: 'personal', user: { email: 'bo@example.org', name: 'Bo' } });
    await a.sync.hostSync.syncNow();
    await b.sync.hostSync.syncNow();
    await a.sync.hostSync.syncNow();
    for (const bench of [a, b]) {
      expect(bench.sync.hostSync.searchInventory({ offset: 0, limit: 10 }).devices.map((device) => [device.serialNumber, device.status, device.preapproved])).toEqual([
        ['SNA1', 'pre-approved', true],
        ['SNB1', 'pre-approved', true],
      ]);
    }

    a.devices.detach('udid-a1'); // picked from the inventory: no wipe job here
    const started = await a.sync.hostSync.deprovision({ serialNumbers: ['SNB1'], acknowledged: true, reason: 'employee-left', requestInfo: false });
    expect(started.started).toEqual([{ serialNumber: 'SNB1', deprovisionId: expect.any(String), wipe: 'corporate-data', jobId: null }]);
    const pushed = await a.sync.hostSync.syncNow();
    expect(pushed).toMatchObject({ connected: true, pending: 0, rejected: 0, lastError: null });

    const seen = b.inventoryEvents.length;
    await b.sync.hostSync.syncNow();
    const onB = b.sync.hostSync.searchInventory({ query: 'SNB1', offset: 0, limit: 10 }).devices[0];
    expect(onB).toMatchObject({ status: 'retired', pendingDeprovision: { id: started.started[0]!.deprovisionId, state: 'pending', requestedBy: expect.stringMatching(/Bench-A/) } });
    expect(b.inventoryEvents.slice(seen).flatMap((change) => change.devices.map((device) => device.serialNumber))).toContain('SNB1');
    const again = await b.sync.hostSync.deprovision({ serialNumbers: ['SNB1'], acknowledged: true, reason: 'retire', requestInfo: false });
    expect(again.refused).toEqual([expect.objectContaining({ code: 'DeprovisionPending', message: expect.stringMatching(/requested at .* by bench Bench-A \(technician Tech Bench-A\)/) })]);

    const history = await b.sync.hostSync.history('SNB1');
    expect(history.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['preapproved', 'deprovision-requested']));
  });
});

describe('what the server refuses', () => {
  it('a deprovision sent from a second bench after another one got there first is listed with the server\'s reason until a technician dismisses it', async () => {
    const a = await openBench('Bench-A');
    const b = await openBench('Bench-B');
    a.devices.add('udid-a1', { serialNumber: 'SNB1' });
    await a.sync.hostSync.preapprove({ udids: ['udid-a1'], ownership: 'corporate', user: { email: 'ana@example.org', name: 'Ana' } });
    await a.sync.hostSync.syncNow();
    await b.sync.hostSync.syncNow();
    a.devices.detach('udid-a1');
    // Both benches deprovision before either has heard of the other's.
    await a.sync.hostSync.deprovision({ serialNumbers: ['SNB1'], acknowledged: true, reason: 'employee-left', requestInfo: false });
    const fromB = await b.sync.hostSync.deprovision({ serialNumbers: ['SNB1'], acknowledged: true, reason: 'retire', requestInfo: false });
    expect(fromB.started).toHaveLength(1);
    await a.sync.hostSync.syncNow();
    expect((await b.sync.hostSync.syncNow()).rejected).toBe(1);

    const [rejection, ...others] = b.sync.hostSync.rejections({ limit: 100 });
    expect(others).toEqual([]);
    expect(rejection).toMatchObject({
      type: 'device.deprovision',
      summary: 'Deprovision of SNB1 (Retire device)',
      serialNumber: 'SNB1',
      technician: 'Tech Bench-B',
      code: 'deprovision-pending',
      message: expect.stringMatching(/^Device SNB1 already has a deprovision pending, requested .* by bench Bench-A/),
      hint: expect.stringMatching(/Wait until the device is wiped/),
      acknowledgedAt: null,
    });

    const after = await b.sync.hostSync.acknowledgeRejections({ keys: [rejection!.key] });
    expect(after.rejected).toBe(0);
    expect(b.sync.hostSync.rejections({ limit: 100 })).toEqual([{ ...rejection, acknowledgedAt: expect.any(String) }]);
    // The dismissal is audited, and that record reaches the server like any other.
    expect(await b.sync.hostSync.syncNow()).toMatchObject({ pending: 0, rejected: 0 });
    expect(await count("SELECT count(*) AS n FROM bench_audit WHERE action = 'sync.rejections.acknowledged'")).toBe(1);
  });
});

describe('devices observed at a bench', () => {
  it('reach the server once per identity and show in the device\'s history', async () => {
    const bench = await openBench('Bench-A');
    bench.devices.add('udid-1', { serialNumber: 'SN1' });
    await bench.sync.hostSync.preapprove({ udids: ['udid-1'], ownership: 'corporate', user: { email: 'ana@example.org', name: 'Ana' } });
    const device = { udid: 'udid-1', serialNumber: 'SN1', ecid: '1', productType: 'iPhone14,2', productVersion: '18.1', deviceName: 'iPhone', ready: true };
    bench.sync.hostSync.noteDevice(device);
    bench.sync.hostSync.noteDevice(device);
    const status = await bench.sync.hostSync.syncNow();
    expect(status).toMatchObject({ pending: 0, rejected: 0 });
    expect((await bench.sync.hostSync.history('SN1')).filter((entry) => entry.kind === 'observed')).toHaveLength(1);
    expect(bench.sync.hostSync.searchInventory({ query: 'SN1', offset: 0, limit: 1 }).devices[0]).toMatchObject({ udid: 'udid-1', productVersion: '18.1' });
  });
});

describe('faults', () => {
  it('server down for the bench\'s whole run, then back: one sync sends every event exactly once', async () => {
    const proxy = new FlakyProxy(serverUrl);
    await proxy.start();
    const bench = await openBench('Bench-A', { url: proxy.url });
    await proxy.stop();
    bench.devices.add('udid-1', { serialNumber: 'SN1' });
    bench.devices.add('udid-2', { serialNumber: 'SN2' });
    await bench.sync.hostSync.preapprove({ udids: ['udid-1', 'udid-2'], ownership: 'corporate', user: { email: 'ana@example.org', name: 'Ana' } });
    for (let i = 0; i < 20; i += 1) bench.store.audit.append({ at: new Date().toISOString(), technician: 'Tech', action: 'step.succeeded', jobId: null, workflowId: null, stepKind: null, udid: null, serialNumber: null, result: 'ok', detail: `step ${i}` });
    const offline = await bench.sync.hostSync.syncNow();
    const audits = bench.store.audit.records().length;
    expect(offline).toMatchObject({ connected: false, pending: 2 + audits });
    expect(offline.lastError?.message).toMatch(/not reachable \(ECONNREFUSED\)/);
    expect(bench.sync.hostSync.searchInventory({ offset: 0, limit: 10 }).total).toBe(2); // offline, from the copy

    await proxy.start(); // same port
    const back = await bench.sync.hostSync.syncNow();
    expect(back).toMatchObject({ connected: true, pending: 0, rejected: 0, lastError: null });
    const benchId = bench.sync.syncStore.state().benchId;
    expect(await count('SELECT count(*) AS n FROM bench_audit WHERE bench_id = $1', [benchId])).toBe(audits);
    expect(await count("SELECT count(*) AS n FROM device_history WHERE kind = 'preapproved'")).toBe(2);
    await proxy.stop();
  });

  it('a server whose every other answer is lost: retried batches take effect once', async () => {
    const proxy = new FlakyProxy(serverUrl);
    await proxy.start();
    const bench = await openBench('Bench-A', { url: proxy.url });
    bench.devices.add('udid-1', { serialNumber: 'SN1' });
    await bench.sync.hostSync.preapprove({ udids: ['udid-1'], ownership: 'corporate', user: { email: 'ana@example.org', name: 'Ana' } });
    const deprovision = await bench.sync.hostSync.syncNow().then(() => bench.devices.detach('udid-1')).then(() =>
      bench.sync.hostSync.deprovision({ serialNumbers: ['SN1'], acknowledged: true, reason: 'in-repair', requestInfo: false }),
    );
    expect(deprovision.started).toHaveLength(1);
    for (let i = 0; i < 30; i += 1) bench.store.audit.append({ at: new Date().toISOString(), technician: 'Tech', action: 'step.succeeded', jobId: null, workflowId: null, stepKind: null, udid: null, serialNumber: null, result: 'ok', detail: `step ${i}` });
    proxy.loseEveryOtherAnswer = true;
    let status = await bench.sync.hostSync.syncNow();
    for (let round = 0; round < 10 && (status.pending > 0 || !status.connected); round += 1) status = await bench.sync.hostSync.syncNow();
    expect(status).toMatchObject({ pending: 0, rejected: 0, connected: true });
    const benchId = bench.sync.syncStore.state().benchId;
    expect(await count('SELECT count(*) AS n FROM bench_audit WHERE bench_id = $1', [benchId])).toBe(bench.store.audit.records().length);
    expect(await count("SELECT count(*) AS n FROM deprovisions WHERE serial_number = 'SN1'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM device_history WHERE serial_number = 'SN1' AND kind = 'deprovision-requested'")).toBe(1);
    await proxy.stop();
  });

  it('a server answering something else: the status says so, nothing is lost', async () => {
    const bench = await openBench('Bench-A');
    const garbage = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    bench.sync.syncStore.enroll({ ...(bench.sync.syncStore.state() as { benchId: string; benchName: string; token: string }), serverUrl: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}` });
    bench.store.audit.append({ at: new Date().toISOString(), technician: 'Tech', action: 'x', jobId: null, workflowId: null, stepKind: null, udid: null, serialNumber: null, result: 'ok', detail: null });
    const status = await bench.sync.hostSync.syncNow();
    garbage.close();
    expect(status).toMatchObject({ connected: false, pending: 1 });
    expect(status.lastError?.message).toMatch(/does not understand/);
    expect(status.lastError?.hint).toMatch(/same version/);
  });
});

describe('leases between benches', () => {
  it('a second bench asking for the same device is refused, naming the bench that holds it', async () => {
    const a = await openBench('Bench-A');
    const b = await openBench('Bench-B');
    expect(await a.sync.leases.acquire('SN1', 'job-on-a')).toMatchObject({ kind: 'granted' });
    const held = await b.sync.leases.acquire('SN1', 'job-on-b');
    expect(held).toMatchObject({ kind: 'held', message: expect.stringMatching(/bench Bench-A/) });

    b.devices.add('udid-1', { serialNumber: 'SN1' });
    const refused = await b.sync.hostJobs.start({ workflowId: 'erase', udids: ['udid-1'], acknowledged: true, reason: 'retire' });
    expect(refused.jobs).toEqual([]);
    expect(refused.refused).toEqual([{ udid: 'udid-1', code: 'LeaseHeld', message: expect.stringMatching(/Bench-A/), hint: expect.any(String) }]);

    await a.sync.leases.release('SN1', 'job-on-a');
    expect(await b.sync.leases.acquire('SN1', 'job-on-b')).toMatchObject({ kind: 'granted' });
  });

  it('with the server unreachable the lease is not checked and the job may go ahead', async () => {
    const proxy = new FlakyProxy(serverUrl);
    await proxy.start();
    const bench = await openBench('Bench-A', { url: proxy.url });
    await proxy.stop();
    expect(await bench.sync.leases.acquire('SN1', 'job-1')).toEqual({ kind: 'unchecked', reason: 'lease not checked: server unreachable' });
  });
});

describe('what the bench asks the server directly', () => {
  const CSV = 'name,email,mobile,ownership,serialNumber,deviceName,platform,samAccountName,password\nAna Lima,ana@example.org,,corporate,CSV001,,ios,,\nBo,bo@example.org,,personal,CSV002,,ios,,\n';

  it('previews and imports a CSV as the bench; the imported devices arrive in the copy', async () => {
    const bench = await openBench('Bench-A');
    const preview = await bench.sync.hostSync.previewCsv({ csv: CSV, limit: 10 });
    expect(preview.rows.map((row) => [row.line, row.valid])).toEqual([[2, true], [3, true]]);
    const result = await bench.sync.hostSync.importCsv({ csv: CSV, mode: 'skip', excludeLines: [3] });
    expect(result).toMatchObject({ imported: 1, excluded: 1 });
    await bench.sync.hostSync.syncNow();
    expect(bench.sync.hostSync.searchInventory({ query: 'ana@EXAMPLE', offset: 0, limit: 10 }).devices.map((device) => device.serialNumber)).toEqual(['CSV001']);
    expect(bench.sync.hostSync.searchInventory({ query: 'csv001', offset: 0, limit: 10 }).total).toBe(0); // serials are case-sensitive
  });

  it('a CSV the server cannot read is refused with its message and hint', async () => {
    const bench = await openBench('Bench-A');
    const error = await bench.sync.hostSync.previewCsv({ csv: 'name;email\n"unclosed', limit: 10 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String), hint: expect.any(String) });
  });
});
