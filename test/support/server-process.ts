/**
 * `benchline-server` as an operator runs it (bin/benchline-server.cjs from the
 * build), for tests that need the central server as its own process: killed,
 * restarted on the same port and data, talked to over HTTP on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DatabaseTarget } from './postgres.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  url: string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts the server with `args` (after `--port 0 --log-level warn`, which they may override) and resolves once it prints its URL. */
export function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  if (!existsSync(path.join(ROOT, 'dist/server/main.js'))) throw new Error('dist/server is missing: run "npm run build" (npm test does) first');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline-server.cjs'), '--port', '0', '--log-level', 'warn', ...args], {
    // A key given as undefined is left out (spawn would pass the string "undefined").
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([key, value]) => value !== undefined && !(key in env && env[key] === undefined))),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const url = /^benchline-server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
      if (!url) return reject(new Error(`unexpected first line: ${line}`));
      resolve({ url, stderr: () => stderr, stop: (signal) => (child.kill(signal), exited) });
    });
    void exited.then((code) => reject(new Error(`benchline-server exited with ${code} before it was ready: ${stderr}`)));
  });
}

/**
 * Where a server process keeps its data on `target`: a fresh PGlite directory (--data-dir), or a
 * fresh database in the test PostgreSQL cluster (--database-url). `cleanup` collects what to remove.
 */
export async function serverStorage(target: DatabaseTarget, cleanup: (() => void)[]): Promise<string[]> {
  if (target.name === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'benchline-server-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return ['--data-dir', dir];
  }
  // A fresh database in the test cluster: the target opens one, and the server gets its URL.
  const db = await target.open();
  const [row] = await db.query<{ db: string; port: number }>("SELECT current_database() AS db, current_setting('port')::int AS port");
  await db.close();
  return ['--database-url', `postgres://postgres@127.0.0.1:${row!.port}/${row!.db}`];
}
