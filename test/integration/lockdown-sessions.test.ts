/**
 * The kept lockdown sessions under the real libimobiledevice: what is reused,
 * what is re-opened, what never prompts for Trust, and that closing while a
 * call is running frees every handle once. Counts come from the simulator's
 * request trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LockdownError } from '../../core/devices/errors.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import type { SimDevice } from '../../sim/device/device.js';

const sim = new DeviceSimulator();
let dir = '';
const trace: string[] = [];
let lockdown: ImobiledeviceLockdown;

const requests = (udid: string, name: string): number => trace.filter((line) => line.startsWith(`${udid} `) && new RegExp(`^\\S+ (plain|tls) ${name}\\b`).test(line)).length;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-sessions-'));
  await sim.start({ socketPath: path.join(dir, 'mux.sock'), devices: 4, seed: 'sessions', allTrusted: true, control: false, trace: (line) => trace.push(line) });
  process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await lockdown?.close();
});

function device(index: number): SimDevice {
  return sim.allDevices()[index]!;
}

describe('a kept session', () => {
  it('is reused by later reads: one StartSession for three reads', async () => {
    const { udid } = device(0);
    lockdown = new ImobiledeviceLockdown();
    const before = requests(udid, 'StartSession');
    for (let i = 0; i < 3; i += 1) await lockdown.readIdentity(udid, ['com.apple.mobile.battery']);
    expect(requests(udid, 'StartSession') - before).toBe(1);
  });

  it('survives a request the device refuses (MissingValue): no new session afterwards', async () => {
    const { udid } = device(0);
    lockdown = new ImobiledeviceLockdown();
    await lockdown.readIdentity(udid, []);
    const before = requests(udid, 'StartSession');
    await expect(lockdown.getValue(udid, null, 'NoSuchKeyAnywhere')).rejects.toMatchObject({ lockdownName: 'MissingValue' });
    await lockdown.readIdentity(udid, []);
    expect(requests(udid, 'StartSession') - before).toBe(0);
    expect(lockdown.openSessions).toBe(1);
  });

  it('closing while a read is running frees each handle once and keeps nothing open', async () => {
    const { udid } = device(1);
    lockdown = new ImobiledeviceLockdown();
    await lockdown.readIdentity(udid, []);
    const reading = lockdown.getValue(udid, null, 'SerialNumber');
    const closing = lockdown.close();
    await expect(reading).resolves.toBe(device(1).identity.serialNumber);
    await closing;
    expect(lockdown.openSessions).toBe(0);
    // A read after close opens a session and does not keep it.
    await lockdown.readIdentity(udid, []);
    expect(lockdown.openSessions).toBe(0);
  });
});

describe('pairing', () => {
  it('knows which devices this host has paired with (usbmuxd pair records, read off the JS thread)', async () => {
    const fresh = sim.allDevices().find((d) => sim.pairRecord(d.udid) === undefined)!;
    lockdown = new ImobiledeviceLockdown();
    expect(await lockdown.hasPairRecord(fresh.udid)).toBe(false);
    await lockdown.readIdentity(fresh.udid, []); // pairs (the simulated devices trust this host at once)
    expect(await lockdown.hasPairRecord(fresh.udid)).toBe(true);
  });

  it('a device that forgot this host (erased) asks for Trust again instead of failing with InvalidHostID forever', async () => {
    const sim2 = device(2);
    lockdown = new ImobiledeviceLockdown();
    await lockdown.readIdentity(sim2.udid, []);
    // The device forgets every host it trusted, as after Erase All Content and Settings.
    for (const hostId of sim2.info().trustedHostIds) sim2.unpair(hostId);
    sim2.trustPolicy = 'untrusted';
    sim2.replug();

    const attempt = lockdown.readIdentity(sim2.udid, []);
    await expect(attempt).rejects.toBeInstanceOf(LockdownError);
    await expect(attempt).rejects.toMatchObject({ lockdownName: 'PairingDialogResponsePending' });

    sim2.tapTrust();
    const snapshot = await lockdown.readIdentity(sim2.udid, []);
    expect(snapshot.values.SerialNumber).toBe(sim2.identity.serialNumber);
  });

  it('an untrusted read never sends Pair, even when the kept session has died', async () => {
    const sim3 = device(3);
    lockdown = new ImobiledeviceLockdown();
    await lockdown.readIdentity(sim3.udid, []);
    for (const hostId of sim3.info().trustedHostIds) sim3.unpair(hostId);
    sim3.trustPolicy = 'untrusted';
    sim3.replug(); // the kept session dies with the old attachment
    const pairsBefore = requests(sim3.udid, 'Pair');
    const values = await lockdown.readUntrusted(sim3.udid);
    expect(values.ProductType).toBe(sim3.identity.productType);
    expect(requests(sim3.udid, 'Pair') - pairsBefore).toBe(0);
  });
});
