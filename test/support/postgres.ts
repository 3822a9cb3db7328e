/**
 * A throwaway PostgreSQL cluster for tests: initdb + postgres from Debian's
 * /usr/lib/postgresql/<version>/bin in a temp dir, on a free loopback port,
 * trust auth, no fsync. As root (CI) the server runs as the `postgres` user
 * (it refuses root), in a temp dir that user owns.
 *
 * `databaseTargets()` gives the two databases every server test runs against:
 * PGlite in memory and a fresh database in this cluster. When PostgreSQL cannot
 * be started the file fails with the reason: `npm test` installs Debian's
 * postgresql itself (scripts/system-deps.sh), so a missing one is a broken
 * setup to fix, not a test to skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import type { Database } from '../../server/db/database.js';
import { openPGlite } from '../../server/db/pglite.js';
import { openPostgres } from '../../server/db/postgres.js';
import { freePort } from './free-port.js';

export interface PostgresCluster {
  readonly url: (database?: string) => string;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install the Debian package postgresql (scripts/system-deps.sh does: run `bash scripts/system-deps.sh all` as root)';

function postgresBin(): string {
  // Elsewhere than Debian (or to try another version): the directory holding initdb and postgres.
  const given = process.env['BENCHLINE_POSTGRES_BIN'];
  if (given !== undefined) {
    if (!existsSync(join(given, 'initdb'))) throw new Error(`BENCHLINE_POSTGRES_BIN=${given} holds no initdb.`);
    return given;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL is not installed: no ${root}/*/bin/initdb; ${INSTALL_HINT}.`);
  return join(root, newest, 'bin');
}

/** uid/gid to run the server as: ourselves, or `postgres` when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`PostgreSQL cannot run as root and there is no postgres user in /etc/passwd; ${INSTALL_HINT} (it creates the user).`);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBin();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'benchline-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });

  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { ...user, encoding: 'utf8', cwd: dir });
  if (init.status !== 0) {
    cleanup();
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${(init.stderr || init.stdout || '').trim()}`);
  }
  const port = await freePort();
  let log = '';
  const server: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB', '-c', 'max_connections=100'],
    { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  // If the test process dies first, do not leave a cluster behind (SIGQUIT: immediate shutdown).
  const killOnExit = (): void => void server.kill('SIGQUIT');
  process.on('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));

  const url = (database = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 100))]);
      if (code !== 'running' || Date.now() > deadline) {
        server.kill('SIGQUIT');
        process.off('exit', killOnExit);
        cleanup();
        throw new Error(`postgres ${code === 'running' ? 'did not accept connections within 30 s' : `exited with code ${code}`} (${(error as Error).message}): ${log.trim().split('\n').slice(-5).join(' | ')}`);
      }
    }
  }

  return {
    url,
    async stop() {
      process.off('exit', killOnExit);
      server.kill('SIGINT'); // fast shutdown: roll back and disconnect clients
      await exited;
      cleanup();
    },
  };
}

export interface DatabaseTarget {
  readonly name: 'pglite' | 'postgres';
  /** A new, empty database. */
  open(): Promise<Database>;
}

let created = 0;

/**
 * The two databases of a test file; starts one PostgreSQL cluster for the file
 * and stops it after the file. Call at the top level of a test file (await).
 */
export async function databaseTargets(): Promise<DatabaseTarget[]> {
  const pglite: DatabaseTarget = { name: 'pglite', open: () => openPGlite() };
  let cluster: PostgresCluster;
  try {
    cluster = await startPostgres();
  } catch (error) {
    throw new Error(
      `PostgreSQL could not be started: ${(error as Error).message}. Every server test runs on PostgreSQL too: ${INSTALL_HINT}.`,
    );
  }
  afterAll(() => cluster.stop());
  const admin = cluster.url();
  return [
    pglite,
    {
      name: 'postgres',
      async open() {
        const name = `test_${process.pid}_${++created}`;
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return openPostgres(cluster.url(name), { max: 4 });
      },
    },
  ];
}

/** describe.each over the targets. */
export function describeEachDatabase(title: string, targets: readonly DatabaseTarget[], body: (target: DatabaseTarget) => void): void {
  describe.each(targets)(`${title} on $name`, (target) => body(target));
}
