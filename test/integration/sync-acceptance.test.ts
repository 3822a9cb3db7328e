/**
 * Issue #5's acceptance, as processes on loopback: a central server
 * (`benchline-server` over embedded PGlite) and two benches (`benchline serve
 * --simulate`, each enrolled with its own one-time code). Both pre-approve
 * their devices, one deprovisions, the other sees the new status within one
 * sync; then the server is killed (-9) while the benches keep working and
 * comes back on the same port and data: nothing is lost and nothing counted twice.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Envelope, HistoryEntry, InventoryDevice, SyncStatus } from '../../core/contract/index.js';
import { freePort } from '../support/free-port.js';
import { environment } from '../support/processes.js';
import { databaseTargets, describeEachDatabase } from '../support/postgres.js';
import { serverStorage, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { connected, startServe, type ApiClient, type ServeProcess } from './serve-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'acceptance admin password';
const dir = mkdtempSync(path.join(tmpdir(), 'benchline-acceptance-'));
const running: { stop(signal: NodeJS.Signals): Promise<unknown> }[] = [];
const clients: ApiClient[] = [];
const cleanup: (() => void)[] = [];
const targets = await databaseTargets();

afterAll(async () => {
  for (const client of clients) client.close();
  for (const process of running.reverse()) await process.stop('SIGTERM').catch(() => undefined);
  for (const done of cleanup) done();
  rmSync(dir, { recursive: true, force: true });
});


function value<T>(envelope: Envelope<unknown>): T {
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message} (${envelope.error.hint})`);
  return envelope.value as T;
}

async function adminFetch<T>(server: ServerProcess, token: string, route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${server.url}${route}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Bench {
  serve: ServeProcess;
  api: ApiClient;
  store: string;
}

async function startBench(name: string, seed: string, server: ServerProcess, code: string): Promise<Bench> {
  const store = path.join(mkdtempSync(path.join(dir, `${name}-`)), 'bench.db');
  const serve = await startServe(['--port', '0', '--simulate', '3', '--seed', seed, '--store', store, '--server', server.url, '--enrollment-code', code, '--sync-interval', '60000']);
  running.push(serve);
  const api = await connected(serve.port);
  clients.push(api);
  value(await api.call('technician.set', { name: `${name} technician` }));
  return { serve, api, store };
}

async function readyDevices(bench: Bench, count: number): Promise<{ udid: string; serialNumber: string }[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const devices = value<{ udid: string | null; serialNumber: string | null; state: string }[]>(await bench.api.call('devices.list'));
    const ready = devices.filter((device) => device.state === 'ready' && device.udid && device.serialNumber);
    if (ready.length === count) return ready.map((device) => ({ udid: device.udid!, serialNumber: device.serialNumber! }));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the bench never had ${count} ready devices`);
}

const syncNow = async (bench: Bench): Promise<SyncStatus> => value<SyncStatus>(await bench.api.call('sync.now'));

async function device(bench: Bench, serialNumber: string): Promise<InventoryDevice | undefined> {
  const found = value<{ devices: InventoryDevice[] }>(await bench.api.call('inventory.search', { query: serialNumber }));
  return found.devices.find((entry) => entry.serialNumber === serialNumber);
}

async function waitForJobs(bench: Bench, count: number): Promise<{ state: string; serialNumber: string | null }[]> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const jobs = value<{ state: string; serialNumber: string | null }[]>(await bench.api.call('jobs.list', {}));
    if (jobs.length >= count && jobs.every((job) => ['succeeded', 'failed', 'cancelled'].includes(job.state))) return jobs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the wipe jobs never finished');
}

/** The bench's own audit log, read from its record with the CLI (after the bench stopped). */
function auditOf(store: string): { seq: number; hash: string }[] {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), 'audit', 'export', '--format', 'json', '--store', store], { env: environment({}), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`audit export failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { seq: number; hash: string }[];
}

describeEachDatabase('two benches and a central server on loopback (issue #5 acceptance)', targets, (target) => {
  it('pre-approve on both, deprovision on one, seen by the other within one sync; the server killed mid-run loses nothing', async () => {
    const port = await freePort();
    const serverArgs = [...(await serverStorage(target, cleanup)), '--port', String(port)];
    let server = await startServerProcess([...serverArgs, '--admin-email', 'admin@example.org'], { BENCHLINE_ADMIN_PASSWORD: PASSWORD });
    running.push(server);
    const session = await adminFetch<{ token: string }>(server, '', '/auth/login', { method: 'POST', body: { email: 'admin@example.org', password: PASSWORD } });
    const code = async (benchName: string): Promise<string> => (await adminFetch<{ code: string }>(server, session.token, '/benches/enrollment-codes', { method: 'POST', body: { benchName } })).code;

    const a = await startBench('Bench-A', '101', server, await code('Bench-A'));
    const b = await startBench('Bench-B', '202', server, await code('Bench-B'));
    const devicesA = await readyDevices(a, 3);
    const devicesB = await readyDevices(b, 3);

    // Both pre-approve what they hold: A's devices are corporate, B's personal.
    const addedA = value<{ queued: unknown[] }>(await a.api.call('preapproved.add', { udids: devicesA.map((d) => d.udid), ownership: 'corporate', user: { email: 'stock@example.org', name: 'Stockroom' } }));
    const addedB = value<{ queued: unknown[] }>(await b.api.call('preapproved.add', { udids: devicesB.map((d) => d.udid), ownership: 'personal', user: { email: 'ana@example.org', name: 'Ana Lopez' } }));
    expect(addedA.queued).toHaveLength(3);
    expect(addedB.queued).toHaveLength(3);
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);
    for (const { serialNumber } of [...devicesA, ...devicesB]) {
      expect((await device(a, serialNumber))?.status).toBe('pre-approved');
      expect((await device(b, serialNumber))?.status).toBe('pre-approved');
    }

    // A deprovisions one of B's devices from the inventory (not tethered at A): personal, employee left → Retired.
    const fromInventory = devicesB[0]!.serialNumber;
    const started = value<{ started: { jobId: string | null }[]; refused: unknown[] }>(
      await a.api.call('deprovision.start', { serialNumbers: [fromInventory], acknowledged: true, reason: 'employee-left', requestInfo: false }),
    );
    expect(started.refused).toEqual([]);
    expect(started.started[0]!.jobId).toBeNull();
    expect((await syncNow(a)).pending).toBe(0);
    // One sync at B and it knows.
    await syncNow(b);
    const seenAtB = await device(b, fromInventory);
    expect(seenAtB?.status).toBe('retired');
    expect(seenAtB?.pendingDeprovision?.reason).toBe('employee-left');
    // A second deprovision of it is refused while the first is pending, at B too.
    const again = value<{ refused: { code: string; message: string }[] }>(await b.api.call('deprovision.start', { serialNumbers: [fromInventory], acknowledged: true, reason: 'retire', requestInfo: false }));
    expect(again.refused[0]?.code).toBe('DeprovisionPending');

    // The server dies mid-run (-9: no goodbye) while both benches keep working.
    const pushing = syncNow(a);
    await server.stop('SIGKILL');
    await pushing.catch(() => undefined);
    // B wipes its own tethered devices for repair (personal → corporate data only, → In service).
    const repair = devicesB.slice(1).map((d) => d.serialNumber);
    const wiping = value<{ started: { jobId: string | null }[]; refused: unknown[] }>(
      await b.api.call('deprovision.start', { serialNumbers: repair, acknowledged: true, reason: 'in-repair', requestInfo: true }),
    );
    expect(wiping.refused).toEqual([]);
    expect(wiping.started.every((entry) => entry.jobId !== null)).toBe(true);
    // A retires one of its own: tethered there, so it is erased (corporate: full wipe) while the server is away.
    const retired = devicesA[0]!.serialNumber;
    const retiring = value<{ started: { jobId: string | null; wipe: string }[] }>(await a.api.call('deprovision.start', { serialNumbers: [retired], acknowledged: true, reason: 'retire', requestInfo: false }));
    expect(retiring.started[0]).toMatchObject({ wipe: 'full', jobId: expect.any(String) });
    const jobs = await waitForJobs(b, 2);
    expect(jobs.map((job) => job.state)).toEqual(['succeeded', 'succeeded']);
    expect((await waitForJobs(a, 1)).map((job) => job.state)).toEqual(['succeeded']);
    const offlineA = await syncNow(a);
    const offlineB = await syncNow(b);
    for (const status of [offlineA, offlineB]) {
      expect(status.connected).toBe(false);
      expect(status.pending).toBeGreaterThan(0);
      expect(status.lastError?.message).toMatch(/not reachable/);
    }

    // The server comes back on the same port and data; each bench catches up in one sync.
    server = await startServerProcess(serverArgs);
    running.push(server);
    const backA = await syncNow(a);
    const backB = await syncNow(b);
    expect(backA).toMatchObject({ connected: true, pending: 0, rejected: 0, lastError: null });
    expect(backB).toMatchObject({ connected: true, pending: 0, rejected: 0, lastError: null });
    await syncNow(a);
    expect((await device(a, retired))?.status).toBe('retired');
    expect((await device(a, retired))?.pendingDeprovision).toBeNull();
    for (const serialNumber of repair) {
      const record = await device(a, serialNumber);
      expect(record?.status).toBe('in-service');
      // The wipe job's end reached the server: the deprovision is complete.
      expect(record?.pendingDeprovision).toBeNull();
    }

    // Exactly once on the server: one deprovision request per device, however often batches were retried.
    const admin = (await adminFetch<{ token: string }>(server, '', '/auth/login', { method: 'POST', body: { email: 'admin@example.org', password: PASSWORD } })).token;
    for (const serialNumber of [fromInventory, retired, ...repair]) {
      const { entries } = await adminFetch<{ entries: HistoryEntry[] }>(server, admin, `/inventory/${encodeURIComponent(serialNumber)}/history`);
      expect(entries.filter((entry) => entry.kind === 'deprovision-requested')).toHaveLength(1);
      expect(entries.filter((entry) => entry.kind === 'preapproved')).toHaveLength(1);
    }
    for (const serialNumber of [retired, ...repair]) {
      const { entries } = await adminFetch<{ entries: HistoryEntry[] }>(server, admin, `/inventory/${encodeURIComponent(serialNumber)}/history`);
      expect(entries.filter((entry) => entry.kind === 'deprovision-completed')).toHaveLength(1);
    }

    // Each bench's whole audit log is on the server, once, ending at the bench's own head.
    const { benches } = await adminFetch<{ benches: { id: string; name: string }[] }>(server, admin, '/benches');
    for (const [name, bench] of [['Bench-A', a], ['Bench-B', b]] as const) {
      await bench.serve.stop('SIGTERM');
      const local = auditOf(bench.store);
      const id = benches.find((entry) => entry.name === name)!.id;
      const copy = await adminFetch<{ count: number; headHash: string | null }>(server, admin, `/benches/${id}/audit`);
      expect(copy.count, JSON.stringify(local.slice(copy.count))).toBe(local.length);
      expect(copy.headHash).toBe(local.at(-1)!.hash);
    }
  });
});
