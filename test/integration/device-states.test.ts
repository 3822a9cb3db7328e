/**
 * What the technician sees for each device state, through the real stack:
 * the registry on the usbmuxd client and libimobiledevice (koffi), with the
 * simulator in its own process as usbmuxd would be.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../core/devices/registry.js';
import type { DeviceRecord } from '../../core/devices/identity.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';
import { UsbmuxdClient } from '../../native/usbmuxd/client.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startSimulatorProcess, type SimProcess } from '../support/processes.js';

let sim: SimProcess;
let fleet: SimDeviceInfo[];
let registry: DeviceRegistry | null = null;
let lockdown: ImobiledeviceLockdown | null = null;

beforeAll(async () => {
  sim = await startSimulatorProcess({ devices: 6, seed: 'states', allTrusted: false });
  fleet = await sim.control.devices();
});

afterAll(async () => {
  await sim?.stop();
});

afterEach(async () => {
  await registry?.stop();
  await lockdown?.close();
  registry = null;
  lockdown = null;
});

async function startBench(): Promise<DeviceRegistry> {
  lockdown = new ImobiledeviceLockdown();
  registry = new DeviceRegistry({ mux: new UsbmuxdClient(sim.address), lockdown }, { retryIntervalMs: 200, maxRetryIntervalMs: 800 });
  process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
  await registry.start();
  return registry;
}

/** Resolves with the record once `predicate` holds for the device, or fails after `timeoutMs`. */
function until(bench: DeviceRegistry, udid: string, predicate: (record: DeviceRecord | undefined) => boolean, timeoutMs = 10_000): Promise<DeviceRecord | undefined> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const record = bench.list().find((r) => r.udid === udid);
      if (!predicate(record)) return false;
      subscription.close();
      clearTimeout(timer);
      resolve(record);
      return true;
    };
    const subscription = bench.onChange(() => void check());
    const timer = setTimeout(() => {
      subscription.close();
      reject(new Error(`device ${udid} did not reach the expected state; now: ${JSON.stringify(bench.list().find((r) => r.udid === udid)?.state)}`));
    }, timeoutMs);
    check();
  });
}

describe('trust', () => {
  it('an untrusted device asks for Trust while showing its model, then becomes ready when Trust is tapped', async () => {
    const device = fleet[0]!;
    const bench = await startBench();
    const waiting = await until(bench, device.udid, (r) => r?.state === 'needs-trust');
    expect(waiting).toMatchObject({ instruction: STATE_INSTRUCTIONS['needs-trust'], errorCode: 'PairingDialogResponsePending', productType: device.productType, serialNumber: null });

    await sim.control.trust(device.udid);
    const ready = await until(bench, device.udid, (r) => r?.state === 'ready');
    expect(ready).toMatchObject({ serialNumber: device.serialNumber, ecid: device.ecid, instruction: 'Ready.' });
  });

  it('a declined Trust tells the technician to replug, and a replug asks again', async () => {
    const device = fleet[1]!;
    const bench = await startBench();
    await until(bench, device.udid, (r) => r?.state === 'needs-trust');
    await sim.control.decline(device.udid);
    const declined = await until(bench, device.udid, (r) => r?.state === 'trust-declined');
    expect(declined?.instruction).toMatch(/declined.*plug it back in/i);

    await sim.control.replug(device.udid);
    await until(bench, device.udid, (r) => r?.state === 'needs-trust');
  });
});

describe('locked', () => {
  it('a device locked since reboot shows `locked` with the unlock instruction, and is ready once unlocked', async () => {
    const device = fleet[2]!;
    await sim.control.lock(device.udid, true);
    const bench = await startBench();
    const locked = await until(bench, device.udid, (r) => r?.state === 'locked');
    expect(locked).toMatchObject({ instruction: STATE_INSTRUCTIONS.locked, errorCode: 'PasswordProtected' });
    expect(locked?.instruction).toMatch(/unlock the device with its passcode/i);

    await sim.control.unlock(device.udid);
    await sim.control.trust(device.udid);
    await until(bench, device.udid, (r) => r?.state === 'ready');
  });
});

describe('unplugging and replugging', () => {
  // How fast is measured by `npm run bench:detect` (detach → gone); this proves the record goes and stays gone.
  it('a detached device leaves the list, announced as detached, and comes back when plugged in again', async () => {
    const device = fleet[3]!;
    await sim.control.trust(device.udid);
    const bench = await startBench();
    await until(bench, device.udid, (r) => r?.state === 'ready');
    const removed: DeviceRecord[] = [];
    bench.onChange((change) => change.kind === 'removed' && removed.push(change.record));
    await sim.control.detach(device.udid);
    await until(bench, device.udid, (r) => r === undefined);
    expect(removed.map((r) => [r.udid, r.state])).toEqual([[device.udid, 'detached']]);
    await sim.control.attach(device.udid);
    await until(bench, device.udid, (r) => r?.state === 'ready');
  });

  it('after a replug the next read opens a fresh session by itself instead of failing on the dead one', async () => {
    const device = fleet[4]!;
    await sim.control.trust(device.udid);
    lockdown = new ImobiledeviceLockdown();
    process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
    const first = await lockdown.readIdentity(device.udid, []);
    expect(first.values.SerialNumber).toBe(device.serialNumber);
    expect(lockdown.openSessions).toBe(1);

    await sim.control.replug(device.udid); // the kept session's connection dies with the old attachment
    await sim.control.setBattery(device.udid, { level: 12 });
    const second = await lockdown.readIdentity(device.udid, ['com.apple.mobile.battery']);
    expect(second.domains['com.apple.mobile.battery']?.BatteryCurrentCapacity).toBe(12);
    expect(lockdown.openSessions).toBe(1);
  });
});

describe('benchline watch', () => {
  it('streams attach, state and detach events as JSON lines', async () => {
    const device = fleet[5]!;
    const child = spawn(process.execPath, [path.resolve('bin/benchline.cjs'), 'watch'], { env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address }, stdio: ['ignore', 'pipe', 'inherit'] });
    const events: { event: string; device: { udid: string; state: string } }[] = [];
    const lines = createInterface({ input: child.stdout! });
    const seen = (predicate: (e: (typeof events)[number]) => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen; got ${JSON.stringify(events.map((e) => [e.event, e.device.state]))}`)), 15_000);
        const check = (): void => {
          if (events.some(predicate)) {
            clearTimeout(timer);
            resolve();
          }
        };
        lines.on('line', () => check());
        check();
      });
    lines.on('line', (line) => events.push(JSON.parse(line) as (typeof events)[number]));
    try {
      await seen((e) => e.device.udid === device.udid && e.device.state === 'needs-trust');
      await sim.control.trust(device.udid);
      await seen((e) => e.event === 'state' && e.device.udid === device.udid && e.device.state === 'ready');
      await sim.control.detach(device.udid);
      await seen((e) => e.event === 'detached' && e.device.udid === device.udid);
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      await sim.control.attach(device.udid).catch(() => undefined);
    }
  });
});
