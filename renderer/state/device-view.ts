/**
 * How a device is presented to the technician: the words on its tile, the
 * badge for its state and how urgent that state is. Pure, so the wording a
 * technician relies on is tested without a DOM.
 */
import type { ConnectionState, Device } from '../../core/contract/index.js';

/** Colour family of a state badge; the stylesheet maps each to a colour. */
export type Tone = 'ok' | 'action' | 'warning' | 'danger' | 'busy' | 'muted';

export interface StateLook {
  /** Short imperative for the badge: what the technician does next. */
  readonly badge: string;
  readonly tone: Tone;
  /** Lower sorts first: states that need a person come before finished ones. */
  readonly urgency: number;
}

export const STATE_LOOK: Readonly<Record<ConnectionState, StateLook>> = {
  error: { badge: 'Replug device', tone: 'danger', urgency: 0 },
  'trust-declined': { badge: 'Replug, tap Trust', tone: 'danger', urgency: 1 },
  'needs-trust': { badge: 'Tap Trust', tone: 'action', urgency: 2 },
  locked: { badge: 'Unlock with passcode', tone: 'action', urgency: 3 },
  recovery: { badge: 'Recovery mode', tone: 'warning', urgency: 4 },
  dfu: { badge: 'DFU mode', tone: 'warning', urgency: 5 },
  reading: { badge: 'Reading…', tone: 'busy', urgency: 6 },
  ready: { badge: 'Ready', tone: 'ok', urgency: 7 },
  detached: { badge: 'Unplugged', tone: 'muted', urgency: 8 },
};

/** The states in the order the filter chips show them: the ones needing hands first. */
export const STATES_BY_URGENCY: readonly ConnectionState[] = (Object.keys(STATE_LOOK) as ConnectionState[]).sort(
  (a, b) => STATE_LOOK[a].urgency - STATE_LOOK[b].urgency,
);

/** The tile's headline: the name the owner gave it, else what it is. */
export function deviceTitle(device: Device): string {
  return device.deviceName ?? device.marketingName ?? device.productType ?? modeTitle(device);
}

/** The line under the headline: what kind of device, unless the headline already says so. */
export function deviceSubtitle(device: Device): string | null {
  const kind = device.marketingName ?? device.productType;
  if (kind === null || kind === deviceTitle(device)) return null;
  return kind;
}

function modeTitle(device: Device): string {
  if (device.mode === 'dfu') return 'Device in DFU mode';
  if (device.mode === 'recovery') return 'Device in Recovery mode';
  return 'Unknown device';
}

/** "iOS 17.6.1 (21G93)"; iPads report iOS before 13 and iPadOS after, but the version is what matters. */
export function osLabel(device: Device): string | null {
  if (device.productVersion === null) return null;
  const os = device.deviceClass === 'iPad' && Number.parseInt(device.productVersion, 10) >= 13 ? 'iPadOS' : 'iOS';
  return device.buildVersion ? `${os} ${device.productVersion} (${device.buildVersion})` : `${os} ${device.productVersion}`;
}

/** "128 GB": capacity as printed on the box (decimal units, as Apple counts). */
export function storageLabel(bytes: number | null): string | null {
  if (bytes === null || bytes <= 0) return null;
  const gb = bytes / 1e9;
  if (gb >= 900) return `${Math.round(gb / 1000)} TB`;
  // Marketed sizes are powers of two; a device reports slightly less (formatting), so round up to one.
  const marketed = 2 ** Math.ceil(Math.log2(gb));
  return `${marketed <= gb * 1.2 ? marketed : Math.round(gb)} GB`;
}

/** "Slot 1-3.2", or null when the bench cannot tell where the device is plugged in. */
export function slotLabel(device: Device): string | null {
  return device.slot === null ? null : `Slot ${device.slot}`;
}

/** The device's identifier for a technician: serial if known, else the ECID (DFU/Recovery show only that). */
export function primaryIdentifier(device: Device): { label: string; value: string } | null {
  if (device.serialNumber) return { label: 'Serial', value: device.serialNumber };
  if (device.ecid) return { label: 'ECID', value: ecidHex(device.ecid) };
  if (device.udid) return { label: 'UDID', value: device.udid };
  return null;
}

/** ECIDs travel as decimal strings (a uint64 overflows a JSON number); people read them in hex. */
export function ecidHex(ecid: string): string {
  return /^\d+$/.test(ecid) ? `0x${BigInt(ecid).toString(16).toUpperCase()}` : ecid;
}
