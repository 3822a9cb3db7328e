/** Temp stores and child processes for the store and audit tests (sample rows: store-samples.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A fresh directory for one test's store files; call the returned cleanup in afterEach. */
export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bl-store-'));
  return { dir, file: (name = 'bench.db') => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Bundles test/unit/store-child.ts (the real store code) into one CommonJS
 * file, so a plain `node` child process runs it: Node 20 cannot run
 * TypeScript itself. better-sqlite3 stays external and is found via NODE_PATH.
 */
function buildStoreChild(outDir: string): string {
  const outfile = path.join(outDir, 'store-child.cjs');
  buildSync({ entryPoints: [path.join(ROOT, 'test/unit/store-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3'], outfile, logLevel: 'error' });
  return outfile;
}

function spawnStoreChild(script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [script, ...args], { env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') }, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function childExit(child: ChildProcess): Promise<ChildExit> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/**
 * For a test file whose tests run store-child.ts in child processes: a temp
 * directory for their stores with the child bundled into it, made once before
 * the file's tests (bundling takes a moment) and removed after them.
 */
export function storeChildFixture(): { tempFile: (name?: string) => string; run: (args: readonly string[]) => Promise<ChildExit> } {
  let temp: ReturnType<typeof tempDir> | undefined;
  let script = '';
  beforeAll(() => {
    temp = tempDir();
    script = buildStoreChild(temp.dir);
  });
  afterAll(() => temp?.cleanup());
  return {
    tempFile: (name) => temp!.file(name),
    run: (args) => childExit(spawnStoreChild(script, args)),
  };
}
