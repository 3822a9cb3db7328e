/** Shared helpers for benchmark scripts: percentiles, timing, results files, child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { READY_LINE, startUntilLine } from '../sim/device/tools.js';
import path from 'node:path';
import os from 'node:os';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

/** Runs a shell command, resolves with its exit code (output discarded). */
export function sh(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Starts a child that prints a JSON "ready" line; resolves with that line parsed. */
export async function startReadyProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const { child, match } = await startUntilLine(command, args, { match: READY_LINE, env });
  return { child, ready: JSON.parse(match[0]) as Record<string, unknown> };
}

export function machineInfo(): Record<string, unknown> {
  return { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const file = path.join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: machineInfo(), ...results }, null, 2) + '\n');
  return file;
}
