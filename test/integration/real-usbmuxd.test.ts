/**
 * Benchline against Debian's real usbmuxd daemon, not our simulator: proof
 * that the usbmuxd client speaks the real wire protocol (Listen, ListDevices)
 * and that `benchline list` agrees with libimobiledevice's `idevice_id`.
 * usbmuxd 1.1.1 always binds /var/run/usbmuxd, so the test uses a running
 * daemon if there is one, starts one if it may (root, nothing on the socket),
 * and otherwise says why it is skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsbmuxdClient } from '../../native/usbmuxd/client.js';
import { benchline, environment } from '../support/processes.js';

const SOCKET = '/var/run/usbmuxd';

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const hasDaemon = spawnSync('sh', ['-c', 'command -v usbmuxd']).status === 0;
const isRoot = process.getuid?.() === 0;
let daemon: ChildProcess | null = null;
let available = false;
let skipReason = '';

beforeAll(async () => {
  if (await accepts(SOCKET)) {
    available = true; // a system usbmuxd is running: use it as it is
    return;
  }
  if (!hasDaemon) {
    skipReason = 'usbmuxd is not installed (scripts/system-deps.sh installs it)';
    return;
  }
  if (!isRoot) {
    skipReason = `usbmuxd must bind ${SOCKET}, which needs root, and no daemon is running there`;
    return;
  }
  if (existsSync(SOCKET)) rmSync(SOCKET); // a stale socket file from a daemon that died
  daemon = spawn('usbmuxd', ['-f', '-v'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await accepts(SOCKET)); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  available = await accepts(SOCKET);
  if (!available) skipReason = 'usbmuxd did not start (no USB subsystem on this machine?)';
});

afterAll(async () => {
  if (!daemon) return;
  const exited = new Promise((resolve) => daemon!.once('exit', resolve));
  daemon.kill('SIGTERM');
  await exited;
  if (existsSync(SOCKET)) rmSync(SOCKET);
});

describe("Debian's usbmuxd daemon", () => {
  it('accepts our Listen and ListDevices, and `benchline list` agrees with idevice_id', async (context) => {
    if (!available) context.skip(skipReason);
    const client = new UsbmuxdClient(`UNIX:${SOCKET}`);
    const events: string[] = [];
    const subscription = await client.listen({ onEvent: (event) => events.push(event.kind), onClosed: () => undefined });
    const devices = await client.listDevices();
    subscription.close();

    const ids = spawnSync('idevice_id', ['-l'], { encoding: 'utf8', env: environment({ USBMUXD_SOCKET_ADDRESS: undefined }) });
    expect(ids.status, ids.stderr).toBe(0);
    const udids = ids.stdout.trim() === '' ? [] : ids.stdout.trim().split('\n');
    expect(devices.map((device) => device.udid).sort()).toEqual([...udids].sort());

    const result = await benchline(['list', '--format', 'json', '--timeout', '5000'], { USBMUXD_SOCKET_ADDRESS: undefined });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as { udid: string }[];
    expect(records.map((record) => record.udid).sort()).toEqual([...udids].sort());
  });
});
