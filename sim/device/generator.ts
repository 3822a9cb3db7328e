/**
 * Seeded fleet generator: the same seed gives the same devices, and device i
 * does not depend on how many devices were asked for (one sequential stream),
 * so a test with 8 devices sees the first 8 of the 128-device fleet.
 */
import { IOS_RELEASES, MODELS } from '../../core/devices/catalog.js';
import type { DeviceClass, ModelInfo } from '../../core/devices/catalog.js';
import { makeEcid, makeImei, makeMacPair, makeSerialNumber, makeUdid, productIdFor } from './formats.js';
import { SeededRandom } from './random.js';
import { portForIndex } from './topology.js';
import type { UsbPort } from './topology.js';

export interface BatteryInfo {
  level: number;
  charging: boolean;
  externalConnected: boolean;
}

export interface DiskUsage {
  totalDiskCapacity: number;
  totalSystemCapacity: number;
  totalDataCapacity: number;
  totalDataAvailable: number;
}

/** Everything fixed about one simulated device (mutable state lives in SimDevice). */
export interface SimIdentity {
  index: number;
  udid: string;
  /** ECID as a decimal string, like core's DeviceIdentity. */
  ecid: string;
  /** The same ECID as a number (always < 2^53). */
  uniqueChipId: number;
  serialNumber: string;
  productType: string;
  hardwareModel: string;
  marketingName: string;
  deviceClass: DeviceClass;
  cpid: number;
  productVersion: string;
  buildVersion: string;
  deviceName: string;
  imei: string | null;
  wifiAddress: string;
  bluetoothAddress: string;
  activationState: 'Activated' | 'Unactivated';
  passwordProtected: boolean;
  modelNumber: string;
  regionInfo: string;
  deviceColor: string;
  timeZone: string;
  battery: BatteryInfo;
  disk: DiskUsage;
  port: UsbPort;
  locationId: number;
  productId: number;
}

/** Names people really give devices: apostrophes are typographic, some are not Latin. */
const NAME_TEMPLATES = [
  '{C}',
  '{C}',
  'Zoë’s {C}',
  '宿舍 {C}',
  'José’s {C}',
  '{C} von Jürgen',
  'Кирилл {C}',
  'Bench {N}',
  'Łukasz {C}',
  'Émilie’s {C} 📱',
  'Lab {C} {N}',
  'Mark’s {C}',
  'Return #{N}',
  'سارة {C}',
] as const;
const REGIONS = ['LL/A', 'B/A', 'ZD/A', 'CH/A', 'J/A', 'FD/A'] as const;
const COLORS = ['1', '2', '#3b3b3c', '#e1e4e3', '#ffffff', '#d7d9d8'] as const;
const TIME_ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Europe/London', 'America/Los_Angeles', 'Asia/Tokyo'] as const;
const GB = 1_000_000_000;

/** Benches see far more recent devices than antiques. */
function modelWeight(model: ModelInfo): number {
  if (model.year >= 2018) return 4;
  if (model.year >= 2014) return 2;
  return 1;
}
const WEIGHTED_MODELS: readonly ModelInfo[] = MODELS.flatMap((model) => Array<ModelInfo>(modelWeight(model)).fill(model));

function storageOptions(model: ModelInfo): readonly number[] {
  if (model.productType === 'iPad16,3') return [256, 512, 1024];
  if (model.year < 2012) return [8, 16, 32];
  if (model.year < 2016) return [16, 32, 64];
  if (model.year < 2019) return [32, 64, 128, 256];
  return [64, 128, 256, 512];
}

function makeDisk(random: SeededRandom, model: ModelInfo, iosMajor: number): DiskUsage {
  const totalDiskCapacity = random.pick(storageOptions(model)) * GB;
  const systemGb = iosMajor < 10 ? 2 + random.int(0, 1) : iosMajor < 15 ? 4 + random.int(0, 2) : 10 + random.int(0, 4);
  const totalSystemCapacity = systemGb * GB + random.int(0, 999) * 1_000_000;
  const totalDataCapacity = totalDiskCapacity - totalSystemCapacity - random.int(200, 900) * 1_000_000;
  const totalDataAvailable = Math.floor(totalDataCapacity * (0.05 + random.next() * 0.85));
  return { totalDiskCapacity, totalSystemCapacity, totalDataCapacity, totalDataAvailable };
}

function makeBattery(random: SeededRandom): BatteryInfo {
  const level = random.chance(0.1) ? 100 : random.int(3, 99);
  // Plugged into a bench hub: nearly always on external power, charging unless full.
  const externalConnected = !random.chance(0.05);
  return { level, charging: externalConnected && level < 100 && !random.chance(0.1), externalConnected };
}

function makeName(random: SeededRandom, model: ModelInfo): string {
  return random
    .pick(NAME_TEMPLATES)
    .replace('{C}', model.deviceClass)
    .replace('{N}', String(random.int(1, 99)).padStart(2, '0'));
}

/** Draws until the value is new; collisions are astronomically rare but must never produce duplicates. */
function unique<T>(taken: Set<T>, draw: () => T): T {
  for (;;) {
    const value = draw();
    if (!taken.has(value)) {
      taken.add(value);
      return value;
    }
  }
}

export function generateIdentities(count: number, seed: string | number): SimIdentity[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`device count must be a non-negative integer, got ${count}`);
  const random = new SeededRandom(`benchline-sim/${seed}`);
  const taken = { udid: new Set<string>(), ecid: new Set<number>(), serial: new Set<string>(), imei: new Set<string>(), mac: new Set<string>() };
  const out: SimIdentity[] = [];
  for (let index = 0; index < count; index++) {
    const model = random.pick(WEIGHTED_MODELS);
    const release = IOS_RELEASES[random.int(model.os[0], model.os[1])]!;
    const iosMajor = Number(release.version.split('.')[0]);
    const ecid = unique(taken.ecid, () => makeEcid(random));
    const serialNumber = unique(taken.serial, () => makeSerialNumber(random, model));
    let macs = makeMacPair(random);
    while (taken.mac.has(macs.wifi) || taken.mac.has(macs.bluetooth)) macs = makeMacPair(random);
    taken.mac.add(macs.wifi).add(macs.bluetooth);
    const imei = model.cellular ? unique(taken.imei, () => makeImei(random, model)) : null;
    const udid = makeUdid(model, ecid, serialNumber, macs.wifi, macs.bluetooth);
    if (taken.udid.has(udid)) throw new Error(`UDID collision for device ${index}`);
    taken.udid.add(udid);
    const port = portForIndex(index);
    out.push({
      index,
      udid,
      ecid: String(ecid),
      uniqueChipId: ecid,
      serialNumber,
      productType: model.productType,
      hardwareModel: model.hardwareModel,
      marketingName: model.marketingName,
      deviceClass: model.deviceClass,
      cpid: model.cpid,
      productVersion: release.version,
      buildVersion: release.build,
      deviceName: makeName(random, model),
      imei,
      wifiAddress: macs.wifi,
      bluetoothAddress: macs.bluetooth,
      activationState: random.chance(0.85) ? 'Activated' : 'Unactivated',
      passwordProtected: random.chance(0.6),
      modelNumber: `M${random.string('BCDFGHJKLMNPQRTVWXY0123456789', 3)}${random.int(1, 3)}`,
      regionInfo: random.pick(REGIONS),
      deviceColor: random.pick(COLORS),
      timeZone: random.pick(TIME_ZONES),
      battery: makeBattery(random),
      disk: makeDisk(random, model, iosMajor),
      port,
      locationId: port.locationId,
      productId: productIdFor(model),
    });
  }
  return out;
}
