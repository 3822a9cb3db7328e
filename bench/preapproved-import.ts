/**
 * Measures the pre-approved import end to end on an in-memory PGlite (issue 5: "100k rows import
 * in ≤ 5 s embedded" and "without blocking other requests"): 100k generated seed-shaped rows
 * POSTed to /preapproved/import through `app.inject`, into an empty list (mode skip) and again
 * with mode=replace (every serial exists).
 *
 * While each import runs, two probes that touch the database go every 50 ms (a `/health` probe
 * would not: it never waits for the connection): `GET /preapproved?limit=1` as an admin and
 * `GET /sync/pull?cursor=0&limit=1` as an enrolled bench, on a timetable: a probe's latency runs
 * from when it was due (what a request arriving then would see, a frozen event loop included). The baseline is the old behaviour, the whole file written in ONE
 * transaction (importPreapproved with batchSize = the file), called directly with the same probes.
 * Targets: import ≤ 5 s, probes p99 ≤ 200 ms while importing (PASS/FAIL printed; exit code 0 either way).
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildServer } from '../server/app.js';
import { hashPassword } from '../server/auth/secrets.js';
import { insertUser } from '../server/auth/store.js';
import { migrate } from '../server/db/migrations/index.js';
import { openPGlite } from '../server/db/pglite.js';
import { importPreapproved } from '../server/store/preapproved.js';
import { machineInfo, percentile, round, writeResults } from './lib.js';
import { generatePreapprovedCsv } from './preapproved-rows.js';

const ROWS = 100_000;
const PROBE_EVERY_MS = 50;
const TARGET = { importMs: 5000, probeP99Ms: 200 };

const db = await openPGlite();
await migrate(db);
await insertUser(db, { email: 'admin@example.org', passwordHash: await hashPassword('bench password 1'), role: 'admin', now: new Date() });
const app = await buildServer({ db });
await app.ready();
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin@example.org', password: 'bench password 1' } });
const admin = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
const code = await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers: admin, payload: { benchName: 'Probe bench' } });
const enrolled = await app.inject({ method: 'POST', url: '/benches/enroll', headers: { authorization: `Bearer ${code.json<{ code: string }>().code}` } });
if (enrolled.statusCode !== 201) throw new Error(`enrolling the probe bench failed: ${enrolled.statusCode} ${enrolled.body}`);
const bench = { authorization: `Bearer ${enrolled.json<{ token: string }>().token}` };

const csv = generatePreapprovedCsv(ROWS);
console.log(`pre-approved import on embedded PGlite: ${ROWS} rows, ${round(Buffer.byteLength(csv) / 2 ** 20, 2)} MiB; probes every ${PROBE_EVERY_MS} ms: GET /preapproved?limit=1 (admin), GET /sync/pull?cursor=0&limit=1 (bench)`);
console.log(JSON.stringify(machineInfo()));

const PROBES = {
  list: { url: '/preapproved?limit=1', headers: admin },
  pull: { url: '/sync/pull?cursor=0&limit=1', headers: bench },
} as const;
type ProbeKind = keyof typeof PROBES;
type ProbeStats = { count: number; failed: number; p50Ms: number; p99Ms: number; maxMs: number };

/** Sends each probe every PROBE_EVERY_MS until stopped; one loop per kind, so a slow one does not hold the other. */
function startProbes(): { stop: () => Promise<Record<ProbeKind, ProbeStats>> } {
  let running = true;
  const loops = (Object.keys(PROBES) as ProbeKind[]).map(async (kind) => {
    const latencies: number[] = [];
    let failed = 0;
    // Latency counted from when a probe was due: PGlite runs in this thread, so a long statement
    // freezes the event loop and a probe timed from its late send would hide that. The next one is
    // due 50 ms later or at once if that has passed (missed slots are dropped: a probe slower than
    // 50 ms must not queue up behind itself and measure its own backlog).
    for (let due = performance.now(); running; due = Math.max(due + PROBE_EVERY_MS, performance.now())) {
      // Always through the timers queue, even when late: PGlite resolves in microtasks, and a loop
      // that never waits there would starve every timer (the idle window's end included).
      await sleep(Math.max(0, due - performance.now()));
      if (!running) break;
      const response = await app.inject({ method: 'GET', url: PROBES[kind].url, headers: PROBES[kind].headers });
      latencies.push(performance.now() - due);
      if (response.statusCode !== 200) failed++;
    }
    const stats: ProbeStats = { count: latencies.length, failed, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(Math.max(...latencies)) };
    return [kind, stats] as const;
  });
  return {
    stop: async () => {
      running = false;
      return Object.fromEntries(await Promise.all(loops)) as Record<ProbeKind, ProbeStats>;
    },
  };
}

type Counts = { imported: number; replaced: number; skipped: number; errors: unknown[] };

const describeProbes = (stats: Record<ProbeKind, ProbeStats>): string =>
  Object.entries(stats).map(([kind, s]) => `${kind} ${s.count} answered${s.failed ? ` (${s.failed} not 200)` : ''}, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms`).join('; ');

async function idleProbes(ms: number): Promise<Record<ProbeKind, ProbeStats>> {
  const probes = startProbes();
  await sleep(ms);
  return probes.stop();
}

async function measure(label: string, run: () => Promise<{ status: number; counts: Counts }>, probing: boolean): Promise<Record<string, unknown>> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const probes = probing ? startProbes() : undefined;
  const start = performance.now();
  const { status, counts } = await run();
  const ms = performance.now() - start;
  const probeStats = await probes?.stop();
  delay.disable();
  console.log(`${label}: ${status} in ${round(ms)} ms (${Math.round((ROWS / ms) * 1000)} rows/s): imported ${counts.imported}, replaced ${counts.replaced}, skipped ${counts.skipped}, ${counts.errors.length} row errors; event loop held at most ${round(delay.max / 1e6)} ms${probeStats ? `\n  probes meanwhile: ${describeProbes(probeStats)}` : ''}`);
  return { label, status, ms: round(ms), rowsPerSecond: Math.round((ROWS / ms) * 1000), imported: counts.imported, replaced: counts.replaced, skipped: counts.skipped, rowErrors: counts.errors.length, eventLoopMaxMs: round(delay.max / 1e6), ...(probeStats ? { probes: probeStats } : {}) };
}

const overHttp = (mode: 'skip' | 'replace') => async () => {
  const response = await app.inject({ method: 'POST', url: `/preapproved/import?mode=${mode}`, headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
  return { status: response.statusCode, counts: response.json<Counts>() };
};
// The list lives in the inventory since migration 003: its devices, their history, their users.
const wipe = () => db.execute('DELETE FROM device_history; DELETE FROM devices; DELETE FROM device_users;');

// Warm-up (JIT, PGlite's first statements), then wiped.
await app.inject({ method: 'POST', url: '/preapproved/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: generatePreapprovedCsv(2000) });
await wipe();

// Import time on its own: the probes' queries take the one connection too (the list's count over
// 100k rows is not free), so timed with probes the import would measure them as well.
const into = await measure('into an empty list (mode skip), batches of 1000, no probes', overHttp('skip'), false);
const again = await measure('again, mode=replace, no probes', overHttp('replace'), false);
// What the probes cost with 100k rows on the list and nothing else running: the floor for the runs below.
const idle = await idleProbes(2000);
console.log(`probes with nothing importing (100k rows listed): ${describeProbes(idle)}`);
await wipe();
const probed = await measure('into an empty list again, with probes', overHttp('skip'), true);
await wipe();
const baseline = await measure('baseline, the old way: the whole file in one transaction (direct call), with probes', async () => ({
  status: 200,
  counts: await importPreapproved(db, Readable.from([csv]), { mode: 'skip', now: new Date(), batchSize: ROWS, actor: 'bench' }),
}), true);

const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM preapproved_devices');
console.log(`devices stored: ${count?.n}; heap used ${round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);

const worstP99 = (run: Record<string, unknown>) => Math.max(...Object.values(run['probes'] as Record<ProbeKind, ProbeStats>).map((s) => s.p99Ms));
const verdicts = {
  importMs: { target: TARGET.importMs, value: into['ms'], met: Number(into['ms']) <= TARGET.importMs },
  probeP99Ms: { target: TARGET.probeP99Ms, value: worstP99(probed), met: worstP99(probed) <= TARGET.probeP99Ms },
};
console.log(`${verdicts.importMs.met ? 'PASS' : 'FAIL'} import ${verdicts.importMs.value} ms (target ≤ ${TARGET.importMs} ms)`);
console.log(`${verdicts.probeP99Ms.met ? 'PASS' : 'FAIL'} probes p99 while importing ${verdicts.probeP99Ms.value} ms (target ≤ ${TARGET.probeP99Ms} ms; baseline in one transaction: ${worstP99(baseline)} ms; idle: ${Math.max(idle.list.p99Ms, idle.pull.p99Ms)} ms)`);
console.log(`wrote ${writeResults('preapproved-import', { rows: ROWS, probeEveryMs: PROBE_EVERY_MS, runs: [into, again, probed], idleProbes: idle, baseline, devicesStored: count?.n, targets: verdicts })}`);
await app.close();
await db.close();
