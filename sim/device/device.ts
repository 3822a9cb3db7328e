/**
 * One simulated device's changing state: plugged in or not, which hosts it
 * trusts, the Trust dialog, the lock screen, battery, faults. Identity is
 * fixed (see generator.ts); everything lockdownd decides lives here so the
 * wire code stays a thin translator.
 */
import type { Socket } from 'node:net';
import type { LockdownErrorName } from '../../core/devices/errors.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { FaultQueue } from './faults.js';
import type { ActiveFault, FaultSpec } from './faults.js';
import type { BatteryInfo, SimIdentity } from './generator.js';
import type { UsbPort } from './topology.js';

/** `locked`: screen lock after first unlock (sessions work, pairing does not); `locked-since-reboot`: nothing works until unlocked. */
export type LockState = 'unlocked' | 'locked' | 'locked-since-reboot';
/** `trusted`: accepts any host's Pair at once; `untrusted`: shows the Trust dialog first. */
export type TrustPolicy = 'trusted' | 'untrusted';
export type TrustDialog = 'none' | 'pending' | 'declined';

/** A control action that makes no sense in the device's current state (HTTP 409). */
export class ControlConflictError extends Error {}

/** A selector that matches no simulated device (HTTP 404). */
export class UnknownDeviceError extends Error {}

export interface SimDeviceInfo {
  index: number;
  udid: string;
  ecid: string;
  serialNumber: string;
  productType: string;
  marketingName: string;
  hardwareModel: string;
  deviceClass: string;
  productVersion: string;
  buildVersion: string;
  deviceName: string;
  imei: string | null;
  wifiAddress: string;
  locationId: number;
  productId: number;
  port: UsbPort;
  attached: boolean;
  /** usbmuxd DeviceID; changes on every attach, null while detached. */
  deviceId: number | null;
  trustPolicy: TrustPolicy;
  trustDialog: TrustDialog;
  lock: LockState;
  trustedHostIds: string[];
  battery: BatteryInfo;
  faults: ActiveFault[];
}

/** Callbacks into the simulator, which owns usbmuxd and its DeviceIDs. */
export interface SimDeviceHooks {
  attach(device: SimDevice): void;
  detach(device: SimDevice): void;
}

export class SimDevice {
  muxId: number | null = null;
  trustPolicy: TrustPolicy;
  lock: LockState = 'unlocked';
  trustDialog: TrustDialog = 'none';
  readonly battery: BatteryInfo;
  readonly faults = new FaultQueue();
  deviceName: string;
  /** HostID → SystemBUID of every host this device has paired with. */
  private readonly trustedHosts = new Map<string, string>();
  /** Trust tapped ahead of (or during) a pairing attempt: the next Pair succeeds. */
  private trustGranted = false;
  /** SetValue results by domain ("" = no domain). */
  private readonly overrides = new Map<string, PlistDict>();
  /** Counts SetValue calls, so cached GetValue replies can tell they are out of date. */
  private overrideCount = 0;
  /** Open device-side sockets (lockdown and services); an unplug cuts them all. */
  private readonly connections = new Set<Socket>();

  constructor(
    readonly identity: SimIdentity,
    trustPolicy: TrustPolicy,
    private readonly hooks: SimDeviceHooks,
  ) {
    this.trustPolicy = trustPolicy;
    this.battery = { ...identity.battery };
    this.deviceName = identity.deviceName;
  }

  get udid(): string {
    return this.identity.udid;
  }

  get attached(): boolean {
    return this.muxId !== null;
  }

  // ---- plug state -------------------------------------------------------

  attach(): void {
    if (!this.attached) this.hooks.attach(this);
  }

  detach(): void {
    if (!this.attached) return;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    // A Trust dialog does not survive the cable being pulled.
    this.trustDialog = 'none';
    this.trustGranted = false;
    this.hooks.detach(this);
  }

  replug(): void {
    this.detach();
    this.attach();
  }

  trackConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
  }

  // ---- user at the screen ----------------------------------------------

  lockScreen(sinceReboot = true): void {
    this.lock = sinceReboot ? 'locked-since-reboot' : 'locked';
  }

  unlock(): void {
    this.lock = 'unlocked';
  }

  /** Taps "Trust". Without a dialog on screen it pre-approves the next pairing host. */
  tapTrust(): void {
    if (this.trustDialog === 'declined') throw new ControlConflictError('Trust was declined; replug the device before it can be trusted');
    this.trustGranted = true;
    this.trustDialog = 'none';
  }

  /** Taps "Don't Trust": pairing fails with UserDeniedPairing until the device is replugged. */
  decline(): void {
    this.trustDialog = 'declined';
    this.trustGranted = false;
  }

  setBattery(change: { level?: number; charging?: boolean; externalConnected?: boolean }): void {
    if (change.level !== undefined) {
      if (!Number.isInteger(change.level) || change.level < 0 || change.level > 100) throw new RangeError('battery level must be an integer 0–100');
      this.battery.level = change.level;
    }
    if (change.charging !== undefined) this.battery.charging = change.charging;
    if (change.externalConnected !== undefined) this.battery.externalConnected = change.externalConnected;
  }

  injectFault(spec: FaultSpec): ActiveFault {
    return this.faults.add(spec);
  }

  // ---- lockdownd's decisions -------------------------------------------

  isTrustedHost(hostId: string): boolean {
    return this.trustedHosts.has(hostId);
  }

  /** The outcome of a Pair request from `hostId`: null = paired. */
  pair(hostId: string, systemBuid: string): LockdownErrorName | null {
    if (this.lock !== 'unlocked') return 'PasswordProtected';
    if (this.trustedHosts.has(hostId)) return null;
    if (this.trustDialog === 'declined') return 'UserDeniedPairing';
    if (this.trustPolicy === 'trusted' || this.trustGranted) {
      this.trustedHosts.set(hostId, systemBuid);
      this.trustGranted = false;
      this.trustDialog = 'none';
      return null;
    }
    this.trustDialog = 'pending';
    return 'PairingDialogResponsePending';
  }

  unpair(hostId: string): boolean {
    return this.trustedHosts.delete(hostId);
  }

  /** Why StartSession from `hostId` fails, or null. */
  sessionRefusal(hostId: string): LockdownErrorName | null {
    if (!this.trustedHosts.has(hostId)) return 'InvalidHostID';
    if (this.lock === 'locked-since-reboot') return 'PasswordProtected';
    return null;
  }

  override(domain: string | null, key: string, value: PlistValue): void {
    const name = domain ?? '';
    const values = this.overrides.get(name) ?? {};
    values[key] = value;
    this.overrides.set(name, values);
    this.overrideCount += 1;
    if (name === '' && key === 'DeviceName' && typeof value === 'string') this.deviceName = value;
  }

  overridesFor(domain: string | null): PlistDict {
    return this.overrides.get(domain ?? '') ?? {};
  }

  /** Changes whenever a SetValue does. */
  get overridesVersion(): number {
    return this.overrideCount;
  }

  info(): SimDeviceInfo {
    const id = this.identity;
    return {
      index: id.index,
      udid: id.udid,
      ecid: id.ecid,
      serialNumber: id.serialNumber,
      productType: id.productType,
      marketingName: id.marketingName,
      hardwareModel: id.hardwareModel,
      deviceClass: id.deviceClass,
      productVersion: id.productVersion,
      buildVersion: id.buildVersion,
      deviceName: this.deviceName,
      imei: id.imei,
      wifiAddress: id.wifiAddress,
      locationId: id.locationId,
      productId: id.productId,
      port: id.port,
      attached: this.attached,
      deviceId: this.muxId,
      trustPolicy: this.trustPolicy,
      trustDialog: this.trustDialog,
      lock: this.lock,
      trustedHostIds: [...this.trustedHosts.keys()],
      battery: { ...this.battery },
      faults: this.faults.list(),
    };
  }
}
