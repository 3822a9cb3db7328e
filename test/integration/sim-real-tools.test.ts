/**
 * The simulator under Debian's real libimobiledevice 1.3.0 tools: listing,
 * identity (with and without pairing), domains, pairing commands, and the
 * oldest iOS versions (ValidatePair handshake, TLS 1.0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { parseKeyValues, runTool } from '../../sim/device/tools.js';

const sim = new DeviceSimulator();
let dir = '';
let fleet: SimDeviceInfo[] = [];

const tool = (name: string, ...args: string[]) => runTool(name, args, sim.address);
const major = (device: SimDeviceInfo) => Number(device.productVersion.split('.')[0]);

function pick(predicate: (device: SimDeviceInfo) => boolean, what: string): SimDeviceInfo {
  const found = fleet.find(predicate);
  if (!found) throw new Error(`the seeded fleet has no ${what}`);
  return found;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-'));
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 128, seed: 'real-tools', allTrusted: true, control: false });
  fleet = sim.devices();
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('real libimobiledevice tools against the simulator', () => {
  it('idevice_id -l lists every UDID', async () => {
    const result = await tool('idevice_id', '-l');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual(fleet.map((d) => d.udid).sort());
  });

  it('ideviceinfo (full) pairs, opens a TLS session and prints the simulated identity', async () => {
    const device = pick((d) => d.udid.length === 25 && d.imei !== null, 'modern cellular device');
    const result = await tool('ideviceinfo', '-u', device.udid);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const values = parseKeyValues(result.stdout);
    expect(values).toMatchObject({
      UniqueDeviceID: device.udid,
      UniqueChipID: device.ecid,
      SerialNumber: device.serialNumber,
      ProductType: device.productType,
      ProductVersion: device.productVersion,
      BuildVersion: device.buildVersion,
      HardwareModel: device.hardwareModel,
      DeviceName: device.deviceName,
      DeviceClass: device.deviceClass,
      WiFiAddress: device.wifiAddress,
      InternationalMobileEquipmentIdentity: device.imei,
    });
    expect(Buffer.from(values.DevicePublicKey!, 'base64').toString('utf8')).toMatch(/^-----BEGIN RSA PUBLIC KEY-----/);
    // The pairing stored a record through usbmuxd.
    expect(sim.pairRecord(device.udid)).toBeDefined();
  });

  it('ideviceinfo -k prints single keys', async () => {
    const device = fleet[1]!;
    for (const [key, expected] of [
      ['SerialNumber', device.serialNumber],
      ['ProductType', device.productType],
      ['UniqueChipID', device.ecid],
      ['DeviceName', device.deviceName],
    ] as const) {
      const result = await tool('ideviceinfo', '-u', device.udid, '-k', key);
      expect(result.code, `${key}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toBe(`${expected}\n`);
    }
  });

  it('ideviceinfo -q reads the battery and disk domains', async () => {
    const device = fleet[2]!;
    sim.device(device.udid).setBattery({ level: 42, charging: true });
    const battery = parseKeyValues((await tool('ideviceinfo', '-u', device.udid, '-q', 'com.apple.mobile.battery')).stdout);
    expect(battery).toMatchObject({ BatteryCurrentCapacity: '42', BatteryIsCharging: 'true', HasBattery: 'true', FullyCharged: 'false' });
    expect(battery.ExternalConnected).toMatch(/^(true|false)$/);
    const disk = parseKeyValues((await tool('ideviceinfo', '-u', device.udid, '-q', 'com.apple.disk_usage')).stdout);
    for (const key of ['TotalDiskCapacity', 'TotalDataCapacity', 'TotalDataAvailable', 'TotalSystemCapacity']) expect(disk[key]).toMatch(/^\d+$/);
  });

  it('ideviceinfo -s reads without pairing and hides the serial number', async () => {
    const device = fleet[3]!;
    const result = await tool('ideviceinfo', '-s', '-u', device.udid);
    expect(result.code).toBe(0);
    const values = parseKeyValues(result.stdout);
    expect(values).toMatchObject({ UniqueDeviceID: device.udid, ProductType: device.productType, DeviceName: device.deviceName, UniqueChipID: device.ecid });
    expect(values.SerialNumber).toBeUndefined();
    expect(sim.pairRecord(device.udid)).toBeUndefined();
  });

  it('idevicepair pair, validate and unpair', async () => {
    const device = fleet[4]!;
    const paired = await tool('idevicepair', '-u', device.udid, 'pair');
    expect(paired).toMatchObject({ code: 0, stdout: `SUCCESS: Paired with device ${device.udid}\n` });
    const validated = await tool('idevicepair', '-u', device.udid, 'validate');
    expect(validated).toMatchObject({ code: 0, stdout: `SUCCESS: Validated pairing with device ${device.udid}\n` });
    const unpaired = await tool('idevicepair', '-u', device.udid, 'unpair');
    expect(unpaired).toMatchObject({ code: 0, stdout: `SUCCESS: Unpaired with device ${device.udid}\n` });
    expect(sim.pairRecord(device.udid)).toBeUndefined();
    expect(sim.device(device.udid).info().trustedHostIds).toEqual([]);
    const again = await tool('idevicepair', '-u', device.udid, 'unpair');
    expect(again.code).not.toBe(0);
    expect(again.stdout).toContain(`ERROR: Device ${device.udid} is not paired with this host`);
  });

  it('reads iOS 6 (ValidatePair handshake) and iOS 9 (TLS 1.0) devices', async () => {
    const ios6 = pick((d) => major(d) === 6, 'iOS 6 device');
    const ios9 = pick((d) => major(d) === 9, 'iOS 9 device');
    for (const device of [ios6, ios9]) {
      expect(device.udid).toMatch(/^[0-9a-f]{40}$/);
      const result = await tool('ideviceinfo', '-u', device.udid, '-k', 'SerialNumber');
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`${device.serialNumber}\n`);
    }
  });

  it('says the device is not found for an unknown UDID', async () => {
    const udid = '0'.repeat(40);
    const result = await tool('ideviceinfo', '-u', udid);
    expect(result.code).toBe(255);
    expect(result.stdout).toBe(`ERROR: Device ${udid} not found!\n`);
  });

  it('reads 64 devices in parallel', async () => {
    const devices = fleet.slice(0, 64);
    const results = await Promise.all(devices.map((device) => tool('ideviceinfo', '-s', '-u', device.udid, '-k', 'ProductType')));
    expect(results.map((r) => r.stdout.trim())).toEqual(devices.map((d) => d.productType));
  });
});
