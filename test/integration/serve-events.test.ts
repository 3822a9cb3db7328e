/**
 * Live events through `benchline serve`, with the devices in a separate
 * simulator process driven through its control API, as a technician would
 * plug and unplug them. This keeps serve free of any test-only control
 * surface: it talks to the simulator's usbmuxd socket exactly as to the real one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchStatus, Device, EventData } from '../../core/contract/index.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startSimulatorProcess, type SimProcess } from '../support/processes.js';
import { connected, startServe, type ApiClient, type ServeProcess } from './serve-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('a device unplugged while a UI watches', () => {
  let sim: SimProcess;
  let serve: ServeProcess;
  let client: ApiClient;
  let fleet: SimDeviceInfo[];

  beforeAll(async () => {
    sim = await startSimulatorProcess({ devices: 3, seed: 'serve-events', allTrusted: true });
    fleet = await sim.control.devices();
    serve = await startServe([], { USBMUXD_SOCKET_ADDRESS: sim.address });
    client = await connected(serve.port);
  });

  afterAll(async () => {
    client?.close();
    await serve?.stop();
    await sim?.stop();
  });

  it('is announced as devices.changed "removed" with state detached, and leaves the list', async () => {
    const list = await client.call('devices.list');
    expect(list.ok && (list.value as Device[]).map((device) => device.udid).sort()).toEqual(fleet.map((device) => device.udid).sort());
    const leaving = fleet[1]!;
    await sim.control.detach(leaving.udid);
    const event = await client.event((frame) => frame.event === 'devices.changed' && (frame.data as EventData<'devices.changed'>).kind === 'removed');
    expect(event.data).toMatchObject({ kind: 'removed', device: { udid: leaving.udid, state: 'detached' } });
    const after = await client.call('devices.list');
    expect(after.ok && (after.value as Device[]).map((device) => device.udid)).not.toContain(leaving.udid);
  });

  it('is announced as "added" when plugged back in', async () => {
    const returning = fleet[1]!;
    await sim.control.attach(returning.udid);
    const event = await client.event((frame) => frame.event === 'devices.changed' && (frame.data as EventData<'devices.changed'>).kind === 'added');
    expect(event.data).toMatchObject({ kind: 'added', device: { udid: returning.udid } });
  });
});

describe('serve started before usbmuxd', () => {
  let dir: string;
  let serve: ServeProcess;
  let client: ApiClient;
  let simExit: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bl-serve-late-'));
    serve = await startServe([], { USBMUXD_SOCKET_ADDRESS: `UNIX:${path.join(dir, 'mux.sock')}` });
    client = await connected(serve.port);
  });

  afterAll(async () => {
    client?.close();
    await serve?.stop();
    await simExit?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays up and tells the UI usbmuxd is not reachable', async () => {
    expect(await serve.untilStderr('usbmuxd is not reachable')).toContain('waiting for it');
    const status = await client.call('bench.status');
    expect(status).toMatchObject({ ok: true, value: { usbmuxd: { connected: false, error: expect.stringContaining('Cannot reach usbmuxd') as unknown } } });
  });

  it('shows the devices once usbmuxd runs, without a restart', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline-sim.cjs'), '--devices', '2', '--socket', path.join(dir, 'mux.sock'), '--seed', 'late', '--all-trusted'], { stdio: ['ignore', 'pipe', 'inherit'] });
    simExit = async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    };
    await new Promise<void>((resolve) => createInterface({ input: child.stdout }).on('line', (line) => line.includes('"ready"') && resolve()));
    const up = await client.event((frame) => frame.event === 'bench.status' && (frame.data as BenchStatus).usbmuxd.connected);
    expect(up.data).toMatchObject({ usbmuxd: { connected: true, error: null } });
    await client.event((frame) => client.events.filter((event) => event.event === 'devices.changed').length >= 2 && frame.event === 'devices.changed');
    const list = await client.call('devices.list');
    expect(list.ok && (list.value as Device[]).length).toBe(2);
  });
});
