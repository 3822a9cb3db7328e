import { describe, expect, it } from 'vitest';
import { IOS_RELEASES, modelByProductType } from '../../core/devices/catalog.js';
import { RANDOM_SERIAL_ALPHABET, isLuhnValid, luhnCheckDigit, serialSchemeFor } from '../../sim/device/formats.js';
import { usesNewUdidFormat as hasNewUdidFormat } from '../../core/devices/catalog.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { SeededRandom } from '../../sim/device/random.js';
import { portForIndex } from '../../sim/device/topology.js';

const fleet = generateIdentities(256, 'unit');

function modelOf(productType: string) {
  const model = modelByProductType(productType);
  if (!model) throw new Error(`unknown model ${productType}`);
  return model;
}

describe('seeded random', () => {
  it('repeats for the same seed and differs for another', () => {
    const a = new SeededRandom('x');
    const b = new SeededRandom('x');
    const c = new SeededRandom('y');
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('keeps int() within bounds', () => {
    const random = new SeededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const value = random.int(-2, 5);
      expect(value).toBeGreaterThanOrEqual(-2);
      expect(value).toBeLessThanOrEqual(5);
    }
  });
});

describe('fleet generator', () => {
  it('gives every device distinct identifiers', () => {
    const distinct = (values: (string | null)[]) => new Set(values.filter((v) => v !== null)).size;
    expect(distinct(fleet.map((d) => d.udid))).toBe(fleet.length);
    expect(distinct(fleet.map((d) => d.ecid))).toBe(fleet.length);
    expect(distinct(fleet.map((d) => d.serialNumber))).toBe(fleet.length);
    expect(distinct(fleet.map((d) => d.wifiAddress))).toBe(fleet.length);
    const imeis = fleet.map((d) => d.imei).filter((v): v is string => v !== null);
    expect(distinct(imeis)).toBe(imeis.length);
    expect(distinct(fleet.map((d) => String(d.locationId)))).toBe(fleet.length);
  });

  it('is deterministic per seed, and device i does not depend on the fleet size', () => {
    expect(generateIdentities(256, 'unit')).toEqual(fleet);
    expect(generateIdentities(8, 'unit')).toEqual(fleet.slice(0, 8));
    expect(generateIdentities(8, 'other').map((d) => d.udid)).not.toEqual(fleet.slice(0, 8).map((d) => d.udid));
  });

  it('formats UDIDs by chip generation: CPID-ECID for A12 and later, 40 hex before', () => {
    let modern = 0;
    let legacy = 0;
    for (const device of fleet) {
      const model = modelOf(device.productType);
      if (hasNewUdidFormat(model)) {
        modern++;
        expect(device.udid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{16}$/);
        expect(device.udid).toHaveLength(25);
        expect(parseInt(device.udid.slice(0, 8), 16)).toBe(model.cpid);
        expect(BigInt(`0x${device.udid.slice(9)}`).toString()).toBe(device.ecid);
      } else {
        legacy++;
        expect(device.udid).toMatch(/^[0-9a-f]{40}$/);
      }
    }
    expect(modern).toBeGreaterThan(0);
    expect(legacy).toBeGreaterThan(0);
  });

  it('never gives an S5L89xx (A4–A7) device the new UDID format', () => {
    expect(hasNewUdidFormat(modelOf('iPhone3,1'))).toBe(false);
    expect(hasNewUdidFormat(modelOf('iPhone6,1'))).toBe(false);
    expect(hasNewUdidFormat(modelOf('iPhone11,8'))).toBe(true);
  });

  it('keeps ECIDs exact as JSON numbers (below 2^53)', () => {
    for (const device of fleet) {
      expect(Number.isSafeInteger(device.uniqueChipId)).toBe(true);
      expect(device.uniqueChipId).toBeGreaterThan(2 ** 48 - 1);
      expect(String(device.uniqueChipId)).toBe(device.ecid);
    }
  });

  it('uses the serial number scheme of the model year', () => {
    const seen = new Set<string>();
    for (const device of fleet) {
      const scheme = serialSchemeFor(modelOf(device.productType).year);
      seen.add(scheme);
      if (scheme === 'random10') {
        expect(device.serialNumber).toHaveLength(10);
        for (const char of device.serialNumber) expect(RANDOM_SERIAL_ALPHABET).toContain(char);
        expect(device.serialNumber).not.toMatch(/[AEIOUS]/);
      } else if (scheme === 'structured12') {
        // plant(3) year-half(1) week(1) unique(3) model(4)
        expect(device.serialNumber).toMatch(/^[0-9A-Z]{3}[CDFGHJKLMNPQRSTVWXYZ][1-9CDFGHJKLMNPQRTVWXY][0-9A-Z]{3}[0-9A-Z]{4}$/);
      } else {
        // plant(2) year digit(1) week(2) unique(3) config(3)
        expect(device.serialNumber).toMatch(/^[0-9A-Z]{2}\d(0[1-9]|[1-4]\d|5[0-2])[0-9A-Z]{3}[0-9A-Z]{3}$/);
      }
    }
    expect(seen).toEqual(new Set(['random10', 'structured12', 'legacy11']));
  });

  it('gives IMEIs (15 digits, Luhn-valid) to cellular models only', () => {
    for (const device of fleet) {
      const model = modelOf(device.productType);
      if (model.cellular) {
        expect(device.imei).toMatch(/^\d{15}$/);
        expect(isLuhnValid(device.imei!)).toBe(true);
      } else {
        expect(device.imei).toBeNull();
      }
    }
  });

  it('computes Luhn check digits correctly', () => {
    expect(luhnCheckDigit('49015420323751')).toBe(8);
    expect(isLuhnValid('490154203237518')).toBe(true);
    expect(isLuhnValid('490154203237519')).toBe(false);
    expect(isLuhnValid('79927398713')).toBe(true);
  });

  it('runs an iOS release inside the model range', () => {
    for (const device of fleet) {
      const model = modelOf(device.productType);
      const allowed = IOS_RELEASES.slice(model.os[0], model.os[1] + 1);
      expect(allowed).toContainEqual({ version: device.productVersion, build: device.buildVersion });
      expect(device.hardwareModel).toBe(model.hardwareModel);
      expect(device.deviceClass).toBe(model.deviceClass);
    }
  });

  it('draws realistic names, MACs, activation, battery and disk values', () => {
    expect(fleet.some((d) => /[^\x20-\x7e]/.test(d.deviceName))).toBe(true);
    expect(new Set(fleet.map((d) => d.activationState))).toEqual(new Set(['Activated', 'Unactivated']));
    expect(fleet.filter((d) => d.activationState === 'Activated').length).toBeGreaterThan(fleet.length / 2);
    for (const device of fleet) {
      expect(device.wifiAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(device.bluetoothAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(device.bluetoothAddress).not.toBe(device.wifiAddress);
      expect(device.battery.level).toBeGreaterThanOrEqual(0);
      expect(device.battery.level).toBeLessThanOrEqual(100);
      const disk = device.disk;
      expect(disk.totalDataCapacity + disk.totalSystemCapacity).toBeLessThanOrEqual(disk.totalDiskCapacity);
      expect(disk.totalDataAvailable).toBeLessThanOrEqual(disk.totalDataCapacity);
      expect(device.productId).toBeGreaterThanOrEqual(0x1290);
      expect(device.productId).toBeLessThanOrEqual(0x12af);
    }
  });
});

describe('USB topology', () => {
  it('encodes LocationID as (bus << 16) | address, spread over several buses', () => {
    for (const device of fleet) expect(device.locationId).toBe((device.port.bus << 16) | device.port.address);
    expect(new Set(fleet.slice(0, 128).map((d) => d.port.bus)).size).toBeGreaterThan(2);
    expect(portForIndex(0)).toEqual({ bus: 1, address: 3, locationId: 0x10003, portPath: '1-1.1' });
    expect(portForIndex(7).portPath).toBe('1-2.1');
  });

  it('keeps every address a valid USB address', () => {
    for (let i = 0; i < 1000; i++) {
      const port = portForIndex(i);
      expect(port.address).toBeGreaterThan(1);
      expect(port.address).toBeLessThan(128);
    }
  });
});
