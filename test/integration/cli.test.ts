/**
 * `benchline` as a technician or a script runs it, against the simulator in
 * its own process and Debian's real libimobiledevice tools as the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { parseKeyValues, runTool } from '../../sim/device/tools.js';
import { benchline, startSimulatorProcess, type SimProcess } from '../support/processes.js';

const DEVICES = 64;
let sim: SimProcess;
let fleet: SimDeviceInfo[];

beforeAll(async () => {
  sim = await startSimulatorProcess({ devices: DEVICES, seed: 'cli', allTrusted: true });
  fleet = await sim.control.devices();
});

afterAll(async () => {
  await sim?.stop();
});

const env = (): NodeJS.ProcessEnv => ({ USBMUXD_SOCKET_ADDRESS: sim.address });

/** Runs async work with at most `limit` at once: ideviceinfo processes each cost a TLS handshake. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

describe('benchline list', () => {
  it(`lists all ${DEVICES} devices as one JSON array with serial, UDID, ECID, model, OS, battery, state and slot`, { timeout: 180_000 }, async () => {
    // The first command pairs all 64 devices (libimobiledevice generates keys for each: ~10 s of
    // CPU on 2 cores), so it may wait longer than list's default 15 s.
    const result = await benchline(['list', '--format', 'json', '--timeout', '120000'], env(), 150_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(records).toHaveLength(DEVICES);
    for (const record of records) {
      const simulated = fleet.find((device) => device.udid === record.udid);
      expect(simulated, `unknown UDID ${String(record.udid)}`).toBeDefined();
      expect(record).toMatchObject({
        serialNumber: simulated!.serialNumber,
        ecid: simulated!.ecid,
        productType: simulated!.productType,
        marketingName: simulated!.marketingName,
        productVersion: simulated!.productVersion,
        batteryLevel: simulated!.battery.level,
        state: 'ready',
        instruction: 'Ready.',
        locationId: simulated!.locationId,
      });
      expect(record.slot).toMatch(/^\d+-\d+$/);
    }
  });

  it('prints CSV with a header row for spreadsheets', async () => {
    const result = await benchline(['list', '--format', 'csv'], env());
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^udid,ecid,serialNumber,productType,/);
    expect(lines).toHaveLength(DEVICES + 1);
  });
});

describe('benchline get agrees with Debian\'s ideviceinfo', () => {
  it('for every device: SerialNumber, ProductType and UniqueChipID (ECID)', async () => {
    const result = await benchline(['get', 'udid', 'serialNumber', 'productType', 'ecid', ...fleet.flatMap((d) => ['--udid', d.udid]), '--format', 'json'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const ours = new Map((JSON.parse(result.stdout) as { udid: string; serialNumber: string; productType: string; ecid: string }[]).map((r) => [r.udid, r]));
    expect(ours.size).toBe(DEVICES);

    const theirs = await mapLimited(fleet, 8, async (device) => {
      const info = await runTool('ideviceinfo', ['-u', device.udid], sim.address);
      expect(info.code, info.stderr).toBe(0);
      return { udid: device.udid, values: parseKeyValues(info.stdout) };
    });
    for (const { udid, values } of theirs) {
      expect(ours.get(udid)).toEqual({ udid, serialNumber: values.SerialNumber, productType: values.ProductType, ecid: values.UniqueChipID });
    }
  });

  it('ideviceinfo -k answers match get --udid for single keys', async () => {
    const device = fleet[5]!;
    const get = await benchline(['get', '--udid', device.udid, '--format', 'json'], env());
    expect(get.code).toBe(0);
    const record = JSON.parse(get.stdout) as Record<string, unknown>;
    for (const [key, field] of [['SerialNumber', 'serialNumber'], ['ProductType', 'productType'], ['UniqueChipID', 'ecid']] as const) {
      const info = await runTool('ideviceinfo', ['-u', device.udid, '-k', key], sim.address);
      expect(info.code).toBe(0);
      expect(record[field]).toBe(info.stdout.trim());
    }
  });

  it('selects a device by ECID given in hex, as printed on a DFU screen', async () => {
    const device = fleet[9]!;
    const result = await benchline(['get', 'serialNumber', '--ecid', `0x${BigInt(device.ecid).toString(16)}`, '--format', 'json'], env());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ serialNumber: device.serialNumber });
  });

  it('refuses to guess which of several devices is meant (exit 2), and says what to do', async () => {
    const result = await benchline(['get', 'serialNumber'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/64 devices are connected/);
    expect(result.stderr).toMatch(/--udid or --ecid, or .* --foreach/);
  });

  it('names a device that is not connected (exit 3)', async () => {
    const result = await benchline(['get', '--udid', '00008030-0000000000000001'], env());
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Not connected: UDID 00008030-0000000000000001/);
  });
});

describe('when something is wrong on the machine', () => {
  it('rejects a bad argument before touching usbmuxd or any device (exit 2)', async () => {
    for (const args of [['list', '--timeout', 'soon'], ['list', '--simulate', 'many'], ['get', '--ecid', 'not-an-ecid']]) {
      const result = await benchline(args, { USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd.sock' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toMatch(/usbmuxd/);
    }
  });

  it('says how to start usbmuxd when nothing listens on its socket (exit 5)', async () => {
    const result = await benchline(['list'], { USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd.sock' });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/Cannot reach usbmuxd at UNIX:\/nonexistent\/usbmuxd\.sock/);
    expect(result.stderr).toMatch(/systemctl start usbmuxd/);
  });

  it('without libimobiledevice, still lists devices and names the package to install (exit 6)', async () => {
    const result = await benchline(['list', '--format', 'json', '--timeout', '3000'], { ...env(), BENCHLINE_LIBIMOBILEDEVICE: 'libimobiledevice-not-installed.so.6' });
    expect(result.code).toBe(6);
    const records = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(records).toHaveLength(DEVICES);
    for (const record of records) {
      expect(record).toMatchObject({ state: 'error', errorCode: 'LibraryMissing' });
      expect(record.instruction).toMatch(/apt-get install -y libimobiledevice6/);
      expect(fleet.some((device) => device.udid === record.udid)).toBe(true);
    }
  });
});
