/**
 * The server of `npm run bench:server`, in a worker thread of the benchmark's process: the
 * same process (no child to spawn), but its own thread, so the load generator on the main
 * thread does not steal the server's event loop. Over embedded PGlite in a fresh directory
 * (the default deployment) or PostgreSQL (`databaseUrl`), logger off, on a free loopback port.
 *
 * Posts {port} when listening, or {error}; closes on the message 'close' and posts {closed, eventLoop}.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { buildServer } from '../server/app.js';
import { hashPassword } from '../server/auth/secrets.js';
import { insertUser } from '../server/auth/store.js';
import type { Database } from '../server/db/database.js';
import { migrate } from '../server/db/migrations/index.js';
import { openPGlite } from '../server/db/pglite.js';
import { openPostgres } from '../server/db/postgres.js';

export interface ServerWorkerData {
  readonly dataDir: string | null;
  readonly databaseUrl: string | null;
  readonly adminEmail: string;
  readonly adminPassword: string;
}

const data = workerData as ServerWorkerData;
const port = parentPort!;

async function open(): Promise<Database> {
  if (data.databaseUrl !== null) return openPostgres(data.databaseUrl, { max: 10 });
  return openPGlite(data.dataDir ?? undefined);
}

try {
  const db = await open();
  await migrate(db);
  await insertUser(db, { email: data.adminEmail, passwordHash: await hashPassword(data.adminPassword), role: 'admin', now: new Date() });
  const app = await buildServer({ db, logger: false, loginRateLimit: { max: 1000, timeWindowMs: 60_000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  port.on('message', (message: unknown) => {
    if (message === 'reset-delay') {
      delay.reset();
      delay.enable();
    }
    if (message === 'delay') port.postMessage({ eventLoop: { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 } });
    if (message === 'close') {
      void app
        .close()
        .then(() => db.close())
        .then(() => port.postMessage({ closed: true }));
    }
  });
  port.postMessage({ port: typeof address === 'object' && address !== null ? address.port : 0 });
} catch (error) {
  port.postMessage({ error: (error as Error).stack ?? String(error) });
}
