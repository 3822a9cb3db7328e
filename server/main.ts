/**
 * `benchline-server`: the composition root. Opens the database (PostgreSQL with
 * --database-url, else PGlite in --data-dir), migrates it, creates the first
 * admin, listens, and prints its URL on one line (logs go to stderr).
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from './app.js';
import { ensureFirstAdmin } from './bootstrap.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrations/index.js';
import { openPGlite } from './db/pglite.js';
import { openPostgres } from './db/postgres.js';

const USAGE = `usage: benchline-server [--database-url postgres://…] [--data-dir DIR] [--port N] [--listen ADDR] [--admin-email EMAIL]
  --database-url  PostgreSQL (also BENCHLINE_DATABASE_URL); without it the embedded database in --data-dir
  --data-dir      embedded database directory (default ~/.local/share/benchline/server)
  --port          default 8750; 0 picks a free port
  --listen        default 127.0.0.1
  --admin-email   with BENCHLINE_ADMIN_PASSWORD: the first admin, created on the first start`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '8750' },
      listen: { type: 'string', default: '127.0.0.1' },
      'admin-email': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  const databaseUrl = values['database-url'] ?? process.env['BENCHLINE_DATABASE_URL'];
  if (databaseUrl !== undefined && values['data-dir'] !== undefined) throw new UsageError('Give --database-url or --data-dir, not both.');

  let db: Database;
  if (databaseUrl !== undefined) {
    db = await openPostgres(databaseUrl);
  } else {
    const dataDir = values['data-dir'] ?? join(homedir(), '.local', 'share', 'benchline', 'server');
    mkdirSync(dataDir, { recursive: true });
    db = await openPGlite(dataDir);
  }
  await migrate(db);
  const admin = await ensureFirstAdmin(db, values['admin-email'], process.env['BENCHLINE_ADMIN_PASSWORD'], new Date());
  if (admin.outcome === 'created') process.stderr.write(`benchline-server: created the first admin, ${admin.email}\n`);
  if (admin.outcome === 'missing') process.stderr.write(`benchline-server: ${admin.instruction}\n`);

  const app = await buildServer({ db, logger: { level: values['log-level'], stream: process.stderr } });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    void app
      .close()
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`benchline-server: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  await app.listen({ port, host: values.listen });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const host = values.listen.includes(':') ? `[${values.listen}]` : values.listen;
  process.stdout.write(`benchline-server listening on http://${host}:${actualPort}\n`);
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`benchline-server: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`benchline-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
