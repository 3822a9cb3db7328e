/**
 * Trust dialog, "Don't Trust" and the lock screen, driven through the HTTP
 * control interface while the real tools report what a technician would see.
 * The expected texts are the real tools' own messages (libimobiledevice 1.3.0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRequestError, SimControlClient } from '../../sim/device/control-client.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { runTool } from '../../sim/device/tools.js';

const sim = new DeviceSimulator();
let dir = '';
let control: SimControlClient;
let fleet: SimDeviceInfo[] = [];

const tool = (name: string, ...args: string[]) => runTool(name, args, sim.address);
const pendingText = (udid: string) => `ERROR: Please accept the trust dialog on the screen of device ${udid}, then attempt to pair again.\n`;
const deniedText = (udid: string) => `ERROR: Device ${udid} said that the user denied the trust dialog.\n`;
const passcodeText = (udid: string) => `ERROR: Could not validate with device ${udid} because a passcode is set. Please enter the passcode on the device and retry.\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-'));
  // Default: untrusted and unlocked.
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 8, seed: 'trust' });
  control = new SimControlClient(sim.controlUrl!);
  fleet = sim.devices();
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('trust and lock states with the real tools', () => {
  it('starts untrusted and unlocked', async () => {
    for (const device of await control.devices()) expect(device).toMatchObject({ trustPolicy: 'untrusted', lock: 'unlocked', attached: true });
  });

  it('keeps pairing pending until Trust is tapped, then pairs', async () => {
    const { udid } = fleet[0]!;
    for (let attempt = 0; attempt < 2; attempt++) {
      const pending = await tool('idevicepair', '-u', udid, 'pair');
      expect(pending.code).not.toBe(0);
      expect(pending.stdout).toBe(pendingText(udid));
    }
    const info = await tool('ideviceinfo', '-u', udid, '-k', 'SerialNumber');
    expect(info.code).toBe(255);
    expect(info.stderr).toBe('ERROR: Could not connect to lockdownd: Pairing dialog response pending (-19)\n');
    expect((await control.device(udid)).trustDialog).toBe('pending');

    await control.trust(udid);
    const paired = await tool('idevicepair', '-u', udid, 'pair');
    expect(paired).toMatchObject({ code: 0, stdout: `SUCCESS: Paired with device ${udid}\n` });
    const serial = await tool('ideviceinfo', '-u', udid, '-k', 'SerialNumber');
    expect(serial).toMatchObject({ code: 0, stdout: `${fleet[0]!.serialNumber}\n` });
  });

  it('refuses pairing after "Don\'t Trust" until the device is replugged', async () => {
    const { udid } = fleet[1]!;
    await tool('idevicepair', '-u', udid, 'pair');
    await control.decline(udid);
    const denied = await tool('idevicepair', '-u', udid, 'pair');
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toBe(deniedText(udid));
    const info = await tool('ideviceinfo', '-u', udid);
    expect(info.stderr).toBe('ERROR: Could not connect to lockdownd: User denied pairing (-18)\n');
    await expect(control.trust(udid)).rejects.toMatchObject({ status: 409 });

    const before = (await control.device(udid)).deviceId;
    const replugged = await control.replug(udid);
    expect(replugged.deviceId).not.toBe(before);
    expect(replugged.locationId).toBe(fleet[1]!.locationId);
    expect((await tool('idevicepair', '-u', udid, 'pair')).stdout).toBe(pendingText(udid));
    await control.trust(udid);
    expect((await tool('idevicepair', '-u', udid, 'pair')).code).toBe(0);
  });

  it('refuses pairing while locked, and sessions while locked since reboot', async () => {
    const { udid } = fleet[2]!;
    await control.setTrustPolicy(udid, 'trusted');
    await control.lock(udid);
    const locked = await tool('idevicepair', '-u', udid, 'pair');
    expect(locked.code).not.toBe(0);
    expect(locked.stdout).toBe(passcodeText(udid));
    expect((await tool('ideviceinfo', '-u', udid)).stderr).toBe('ERROR: Could not connect to lockdownd: Password protected (-17)\n');

    await control.unlock(udid);
    expect((await tool('idevicepair', '-u', udid, 'pair')).code).toBe(0);
    // Paired now; after a reboot the device refuses sessions until unlocked.
    await control.lock(udid, true);
    const session = await tool('ideviceinfo', '-u', udid, '-k', 'SerialNumber');
    expect(session.code).toBe(255);
    expect(session.stderr).toBe('ERROR: Could not connect to lockdownd: Password protected (-17)\n');
    // A screen lock after first unlock still allows sessions.
    await control.lock(udid, false);
    expect((await tool('ideviceinfo', '-u', udid, '-k', 'SerialNumber')).stdout).toBe(`${fleet[2]!.serialNumber}\n`);
    await control.unlock(udid);
    expect((await tool('ideviceinfo', '-u', udid, '-k', 'PasswordProtected')).code).toBe(0);
  });

  it('hides a detached device and shows it again on attach', async () => {
    const { udid } = fleet[3]!;
    await control.detach(udid);
    expect((await tool('idevice_id', '-l')).stdout).not.toContain(udid);
    await control.attach(udid);
    expect((await tool('idevice_id', '-l')).stdout).toContain(udid);
  });

  it('reports battery changes made through the control interface', async () => {
    const { udid } = fleet[4]!;
    await control.setTrustPolicy(udid, 'trusted');
    await control.setBattery(udid, { level: 100, charging: false });
    const out = (await tool('ideviceinfo', '-u', udid, '-q', 'com.apple.mobile.battery')).stdout;
    expect(out).toContain('BatteryCurrentCapacity: 100\n');
    expect(out).toContain('BatteryIsCharging: false\n');
    expect(out).toContain('FullyCharged: true\n');
  });

  it('answers bad control requests with 4xx', async () => {
    await expect(control.trust('no-such-device')).rejects.toMatchObject({ status: 404 });
    await expect(control.setBattery(fleet[0]!.udid, { level: 101 })).rejects.toBeInstanceOf(ControlRequestError);
    const response = await fetch(`${sim.controlUrl}/devices/${fleet[0]!.udid}/faults`, { method: 'POST', body: '{"kind":"meteor"}' });
    expect(response.status).toBe(400);
  });
});
