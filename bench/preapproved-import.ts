/**
 * Measures the pre-approved import end to end (issue 5's target: 100k rows in ≤ 5 s embedded):
 * 100k generated seed-shaped rows POSTed to /preapproved/import on an in-memory PGlite through
 * `app.inject` — the route, the streaming CSV module, batched inserts in one transaction.
 * Also times a second import of the same file with mode=replace (every serial exists) and how
 * long the event loop was held at most. A measurement, not a test: nothing fails on a slow machine.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildServer } from '../server/app.js';
import { hashPassword } from '../server/auth/secrets.js';
import { insertUser } from '../server/auth/store.js';
import { migrate } from '../server/db/migrations/index.js';
import { openPGlite } from '../server/db/pglite.js';
import { machineInfo, round, writeResults } from './lib.js';
import { generatePreapprovedCsv } from './preapproved-rows.js';

const ROWS = 100_000;

const generate = (rows: number): string => generatePreapprovedCsv(rows);

const db = await openPGlite();
await migrate(db);
await insertUser(db, { email: 'admin@example.org', passwordHash: await hashPassword('bench password 1'), role: 'admin', now: new Date() });
const app = await buildServer({ db });
await app.ready();
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin@example.org', password: 'bench password 1' } });
const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}`, 'content-type': 'text/csv' };

const csv = generate(ROWS);
console.log(`pre-approved import through POST /preapproved/import on embedded PGlite: ${ROWS} rows, ${round(Buffer.byteLength(csv) / 2 ** 20, 2)} MiB`);
console.log(JSON.stringify(machineInfo()));

// Warm-up (JIT, PGlite's first statements), then wiped.
await app.inject({ method: 'POST', url: '/preapproved/import', headers, payload: generate(2000) });
// The list lives in the inventory since migration 003: its devices, their history, their users.
await db.execute('DELETE FROM device_history; DELETE FROM devices; DELETE FROM device_users;');

const runs: Array<Record<string, unknown>> = [];
for (const mode of ['skip', 'replace'] as const) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Another request every 50 ms while the import runs: does it get through?
  const probes: number[] = [];
  let importing = true;
  const probing = (async () => {
    while (importing) {
      const sent = performance.now();
      await app.inject({ method: 'GET', url: '/health' });
      probes.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const start = performance.now();
  const response = await app.inject({ method: 'POST', url: `/preapproved/import?mode=${mode}`, headers, payload: csv });
  const ms = performance.now() - start;
  importing = false;
  await probing;
  delay.disable();
  const body = response.json<{ imported: number; replaced: number; skipped: number; errors: unknown[] }>();
  runs.push({ mode, status: response.statusCode, ms: round(ms), rowsPerSecond: Math.round((ROWS / ms) * 1000), imported: body.imported, replaced: body.replaced, skipped: body.skipped, rowErrors: body.errors.length, eventLoopMaxMs: round(delay.max / 1e6), healthProbes: probes.length, healthSlowestMs: round(Math.max(...probes)) });
  console.log(`${mode === 'skip' ? 'into an empty list' : 'again, mode=replace'}: ${response.statusCode} in ${round(ms)} ms (${Math.round((ROWS / ms) * 1000)} rows/s): imported ${body.imported}, replaced ${body.replaced}, skipped ${body.skipped}, ${body.errors.length} row errors; event loop held at most ${round(delay.max / 1e6)} ms; GET /health meanwhile: ${probes.length} answered, slowest ${round(Math.max(...probes))} ms`);
}
const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM preapproved_devices');
console.log(`devices stored: ${count?.n}; heap used ${round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);
const into = runs[0]!;
console.log(`wrote ${writeResults('preapproved-import', { rows: ROWS, runs, devicesStored: count?.n, target: { ms: 5000, met: Number(into['ms']) <= 5000 } })}`);
await app.close();
await db.close();
