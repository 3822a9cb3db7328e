/**
 * The bench status every UI shows in its header and empty states, derived
 * from what the registry knows. Pure, so the rules are tested directly.
 */
import type { BenchStatus } from '../contract/device.js';
import type { DeviceRecord, HostRegistry } from './ports.js';

/** The error code a device read fails with when libimobiledevice cannot be loaded (NativeLibraryMissingError). */
export const LIBRARY_MISSING_CODE = 'LibraryMissing';

export interface StatusInputs {
  simulated: boolean;
  muxAddress: string;
  registry: Pick<HostRegistry, 'muxStatus' | 'usbStatus'>;
  /** The instruction of the first LibraryMissing read seen, or null. */
  libraryHint: string | null;
}

export function deriveStatus({ simulated, muxAddress, registry, libraryHint }: StatusInputs): BenchStatus {
  const mux = registry.muxStatus;
  const usb = registry.usbStatus;
  return {
    simulated,
    usbmuxd: { address: muxAddress, connected: mux.connected, error: mux.error },
    usb: usb.available ? { available: true, reason: null } : { available: false, reason: usb.reason },
    library: { available: libraryHint === null, hint: libraryHint },
  };
}

/** The instruction to install libimobiledevice, if this record's read failed for lack of it. */
export function libraryHintOf(record: DeviceRecord): string | null {
  return record.errorCode === LIBRARY_MISSING_CODE ? record.instruction : null;
}

export function sameStatus(a: BenchStatus, b: BenchStatus): boolean {
  // Small, plain-JSON objects built in a fixed key order: comparing their JSON is exact.
  return JSON.stringify(a) === JSON.stringify(b);
}
