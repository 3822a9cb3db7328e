/**
 * The built `benchline-sim` command (bin/benchline-sim.cjs → dist/sim/device/main.js):
 * one ready line, real tools see its devices, HTTP control works, and it exits
 * cleanly on SIGTERM/SIGINT, removing its socket.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControlClient } from '../../sim/device/control-client.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { runTool } from '../../sim/device/tools.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/benchline-sim.cjs');
let dir = '';

interface ReadyLine {
  ready: boolean;
  socket: string;
  address: string;
  control: string;
  devices: number;
  seed: string;
  pid: number;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  ready: ReadyLine;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 15_000);
    const onData = (): void => {
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolveReady({ child, ready: JSON.parse(line) as ReadyLine, stdout: () => stdout, exit });
    };
    child.stdout.on('data', onData);
    void exit.then(({ code }) => reject(new Error(`benchline-sim exited (${code}) before ready: ${stderr}`)));
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/sim/device/main.js'))) throw new Error('dist/ is missing: run "npm run build" before the CLI tests');
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('benchline-sim CLI', () => {
  it('prints one ready line, serves 72 devices to idevice_id, and stops on SIGTERM', async () => {
    const socket = join(dir, 'a.sock');
    const sim = await startCli(['--devices', '72', '--socket', socket, '--seed', 'cli']);
    expect(sim.ready).toMatchObject({ ready: true, socket, address: `UNIX:${socket}`, devices: 72, seed: 'cli' });
    expect(sim.ready.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(socket)).toBe(true);

    const listed = await runTool('idevice_id', ['-l'], sim.ready.address);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(generateIdentities(72, 'cli').map((d) => d.udid).sort());

    const control = new SimControlClient(sim.ready.control);
    const devices = await control.devices();
    expect(devices).toHaveLength(72);
    expect(devices.every((d) => d.trustPolicy === 'untrusted' && d.lock === 'unlocked')).toBe(true);
    await control.detach(devices[0]!.udid);
    expect((await runTool('idevice_id', ['-l'], sim.ready.address)).stdout).not.toContain(devices[0]!.udid);

    sim.child.kill('SIGTERM');
    expect(await sim.exit).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
    expect(sim.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('--all-trusted devices pair without a dialog, and SIGINT stops it', async () => {
    const socket = join(dir, 'b.sock');
    const sim = await startCli(['--devices', '3', '--socket', socket, '--all-trusted']);
    const { udid } = generateIdentities(3, '1')[0]!;
    expect((await runTool('idevicepair', ['-u', udid, 'pair'], sim.ready.address)).code).toBe(0);
    sim.child.kill('SIGINT');
    expect((await sim.exit).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('replaces a stale socket file but refuses a socket in use', async () => {
    const socket = join(dir, 'c.sock');
    writeFileSync(socket, '');
    const first = await startCli(['--devices', '1', '--socket', socket]);
    const second = spawn(process.execPath, [BIN, '--devices', '1', '--socket', socket]);
    let stderr = '';
    second.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => second.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toContain('in use');
    first.child.kill('SIGTERM');
    await first.exit;
  });

  it('takes the life cycle timings and step durations, and shows them in the ready line and on /lifecycle', async () => {
    const socket = join(dir, 'e.sock');
    const sim = await startCli(['--devices', '1', '--socket', socket, '--erase-gone-ms', '1500', '--restart-gone-ms', '700', '--duration', 'EraseDevice=250', '--duration', 'Restart=100']);
    const expected = { eraseGoneMs: 1500, restartGoneMs: 700, durations: { EraseDevice: 250, Restart: 100 } };
    expect((sim.ready as ReadyLine & { lifecycle: unknown }).lifecycle).toEqual(expected);
    const control = new SimControlClient(sim.ready.control);
    expect(await control.lifecycle()).toEqual(expected);
    expect(await control.setLifecycle({ eraseGoneMs: 10, durations: { Restart: null, InstallProfile: 40 } })).toEqual({ eraseGoneMs: 10, restartGoneMs: 700, durations: { EraseDevice: 250, InstallProfile: 40 } });
    sim.child.kill('SIGTERM');
    await sim.exit;
  });

  it('rejects a malformed --duration', async () => {
    const child = spawn(process.execPath, [BIN, '--devices', '1', '--socket', join(dir, 'f.sock'), '--duration', 'EraseDevice:5']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).not.toBe(0);
    expect(stderr).toContain('NAME=MILLISECONDS');
  });

  it('rejects bad arguments', async () => {
    const child = spawn(process.execPath, [BIN, '--devices', 'many', '--socket', join(dir, 'd.sock')]);
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).not.toBe(0);
  });
});
