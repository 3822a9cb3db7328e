/**
 * `benchline-server` as an operator runs it (bin/benchline-server.cjs from the
 * build): first start creates the admin, prints the URL on one line, serves,
 * and stops cleanly on SIGTERM and SIGINT; on PGlite in a directory and on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { serverStorage, startServerProcess as start } from '../../support/server-process.js';
import { databaseTargets, describeEachDatabase, type DatabaseTarget } from '../../support/postgres.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const targets = await databaseTargets();
const PASSWORD = 'first admin password';

const login = (url: string, password = PASSWORD) =>
  fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'root@example.org', password }) });

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const done of cleanup) done();
  cleanup = [];
});

const storage = (target: DatabaseTarget): Promise<string[]> => serverStorage(target, cleanup);

describeEachDatabase('benchline-server', targets, (target) => {
  it('creates the first admin, serves until SIGTERM, keeps it across a restart, and stops on SIGINT', async () => {
    const where = await storage(target);
    const first = await start([...where, '--admin-email', 'root@example.org'], { BENCHLINE_ADMIN_PASSWORD: PASSWORD });
    expect(first.stderr()).toMatch(/created the first admin, root@example.org/);
    expect(await (await fetch(`${first.url}/health`)).json()).toEqual({ status: 'ok', database: target.name });
    expect((await fetch(`${first.url}/users`)).status).toBe(401);
    expect((await login(first.url)).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);

    // Second start: the admin is there; no admin options needed.
    const second = await start(where, { BENCHLINE_ADMIN_PASSWORD: undefined });
    const session = (await (await login(second.url)).json()) as { token: string };
    const users = await fetch(`${second.url}/users`, { headers: { authorization: `Bearer ${session.token}` } });
    expect(((await users.json()) as { users: { email: string; role: string }[] }).users).toEqual([expect.objectContaining({ email: 'root@example.org', role: 'admin' })]);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('says how to create the first admin when started without one', async () => {
    const running = await start(await storage(target), { BENCHLINE_ADMIN_PASSWORD: undefined });
    expect(running.stderr()).toMatch(/No admin yet: restart with --admin-email .* BENCHLINE_ADMIN_PASSWORD/);
    expect(await running.stop('SIGTERM')).toBe(0);
  });
});

it('refuses --database-url with --data-dir, and a bad port, with the usage', async () => {
  for (const args of [['--database-url', 'postgres://x@127.0.0.1/x', '--data-dir', '/tmp/x'], ['--port', 'eighty']]) {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline-server.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: benchline-server/);
  }
});

