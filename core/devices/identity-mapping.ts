/**
 * From what lockdownd says to the bench's DeviceIdentity. Only values present
 * in an answer are returned, so a partial answer (before trust, or a domain
 * the device refused) never wipes what an earlier read learned.
 */
import type { DeviceIdentity, PlistDict, PlistValue } from './identity.js';
import { ecidToString } from './identity.js';
import type { LockdownSnapshot } from './ports.js';
import { marketingNameFor } from './catalog.js';

export const BATTERY_DOMAIN = 'com.apple.mobile.battery';
export const DISK_USAGE_DOMAIN = 'com.apple.disk_usage';

export type IdentityPatch = Partial<DeviceIdentity>;

function text(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function integer(value: PlistValue | undefined): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function flag(value: PlistValue | undefined): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Drops undefined entries so spreading a patch cannot overwrite with "unknown". */
function defined(patch: Record<string, unknown>): IdentityPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as IdentityPatch;
}

/** Keys of GetValue with no domain: what readUntrusted returns, and the base of a full read. */
export function identityFromValues(values: PlistDict): IdentityPatch {
  const productType = text(values.ProductType);
  return defined({
    udid: text(values.UniqueDeviceID),
    ecid: ecidToString(values.UniqueChipID) ?? undefined,
    serialNumber: text(values.SerialNumber),
    productType,
    marketingName: productType ? (marketingNameFor(productType) ?? undefined) : undefined,
    hardwareModel: text(values.HardwareModel),
    productVersion: text(values.ProductVersion),
    buildVersion: text(values.BuildVersion),
    deviceName: text(values.DeviceName),
    deviceClass: text(values.DeviceClass),
    imei: text(values.InternationalMobileEquipmentIdentity),
    wifiAddress: text(values.WiFiAddress),
    activationState: text(values.ActivationState),
    passwordProtected: flag(values.PasswordProtected),
  });
}

export function identityFromSnapshot(snapshot: LockdownSnapshot): IdentityPatch {
  const battery = snapshot.domains[BATTERY_DOMAIN] ?? {};
  const disk = snapshot.domains[DISK_USAGE_DOMAIN] ?? {};
  const level = integer(battery.BatteryCurrentCapacity);
  return {
    ...identityFromValues(snapshot.values),
    ...defined({
      batteryLevel: level === undefined ? undefined : Math.min(100, Math.max(0, Math.round(level))),
      batteryCharging: flag(battery.BatteryIsCharging),
      totalDiskCapacity: integer(disk.TotalDiskCapacity),
      totalDataAvailable: integer(disk.TotalDataAvailable),
    }),
  };
}

/**
 * A12 and later use the UDID `CPID-ECID` (8 + 16 hex digits), so the ECID is
 * known the moment usbmuxd announces the device, before any lockdown read.
 */
export function ecidFromUdid(udid: string): string | null {
  const match = /^[0-9a-f]{8}-([0-9a-f]{16})$/i.exec(udid);
  return match?.[1] ? BigInt(`0x${match[1]}`).toString(10) : null;
}

/** Newer known values win; unknown (null) never replaces a known value. */
export function mergeIdentity(base: DeviceIdentity, patch: IdentityPatch): DeviceIdentity {
  const known = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null && value !== undefined)) as IdentityPatch;
  return { ...base, ...known };
}

/** Fields that belong to the hardware or its owner and survive a mode change; battery, OS and disk do not. */
const LASTING_FIELDS = [
  'udid',
  'ecid',
  'serialNumber',
  'productType',
  'marketingName',
  'hardwareModel',
  'deviceName',
  'deviceClass',
  'imei',
  'wifiAddress',
] as const satisfies readonly (keyof DeviceIdentity)[];

export function lastingIdentity(identity: DeviceIdentity): IdentityPatch {
  return defined(Object.fromEntries(LASTING_FIELDS.map((key) => [key, identity[key] ?? undefined])));
}

/** `ecid:<n>` once the ECID is known, else `udid:<u>`, else `usb:<port>`. */
export function recordIdFor(keys: { ecid: string | null; udid?: string | null; portPath?: string | null }): string {
  if (keys.ecid) return `ecid:${keys.ecid}`;
  if (keys.udid) return `udid:${keys.udid}`;
  return `usb:${keys.portPath ?? 'unknown'}`;
}
