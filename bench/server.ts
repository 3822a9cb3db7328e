/**
 * `npm run bench:server`: benches syncing with the central server (issue #5 target: 50 benches,
 * p99 ≤ 100 ms on loopback). The server runs over embedded PGlite in a fresh directory (the
 * default deployment) in a worker thread of this process, on a free loopback port, logger off;
 * `--database-url postgres://…` runs it over PostgreSQL instead.
 *
 * 50 benches are enrolled (enrollment code → token) and 10k devices imported; then autocannon
 * drives one connection per bench, each with its own token and state, alternating
 *   GET /sync/pull?cursor=<its cursor>   and   POST /sync/push (10 events from its outbox)
 * for `--duration` seconds. A push carries audit.record events (chained per bench as core/audit
 * hashes them), device.observed and job.finished for the devices on its cables, a
 * device.preapprove every 5th push and a device.deprovision every 10th (see nextEvent). The outbox behaves as a bench's does: events leave it only
 * once the server answered for them, so a failed push is sent again with the same keys.
 *
 * Also measured in the same run: the same load from 1 bench, GET /health from 50 connections,
 * and 50 benches each syncing (a pull, then a push) every 2 s, five times the default interval.
 * Flat out, 50 connections with no pause measure capacity: by Little's law the mean latency is
 * 50 / throughput, so p99 ≤ 100 ms there needs well over 500 requests/s from the database.
 * Prints p50/p90/p99/max latency, requests/s and events/s per phase and PASS/FAIL against the
 * target; writes bench/results/server-<timestamp>.json. A measurement: it exits 0 either way.
 *
 *   node dist/bench/server.js [--duration 20] [--benches 50] [--devices 10000] [--database-url URL]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { GENESIS_HASH, recordHash } from '../core/audit/canonical.js';
import { MAX_PULL_LIMIT, type SyncEvent, type SyncEventBody, type SyncPullResult, type SyncPushResult } from '../core/contract/server-wire.js';
import { machineInfo, percentile, round, writeResults } from './lib.js';
import { generatePreapprovedCsv } from './preapproved-rows.js';
import type { ServerWorkerData } from './server-worker.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    benches: { type: 'string', default: '50' },
    devices: { type: 'string', default: '10000' },
    'database-url': { type: 'string' },
  },
});
const DURATION_S = Number(values.duration);
const BENCHES = Number(values.benches);
const DEVICES = Number(values.devices);
const TARGET_P99_MS = 100;
const EVENTS_PER_PUSH = 10;
const ADMIN = { email: 'admin@example.org', password: 'bench password 1' };

// ---------------------------------------------------------------------------------------------
// The server, in its own thread

const dataDir = values['database-url'] === undefined ? mkdtempSync(path.join(os.tmpdir(), 'benchline-bench-server-')) : null;
const worker = new Worker(new URL('./server-worker.js', import.meta.url), {
  workerData: { dataDir, databaseUrl: values['database-url'] ?? null, adminEmail: ADMIN.email, adminPassword: ADMIN.password } satisfies ServerWorkerData,
});
const fromWorker = <T>(key: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const listen = (message: Record<string, unknown>): void => {
      if ('error' in message) reject(new Error(`server worker: ${String(message['error'])}`));
      else if (key in message) resolve(message[key] as T);
      else return;
      worker.off('message', listen);
    };
    worker.on('message', listen);
  });
const port = await fromWorker<number>('port');
const base = `http://127.0.0.1:${port}`;

async function call<T>(method: string, url: string, authorization: string | null, body?: string, contentType = 'application/json'): Promise<T> {
  const response = await fetch(base + url, {
    method,
    headers: { ...(authorization === null ? {} : { authorization }), ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

const admin = `Bearer ${(await call<{ token: string }>('POST', '/auth/login', null, JSON.stringify(ADMIN))).token}`;

// ---------------------------------------------------------------------------------------------
// Benches, inventory

interface BenchState {
  readonly name: string;
  readonly authorization: string;
  cursor: number;
  auditSeq: number;
  auditHash: string;
  pushes: number;
  made: number;
  outbox: SyncEvent[];
  /** The events of the push in flight (they leave the outbox when answered). */
  inFlight: number;
  /** This bench's own devices (no two benches deprovision one device): taken onto its cables, some deprovisioned. */
  readonly slice: string[];
  /** The devices on its cables. */
  readonly devices: string[];
}

console.log(`bench:server: ${BENCHES} benches, ${DEVICES} devices, ${DURATION_S} s per phase, server over ${values['database-url'] === undefined ? 'embedded PGlite (data dir)' : 'PostgreSQL'} on ${base}`);
console.log(JSON.stringify(machineInfo()));

const preload = performance.now();
await call('POST', '/preapproved/import', admin, generatePreapprovedCsv(DEVICES), 'text/csv');
const serials: string[] = [];
let head = 0;
for (let more = true; more; ) {
  const page = await call<SyncPullResult>('GET', `/sync/pull?cursor=${head}&limit=1000`, admin);
  for (const change of page.changes) if (change.kind === 'device') serials.push(change.device.serialNumber);
  head = page.cursor;
  more = page.more;
}
console.log(`imported ${serials.length} devices in ${round(performance.now() - preload)} ms; change feed at ${head}`);

async function enroll(name: string): Promise<BenchState> {
  const { code } = await call<{ code: string }>('POST', '/benches/enrollment-codes', admin, JSON.stringify({ benchName: name }));
  const { token } = await call<{ token: string }>('POST', '/benches/enroll', `Bearer ${code}`);
  return { name, authorization: `Bearer ${token}`, cursor: head, auditSeq: 0, auditHash: GENESIS_HASH, pushes: 0, made: 0, outbox: [], inFlight: 0, slice: [], devices: [] };
}

/**
 * A batch as a busy bench's outbox holds it: mostly its audit records (every step of every job
 * is one), the devices on its cables observed and their jobs finished, and now and then a
 * pre-approval or a deprovision. Each bench works on a few devices of its own slice of the
 * inventory and takes a new one every 20 pushes (a device done, the next plugged in).
 */
function nextEvent(bench: BenchState, slot: number): SyncEvent {
  const n = ++bench.made;
  const occurredAt = new Date().toISOString();
  const wrap = (body: SyncEventBody, technician: string | null = 'Ana'): SyncEvent => ({ key: `${bench.name}-${n}`, occurredAt, technician, body });
  const onCable = bench.devices[(bench.pushes + slot) % bench.devices.length]!;
  if (bench.pushes % 20 === 0 && slot === 0) bench.devices[bench.pushes % bench.devices.length] = bench.slice.pop() ?? onCable;
  if (slot === 0 && bench.pushes % 10 === 0 && bench.slice.length > 0) {
    return wrap({ type: 'device.deprovision', deprovisionId: crypto.randomUUID(), request: { serialNumbers: [bench.slice.pop()!], acknowledged: true, reason: 'employee-left', requestInfo: false } });
  }
  if (slot === 0 && bench.pushes % 5 === 0) {
    return wrap({ type: 'device.preapprove', device: { serialNumber: `${bench.name}-NEW-${n}`, platform: 'ios', ownership: 'corporate', deviceName: null, user: { email: `${bench.name.toLowerCase()}@example.org`, name: bench.name } } });
  }
  if (slot <= 1) {
    return wrap({ type: 'device.observed', device: { serialNumber: onCable, udid: `00008110-${onCable}`, ecid: null, productType: 'iPhone15,2', productVersion: '18.1', deviceName: 'iPhone', platform: 'ios' } }, null);
  }
  if (slot === 2) {
    return wrap({ type: 'job.finished', job: { jobId: `${bench.name}-job-${n}`, workflowId: 'prepare', udid: `00008110-${onCable}`, serialNumber: onCable, state: 'succeeded', technician: 'Ana', reason: null, deprovisionId: null, errorMessage: null, finishedAt: occurredAt } });
  }
  const fields = { seq: ++bench.auditSeq, at: occurredAt, technician: 'Ana', action: 'step.succeeded', jobId: `${bench.name}-job-${n}`, workflowId: 'prepare', stepKind: 'erase', udid: `00008110-${onCable}`, serialNumber: onCable, result: 'ok', detail: null };
  const record = { ...fields, prevHash: bench.auditHash, hash: recordHash(bench.auditHash, fields) };
  bench.auditHash = record.hash;
  return wrap({ type: 'audit.record', record });
}

// ---------------------------------------------------------------------------------------------
// Phases

interface Sample {
  readonly kind: 'pull' | 'push' | 'health';
  readonly ms: number;
  readonly status: number;
}
interface Outcomes {
  applied: number;
  duplicate: number;
  rejected: number;
  rejections: Record<string, number>;
}

const latency = (ms: readonly number[]) => ({
  p50: round(percentile(ms, 50), 2),
  p90: round(percentile(ms, 90), 2),
  p99: round(percentile(ms, 99), 2),
  max: round(Math.max(...ms), 2),
  mean: round(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length), 2),
});

/** One autocannon instance per bench (one connection each), so each has its own token, cursor and outbox. */
async function runBench(bench: BenchState, samples: Sample[], outcomes: Outcomes, pulled: { changes: number }, durationS: number, pace: { connectionRate: number; startDelayMs: number } | undefined): Promise<autocannon.Result> {
  if (pace !== undefined) await new Promise((resolve) => setTimeout(resolve, pace.startDelayMs));
  let kind: Sample['kind'] = 'pull';
  let status = 0;
  const requests: autocannon.Request[] = [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: `/sync/pull?cursor=${bench.cursor}&limit=${MAX_PULL_LIMIT}`, headers: { authorization: bench.authorization } }),
      onResponse: (code, body) => {
        kind = 'pull';
        status = code;
        if (code !== 200) return;
        const page = JSON.parse(body) as SyncPullResult;
        bench.cursor = page.cursor;
        pulled.changes += page.changes.length;
      },
    },
    {
      method: 'POST',
      setupRequest: (request) => {
        bench.pushes++;
        while (bench.outbox.length < EVENTS_PER_PUSH) bench.outbox.push(nextEvent(bench, bench.outbox.length));
        const events = bench.outbox.slice(0, EVENTS_PER_PUSH);
        bench.inFlight = events.length;
        return { ...request, path: '/sync/push', headers: { authorization: bench.authorization, 'content-type': 'application/json' }, body: JSON.stringify({ events }) };
      },
      onResponse: (code, body) => {
        kind = 'push';
        status = code;
        if (code !== 200) return; // the outbox keeps them: sent again next time, same keys
        for (const outcome of (JSON.parse(body) as SyncPushResult).outcomes) {
          outcomes[outcome.status]++;
          if (outcome.error) outcomes.rejections[outcome.error.code] = (outcomes.rejections[outcome.error.code] ?? 0) + 1;
        }
        bench.outbox.splice(0, bench.inFlight);
      },
    },
  ];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: base, connections: 1, duration: durationS, requests, ...(pace === undefined ? {} : { connectionRate: pace.connectionRate }) }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    // run.js emits (client, status, bytes, ms); the typings leave out the client.
    (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => samples.push({ kind, ms, status }));
  });
}

async function serverEventLoop(): Promise<{ p99Ms: number; maxMs: number }> {
  worker.postMessage('delay');
  return fromWorker('eventLoop');
}

/**
 * `connectionRate` (requests per second per bench) paces each bench; autocannon counts its rate
 * in one-second windows from the connection's start, so the benches' starts are spread over a
 * second: real benches' sync timers are not synchronised, and aligned windows would be a
 * thundering herd of every bench at the same instant.
 */
async function syncPhase(title: string, benches: readonly BenchState[], durationS: number, connectionRate?: number) {
  const samples: Sample[] = [];
  const outcomes: Outcomes = { applied: 0, duplicate: 0, rejected: 0, rejections: {} };
  const pulled = { changes: 0 };
  worker.postMessage('reset-delay');
  const loadBefore = os.loadavg()[0]!;
  const started = performance.now();
  const results = await Promise.all(
    benches.map((bench, i) => runBench(bench, samples, outcomes, pulled, durationS, connectionRate === undefined ? undefined : { connectionRate, startDelayMs: (i * 1000) / benches.length })),
  );
  const seconds = connectionRate === undefined ? Math.max(...results.map((r) => r.duration)) : (performance.now() - started) / 1000;
  const pulls = samples.filter((s) => s.kind === 'pull').length;
  const all = samples.map((s) => s.ms);
  const phase = {
    title,
    benches: benches.length,
    connectionRatePerBench: connectionRate ?? null,
    durationS: round(seconds, 1),
    requests: samples.length,
    requestsPerS: round(samples.length / seconds),
    eventsPerS: round((outcomes.applied + outcomes.duplicate + outcomes.rejected) / seconds),
    latencyMs: latency(all),
    pullMs: latency(samples.filter((s) => s.kind === 'pull').map((s) => s.ms)),
    pushMs: latency(samples.filter((s) => s.kind === 'push').map((s) => s.ms)),
    changesPerPull: round(pulled.changes / Math.max(1, pulls)),
    non2xx: samples.filter((s) => s.status < 200 || s.status > 299).length,
    errors: results.reduce((n, r) => n + r.errors, 0),
    outcomes,
    serverEventLoop: await serverEventLoop(),
    loadAverage1m: { before: round(loadBefore, 2), after: round(os.loadavg()[0]!, 2) },
  };
  print(phase);
  return phase;
}

async function healthPhase(connections: number, durationS: number) {
  const result = await autocannon({ url: `${base}/health`, connections, duration: durationS });
  const phase = {
    title: `GET /health, ${connections} connections`,
    connections,
    durationS: result.duration,
    requests: result.requests.total,
    requestsPerS: round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: round(result.latency.mean, 2) },
    non2xx: result.non2xx,
    errors: result.errors,
  };
  print(phase);
  return phase;
}

function print(phase: { title: string; requestsPerS: number; eventsPerS?: number; changesPerPull?: number; latencyMs: { p50: number; p90: number; p99: number; max: number }; non2xx: number; errors: number; pullMs?: { p99: number }; pushMs?: { p99: number } }): void {
  const l = phase.latencyMs;
  const split = phase.pullMs && phase.pushMs ? ` (pull p99 ${phase.pullMs.p99}, push p99 ${phase.pushMs.p99})` : '';
  const events = phase.eventsPerS === undefined ? '' : `, ${phase.eventsPerS} events/s, ${phase.changesPerPull} changes per pull`;
  console.log(`${phase.title}: ${phase.requestsPerS} req/s${events}; latency ms p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max}${split}; non-2xx ${phase.non2xx}, errors ${phase.errors}`);
}

const benches: BenchState[] = [];
for (let i = 0; i < BENCHES; i++) benches.push(await enroll(`Bench-${String(i + 1).padStart(2, '0')}`));
// Disjoint slices of the inventory, one per bench; four devices on each bench's cables to begin with.
serials.forEach((serial, i) => benches[i % BENCHES]!.slice.push(serial));
for (const bench of benches) bench.devices.push(...bench.slice.splice(-4));

console.log(`load average before: ${os.loadavg().map((n) => round(n, 2)).join(' ')}`);
await syncPhase('warm-up', benches, 2);
const health = await healthPhase(BENCHES, Math.min(DURATION_S, 10));
const single = await syncPhase('sync, 1 bench', benches.slice(0, 1), Math.min(DURATION_S, 10));
const full = await syncPhase(`sync, ${BENCHES} benches`, benches, DURATION_S);
const paced = await syncPhase(`sync, ${BENCHES} benches each syncing every 2 s (5x the default 10 s interval)`, benches, DURATION_S, 1);
// Headroom: twice as often again (a push + pull round per bench every second, 10x the default).
const pacedTenfold = await syncPhase(`sync, ${BENCHES} benches each syncing every 1 s (10x the default 10 s interval)`, benches, DURATION_S, 2);
const meets = (phase: typeof full): boolean => phase.latencyMs.p99 <= TARGET_P99_MS && phase.non2xx === 0 && phase.errors === 0;
const pass = { flatOut: meets(full), paced: meets(paced), pacedTenfold: meets(pacedTenfold) };
console.log(`target p99 ≤ ${TARGET_P99_MS} ms, ${BENCHES} benches flat out (no pause between requests): ${pass.flatOut ? 'PASS' : 'FAIL'} (p99 ${full.latencyMs.p99} ms)`);
console.log(`target p99 ≤ ${TARGET_P99_MS} ms, ${BENCHES} benches each syncing every 2 s: ${pass.paced ? 'PASS' : 'FAIL'} (p99 ${paced.latencyMs.p99} ms)`);
console.log(`target p99 ≤ ${TARGET_P99_MS} ms, ${BENCHES} benches each syncing every 1 s: ${pass.pacedTenfold ? 'PASS' : 'FAIL'} (p99 ${pacedTenfold.latencyMs.p99} ms)`);
const pending = benches.reduce((n, bench) => n + bench.outbox.length, 0);

const file = writeResults('server', {
  database: values['database-url'] === undefined ? 'pglite' : 'postgres',
  benches: BENCHES,
  devices: serials.length,
  eventsPerPush: EVENTS_PER_PUSH,
  target: { p99Ms: TARGET_P99_MS, pass },
  loadAverage: os.loadavg().map((n) => round(n, 2)),
  phases: { health, singleBench: single, benches: full, paced, pacedTenfold },
  eventsLeftInOutboxes: pending,
});
console.log(`load average after: ${os.loadavg().map((n) => round(n, 2)).join(' ')}; results: ${file}`);

worker.postMessage('close');
await fromWorker('closed');
await worker.terminate();
if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
