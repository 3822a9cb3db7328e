/**
 * What the bench knows about one device, with the JSON field names scripts
 * rely on (`benchline list --format json`). Values not yet read are null.
 */
import type { ConnectionState } from './states.js';

export type PlistValue = null | string | number | bigint | boolean | Uint8Array | Date | PlistValue[] | { [key: string]: PlistValue };
export type PlistDict = { [key: string]: PlistValue };

export type DeviceMode = 'normal' | 'recovery' | 'dfu';

export interface DeviceIdentity {
  udid: string | null;
  /** ECID as a decimal string: it is a uint64 and does not fit a JSON number safely. */
  ecid: string | null;
  serialNumber: string | null;
  productType: string | null;
  marketingName: string | null;
  hardwareModel: string | null;
  productVersion: string | null;
  buildVersion: string | null;
  deviceName: string | null;
  deviceClass: string | null;
  imei: string | null;
  wifiAddress: string | null;
  batteryLevel: number | null;
  batteryCharging: boolean | null;
  activationState: string | null;
  passwordProtected: boolean | null;
  totalDiskCapacity: number | null;
  totalDataAvailable: number | null;
}

export interface DeviceRecord extends DeviceIdentity {
  /** Stable key of the physical device: `ecid:<n>` once the ECID is known, else `udid:<u>` or `usb:<port>`. */
  id: string;
  state: ConnectionState;
  instruction: string;
  mode: DeviceMode;
  /** Bench slot derived from the USB port, e.g. "1-3.2"; null when unknown. */
  slot: string | null;
  locationId: number | null;
  connectionType: 'usb' | 'network' | null;
  /** True when the port replugged so often in a short time that the cable or port is suspect. */
  flapping: boolean;
  /** Why the device is in `error`, `locked`, `needs-trust`, … — the last device error code. */
  errorCode: string | null;
  errorMessage: string | null;
  attachedAt: string | null;
  updatedAt: string;
}

export const EMPTY_IDENTITY: DeviceIdentity = Object.freeze({
  udid: null,
  ecid: null,
  serialNumber: null,
  productType: null,
  marketingName: null,
  hardwareModel: null,
  productVersion: null,
  buildVersion: null,
  deviceName: null,
  deviceClass: null,
  imei: null,
  wifiAddress: null,
  batteryLevel: null,
  batteryCharging: null,
  activationState: null,
  passwordProtected: null,
  totalDiskCapacity: null,
  totalDataAvailable: null,
});

/** ECIDs arrive as number or bigint (uint64); normalise to a decimal string. */
export function ecidToString(value: PlistValue | undefined): string | null {
  // libplist stores unsigned 64-bit values ≥ 2^63 as negative signed integers.
  if (typeof value === 'bigint') return BigInt.asUintN(64, value).toString(10);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value).toString(10);
  if (typeof value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(value)) return BigInt(value).toString(10);
  return null;
}

/** Accepts an ECID as typed by a person: decimal, or hex with 0x. */
export function parseEcid(text: string): string | null {
  const trimmed = text.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(trimmed) || /^\d{1,20}$/.test(trimmed)) return BigInt(trimmed).toString(10);
  return null;
}
