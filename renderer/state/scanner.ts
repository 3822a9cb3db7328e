/**
 * Telling a barcode scanner from a person. A USB scanner is a keyboard that
 * types a whole code, then Enter, with a few milliseconds between keys; a
 * person rarely manages two keys within 50 ms and never five in a row. So
 * characters are collected while each follows the last within the gap, and
 * Enter completes a scan only if the code is long enough and Enter came as
 * quickly. Timestamps come from the caller (KeyboardEvent.timeStamp), which
 * keeps this a pure function and its tests free of clocks.
 */
import type { Device } from '../../core/contract/index.js';
import type { DeviceMap } from './devices.js';
import type { ScannerState } from './types.js';

/** Longest pause between a scanner's keystrokes. */
export const SCANNER_MAX_GAP_MS = 50;
/** Shortest code taken as a scan; Apple serials are 10–12 characters, IMEIs 15. */
export const SCANNER_MIN_LENGTH = 5;

export const EMPTY_SCANNER: ScannerState = { buffer: '', lastKeyAt: null, message: null };

/** Keys a scanner presses around characters (Shift for capitals) that must not break a scan. */
const TRANSPARENT_KEYS = new Set(['Shift', 'CapsLock', 'Alt', 'AltGraph', 'Control', 'Meta', 'Unidentified', 'Dead']);

export interface ScannerKeyResult {
  readonly scanner: ScannerState;
  /** The complete code when this key (Enter) finished a scan. */
  readonly code: string | null;
}

export function scannerKey(scanner: ScannerState, key: string, at: number): ScannerKeyResult {
  if (TRANSPARENT_KEYS.has(key)) return { scanner, code: null };
  const quick = scanner.lastKeyAt !== null && at - scanner.lastKeyAt <= SCANNER_MAX_GAP_MS;
  if (key === 'Enter') {
    const code = quick && scanner.buffer.length >= SCANNER_MIN_LENGTH ? scanner.buffer : null;
    if (scanner.buffer === '' && scanner.lastKeyAt === null) return { scanner, code: null };
    return { scanner: { ...scanner, buffer: '', lastKeyAt: null }, code };
  }
  // A printable character: one code point, not a named key like "ArrowDown". Spaces never occur in serials.
  if ([...key].length === 1 && key !== ' ') {
    const buffer = quick ? scanner.buffer + key : key;
    return { scanner: { ...scanner, buffer, lastKeyAt: at }, code: null };
  }
  if (scanner.buffer === '' && scanner.lastKeyAt === null) return { scanner, code: null };
  return { scanner: { ...scanner, buffer: '', lastKeyAt: null }, code: null };
}

/**
 * The device a scanned code names: its serial (Apple's box labels prefix the
 * serial barcode with "S"), IMEI, UDID or ECID (decimal or 0x hex).
 */
export function findScanned(devices: DeviceMap, rawCode: string): Device | null {
  const code = rawCode.trim().toUpperCase();
  if (code === '') return null;
  const hex = /^0X([0-9A-F]+)$/.exec(code);
  const ecid = hex ? BigInt(`0x${hex[1]!}`).toString(10) : /^\d+$/.test(code) ? code : null;
  const serialWithoutPrefix = code.startsWith('S') ? code.slice(1) : null;
  let prefixed: Device | null = null;
  for (const device of Object.values(devices)) {
    const serial = device.serialNumber?.toUpperCase() ?? null;
    if (serial === code || device.imei === code || device.udid?.toUpperCase() === code || (ecid !== null && device.ecid === ecid)) return device;
    if (serialWithoutPrefix !== null && serial === serialWithoutPrefix) prefixed = device;
  }
  return prefixed;
}
