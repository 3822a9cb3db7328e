/**
 * The simulator's diagnostics_relay and device life cycle under Debian's
 * real libimobiledevice 1.3.0 tools: idevicediagnostics restart, shutdown,
 * sleep and a query; what the tools see while a device is gone; and what
 * ideviceinfo and idevicepair see after an erase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimControlClient } from '../../sim/device/control-client.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { parseKeyValues, runTool } from '../../sim/device/tools.js';

const RESTART_GONE_MS = 600;
const ERASE_GONE_MS = 600;
const sim = new DeviceSimulator();
let dir = '';
let control: SimControlClient;
let fleet: SimDeviceInfo[] = [];

const tool = (name: string, ...args: string[]) => runTool(name, args, sim.address);

/** Polls the control interface until `predicate` holds (or fails after `timeoutMs`). */
async function waitFor(udid: string, predicate: (info: SimDeviceInfo) => boolean, timeoutMs = 5000): Promise<SimDeviceInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await control.device(udid);
    if (predicate(info)) return info;
    if (Date.now() > deadline) throw new Error(`device ${udid} did not reach the expected state: ${JSON.stringify({ attached: info.attached, power: info.power })}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function listed(): Promise<string[]> {
  const result = await tool('idevice_id', '-l');
  return result.stdout.trim().split('\n').filter(Boolean);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-diag-'));
  await sim.start({
    socketPath: join(dir, 'mux.sock'),
    devices: 6,
    seed: 'diagnostics-real-tool',
    allTrusted: true,
    lifecycle: { restartGoneMs: RESTART_GONE_MS, eraseGoneMs: ERASE_GONE_MS },
  });
  control = new SimControlClient(sim.controlUrl!);
  fleet = sim.devices();
});

beforeEach(async () => {
  await control.clearFaults('all');
  await control.resetAllCounters();
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('idevicediagnostics against the simulator', () => {
  it('restart: the tool succeeds, the device drops off, and comes back still paired after restartGoneMs', async () => {
    const device = fleet.find((d) => !d.passcode)!;
    expect((await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName')).code).toBe(0);
    const pairedWith = (await control.device(device.udid)).trustedHostIds;

    const result = await tool('idevicediagnostics', '-u', device.udid, 'restart');
    expect(result).toMatchObject({ code: 0, stdout: 'Restarting device.\n' });
    const gone = await waitFor(device.udid, (info) => !info.attached);
    expect(gone.power).toBe('restarting');
    expect(gone.counters).toMatchObject({ Restart: 1, Goodbye: 1 });
    expect(await listed()).not.toContain(device.udid);

    const back = await waitFor(device.udid, (info) => info.attached);
    expect(back.power).toBe('on');
    expect(back.trustedHostIds).toEqual(pairedWith);
    const after = await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName');
    expect(after).toMatchObject({ code: 0, stdout: `${device.deviceName}\n` });
  });

  it('restart of a device with a passcode: back locked until the passcode is entered', async () => {
    const device = fleet.find((d) => d.passcode)!;
    expect((await tool('idevicediagnostics', '-u', device.udid, 'restart')).code).toBe(0);
    await waitFor(device.udid, (info) => !info.attached);
    await waitFor(device.udid, (info) => info.attached);
    const locked = await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName');
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toContain('Password protected (-17)');
    await control.unlock(device.udid);
    expect((await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName')).code).toBe(0);
  });

  it('shutdown: the device stays off until power-on', async () => {
    const device = fleet[2]!;
    const result = await tool('idevicediagnostics', '-u', device.udid, 'shutdown');
    expect(result).toMatchObject({ code: 0, stdout: 'Shutting down device.\n' });
    await waitFor(device.udid, (info) => info.power === 'off' && !info.attached);
    await new Promise((resolve) => setTimeout(resolve, RESTART_GONE_MS * 2));
    expect(await listed()).not.toContain(device.udid);
    const missing = await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName');
    expect(missing.code).not.toBe(0);

    const on = await control.powerOn(device.udid);
    expect(on).toMatchObject({ power: 'on', attached: true });
    expect(await listed()).toContain(device.udid);
  });

  it('sleep and a query answer without changing the device', async () => {
    const device = fleet[3]!;
    expect(await tool('idevicediagnostics', '-u', device.udid, 'sleep')).toMatchObject({ code: 0, stdout: 'Putting device into deep sleep mode.\n' });
    const gas = await tool('idevicediagnostics', '-u', device.udid, 'diagnostics', 'GasGauge');
    expect(gas.code).toBe(0);
    expect(gas.stdout).toContain('<key>CycleCount</key>');
    const gestalt = await tool('idevicediagnostics', '-u', device.udid, 'mobilegestalt', 'ProductType', 'SerialNumber');
    expect(gestalt.stdout).toContain(`<string>${device.productType}</string>`);
    expect(gestalt.stdout).toContain(`<string>${device.serialNumber}</string>`);
    expect(await waitFor(device.udid, () => true)).toMatchObject({ attached: true, power: 'on', counters: { Sleep: 1, GasGauge: 1, MobileGestalt: 1, Goodbye: 3 } });
  });

  it('an injected error makes the tool fail and the device stays; an unplug fault pulls the cable', async () => {
    const device = fleet[4]!;
    await control.injectFault(device.udid, { kind: 'error', request: 'Restart' });
    expect(await tool('idevicediagnostics', '-u', device.udid, 'restart')).toMatchObject({ code: 1, stdout: 'ERROR: Failed to restart device.\n' });
    expect(await control.device(device.udid)).toMatchObject({ attached: true, power: 'on', counters: { Restart: 1 } });

    await control.injectFault(device.udid, { kind: 'unplug', request: 'Restart' });
    const unplugged = await tool('idevicediagnostics', '-u', device.udid, 'restart');
    expect(unplugged.stdout).toContain('ERROR: Failed to restart device.');
    expect(await control.device(device.udid)).toMatchObject({ attached: false, cable: false, power: 'on' });
    await control.attach(device.udid);
  });
});

describe('real tools after an erase (libimobiledevice 1.3.0)', () => {
  it('the old pairing is refused, idevicepair pairs again without Trust, and the device reads as new', async () => {
    const device = fleet[5]!;
    await control.setTrustPolicy(device.udid, 'untrusted');
    await control.trust(device.udid);
    expect((await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName')).code).toBe(0);

    sim.device(device.udid).erase({ preserveDataPlan: false, disallowProximitySetup: false });
    await waitFor(device.udid, (info) => info.attached && info.inSetupAssistant);

    // 1.3.0 does not drop its record on InvalidHostID: the tool fails until the host pairs again.
    const refused = await tool('ideviceinfo', '-u', device.udid, '-k', 'DeviceName');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Invalid HostID (-21)');
    const paired = await tool('idevicepair', '-u', device.udid, 'pair');
    expect(paired).toMatchObject({ code: 0 });
    expect(paired.stdout).toContain('SUCCESS: Paired with device');
    const values = parseKeyValues((await tool('ideviceinfo', '-u', device.udid)).stdout);
    expect(values).toMatchObject({ ActivationState: 'Unactivated', DeviceName: device.deviceClass, PasswordProtected: 'false' });
  });
});
