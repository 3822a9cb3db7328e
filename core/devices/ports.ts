/**
 * The ports through which core/ reaches devices. native/ implements them over
 * usbmuxd, libimobiledevice and libusb; tests implement them with fakes or
 * run the real implementations against the simulator.
 */
import type { PlistDict, PlistValue } from './identity.js';

/** A device as usbmuxd announces it (normal mode only). */
export interface MuxDevice {
  /** usbmuxd's DeviceID: valid only while attached. */
  muxId: number;
  udid: string;
  connectionType: 'usb' | 'network';
  /** (bus << 16) | address from usbmuxd's Properties; the key to the bench slot. */
  locationId: number | null;
  productId: number | null;
}

export type MuxEvent =
  | { kind: 'attached'; device: MuxDevice }
  | { kind: 'detached'; muxId: number }
  | { kind: 'paired'; muxId: number };

export interface Subscription {
  close(): void;
}

export interface MuxListener {
  onEvent(event: MuxEvent): void;
  /** usbmuxd went away or the stream broke; the registry shows it and retries. */
  onClosed(error: Error): void;
}

/** usbmuxd: the daemon that owns normal-mode devices. */
export interface DeviceMux {
  /** Human-readable address for messages, e.g. "UNIX:/var/run/usbmuxd". */
  readonly address: string;
  listDevices(): Promise<MuxDevice[]>;
  /** Resolves once listening; an `attached` event follows for each device already present. */
  listen(listener: MuxListener): Promise<Subscription>;
}

/** Identity as read through a lockdown session. */
export interface LockdownSnapshot {
  /** GetValue with no domain. */
  values: PlistDict;
  /** GetValue per requested domain; a domain the device refused is absent. */
  domains: Record<string, PlistDict>;
}

/** lockdownd: identity, pairing and sessions. Every method may throw a DeviceError. */
export interface Lockdown {
  /** The keys a device answers before it trusts this host (no pairing, no session). */
  readUntrusted(udid: string): Promise<PlistDict>;
  /** Pairs if needed (which may show the Trust dialog), starts a TLS session, reads all keys and the domains. */
  readIdentity(udid: string, domains: readonly string[]): Promise<LockdownSnapshot>;
  getValue(udid: string, domain: string | null, key: string | null): Promise<PlistValue>;
  /**
   * Whether this host holds a pair record for the device (usbmuxd keeps them), i.e.
   * whether a session can start without pairing — which shows Trust and, in
   * libimobiledevice, costs new keys.
   */
  hasPairRecord(udid: string): Promise<boolean>;
  pair(udid: string): Promise<void>;
  validatePair(udid: string): Promise<void>;
  unpair(udid: string): Promise<void>;
  /**
   * The device left: drop whatever the implementation keeps open for it (a
   * cached session). Optional because a stateless implementation has nothing to drop.
   */
  release?(udid: string): Promise<void>;
}

/** Devices usbmuxd cannot see: Recovery and DFU. */
export interface UsbModeDevice {
  mode: 'recovery' | 'dfu';
  /** Physical port path, e.g. "1-3.2": stable across modes. */
  portPath: string;
  locationId: number | null;
  productId: number;
  /** Decimal string, from the iSerial `ECID:` field. */
  ecid: string | null;
  cpid: number | null;
  serialString: string;
}

export type UsbModeEvent = { kind: 'attached'; device: UsbModeDevice } | { kind: 'detached'; portPath: string };

export type UsbAvailability = { available: true } | { available: false; reason: string };

export interface UsbModeSource {
  /**
   * Starts watching; never throws for a machine without USB: it reports unavailability instead.
   * `onStatus` hears what the synchronous answer cannot know yet: the first listing failing
   * (e.g. permission), the bus going away while polling, and it coming back.
   */
  start(onEvent: (event: UsbModeEvent) => void, onStatus?: (status: UsbAvailability) => void): UsbAvailability;
  stop(): void;
}
