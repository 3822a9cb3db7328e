/** Starting and talking to the project's own commands (built in dist/) from integration tests. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimControlClient } from '../../sim/device/control-client.js';
import { READY_LINE, startUntilLine } from '../../sim/device/tools.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export function requireBuild(): void {
  if (!existsSync(path.join(ROOT, 'dist/core/cli/main.js'))) throw new Error('dist/ is missing: run "npm run build" (npm test does) before the integration tests');
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `benchline …` as a user would (bin/benchline.cjs), with the given usbmuxd address. */
/** process.env with `overrides` applied; a key set to undefined is removed, not passed as "undefined". */
export function environment(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete env[key];
  return env;
}

export function benchline(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), ...args], { env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export interface SimProcess {
  address: string;
  control: SimControlClient;
  stop(): Promise<void>;
}

/** Starts `benchline-sim` in its own process, as usbmuxd would be, and waits for its ready line. */
export async function startSimulatorProcess(options: { devices: number; seed: string; allTrusted?: boolean; extraArgs?: readonly string[] }): Promise<SimProcess> {
  requireBuild();
  const dir = mkdtempSync(path.join(tmpdir(), 'bl-it-'));
  const args = [path.join(ROOT, 'bin/benchline-sim.cjs'), '--devices', String(options.devices), '--socket', path.join(dir, 'mux.sock'), '--seed', options.seed];
  if (options.allTrusted) args.push('--all-trusted');
  if (options.extraArgs) args.push(...options.extraArgs);
  const { child, match } = await startUntilLine(process.execPath, args, { match: READY_LINE });
  const ready = JSON.parse(match[0]) as { address: string; control: string };
  return {
    address: ready.address,
    control: new SimControlClient(ready.control),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServeProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `benchline serve` (extra args, e.g. --simulate) and waits for the URL it prints. */
export async function startServeProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  requireBuild();
  const { child, match } = await startUntilLine(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), 'serve', ...args], { match: /^Benchline: (\S+)/, env: environment(env) });
  const url = match[1]!;
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
