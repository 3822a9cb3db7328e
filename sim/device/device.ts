/**
 * One simulated device's changing state: plugged in or not, powered or
 * not, which hosts it trusts, the Trust dialog, the lock screen, battery,
 * faults, and its management state (management.ts). Identity is fixed (see
 * generator.ts); everything lockdownd and the services decide lives here so
 * the wire code stays a thin translator.
 *
 * The device is on usbmuxd when its cable is in *and* it is powered on: an
 * erase or a restart takes it off for a while (LifecycleSettings), a
 * shutdown until `powerOn()`; the cable is the technician's (attach/detach).
 */
import type { Duplex } from 'node:stream';
import type { LockdownErrorName } from '../../core/devices/errors.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { FaultQueue } from './faults.js';
import type { ActiveFault, FaultSpec } from './faults.js';
import type { BatteryInfo, SimIdentity } from './generator.js';
import { LifecycleSettings } from './lifecycle.js';
import { ManagementState } from './management.js';
import type { ManagementInfo } from './management.js';
import type { UsbPort } from './topology.js';

/** `locked`: screen lock after first unlock (sessions work, pairing does not); `locked-since-reboot`: nothing works until unlocked. */
export type LockState = 'unlocked' | 'locked' | 'locked-since-reboot';
/** `trusted`: accepts any host's Pair at once; `untrusted`: shows the Trust dialog first. */
export type TrustPolicy = 'trusted' | 'untrusted';
export type TrustDialog = 'none' | 'pending' | 'declined';
/** `erasing` and `restarting` come back by themselves; `off` waits for powerOn(). */
export type PowerState = 'on' | 'erasing' | 'restarting' | 'off';

/** A control action that makes no sense in the device's current state (HTTP 409). */
export class ControlConflictError extends Error {}

/** A selector that matches no simulated device (HTTP 404). */
export class UnknownDeviceError extends Error {}

export interface SimDeviceInfo extends ManagementInfo {
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
  /** The cable is in (attach/detach); the device is on usbmuxd when this is true and `power` is "on". */
  cable: boolean;
  power: PowerState;
  /** Whether the device has a passcode (an erase removes it). */
  passcode: boolean;
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
  readonly management: ManagementState;
  deviceName: string;
  cable = false;
  power: PowerState = 'on';
  passcode: boolean;
  /** Brings an erasing or restarting device back. */
  private powerTimer: NodeJS.Timeout | null = null;
  /** HostID → SystemBUID of every host this device has paired with. */
  private readonly trustedHosts = new Map<string, string>();
  /** Trust tapped ahead of (or during) a pairing attempt: the next Pair succeeds. */
  private trustGranted = false;
  /** SetValue results by domain ("" = no domain). */
  private readonly overrides = new Map<string, PlistDict>();
  /** Counts SetValue calls, so cached GetValue replies can tell they are out of date. */
  private overrideCount = 0;
  /** Open device-side sockets (lockdown and services); an unplug cuts them all. */
  private readonly connections = new Set<Duplex>();

  constructor(
    readonly identity: SimIdentity,
    trustPolicy: TrustPolicy,
    private readonly hooks: SimDeviceHooks,
    /** Simulator-wide timings, shared by every device. */
    readonly lifecycle: LifecycleSettings = new LifecycleSettings(),
  ) {
    this.trustPolicy = trustPolicy;
    this.battery = { ...identity.battery };
    this.deviceName = identity.deviceName;
    this.passcode = identity.passwordProtected;
    this.management = new ManagementState(identity.activationState);
  }

  get udid(): string {
    return this.identity.udid;
  }

  get attached(): boolean {
    return this.muxId !== null;
  }

  // ---- plug state -------------------------------------------------------

  /** Plugs the cable in; the device shows up on usbmuxd if it is powered on. */
  attach(): void {
    this.cable = true;
    this.connectUsb();
  }

  /** Pulls the cable. An erase or restart in progress carries on; the device stays off usbmuxd until attached again. */
  detach(): void {
    this.cable = false;
    this.disconnectUsb();
  }

  private connectUsb(): void {
    if (this.cable && this.power === 'on' && !this.attached) this.hooks.attach(this);
  }

  private disconnectUsb(): void {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    // A Trust dialog does not survive the cable being pulled (or the device going away).
    this.trustDialog = 'none';
    this.trustGranted = false;
    if (this.attached) this.hooks.detach(this);
  }

  // ---- power and erase ----------------------------------------------------

  /**
   * EraseDevice, once acknowledged: every connection drops, the device leaves
   * usbmuxd for `eraseGoneMs` and comes back wiped (see wipe()).
   */
  erase(options: { preserveDataPlan: boolean; disallowProximitySetup: boolean }): void {
    // Only a running device acts on a request (a late WaitForDisconnect action may find it already gone).
    if (this.power !== 'on') return;
    this.management.recordErase(options);
    this.powerCycle('erasing', this.lifecycle.eraseGoneMs, () => this.wipe());
  }

  /** diagnostics Restart: gone for `restartGoneMs`, back with the same state (still paired). */
  restart(): void {
    if (this.power !== 'on') return;
    this.powerCycle('restarting', this.lifecycle.restartGoneMs, () => this.bootLock());
  }

  /** diagnostics Shutdown: gone until powerOn(). */
  shutdown(): void {
    if (this.power !== 'on') return;
    this.clearPowerTimer();
    this.power = 'off';
    this.disconnectUsb();
  }

  /** The power button of a device that is off. Nothing happens to one that is on. */
  powerOn(): void {
    if (this.power === 'on') return;
    if (this.power !== 'off') throw new ControlConflictError(`the device is ${this.power}; it comes back by itself`);
    this.bootLock();
    this.power = 'on';
    this.connectUsb();
  }

  /** Forgets pending power changes (the simulator is stopping). */
  dispose(): void {
    this.clearPowerTimer();
  }

  private powerCycle(state: PowerState, goneMs: number, onBoot: () => void): void {
    this.clearPowerTimer();
    this.power = state;
    this.disconnectUsb();
    this.powerTimer = setTimeout(() => {
      this.powerTimer = null;
      onBoot();
      this.power = 'on';
      this.connectUsb();
    }, goneMs);
    this.powerTimer.unref();
  }

  private clearPowerTimer(): void {
    if (this.powerTimer) clearTimeout(this.powerTimer);
    this.powerTimer = null;
  }

  /** A device with a passcode boots locked: nothing works until the passcode is entered once. */
  private bootLock(): void {
    if (this.passcode) this.lock = 'locked-since-reboot';
  }

  /**
   * Erase all content and settings: Unactivated, in Setup Assistant, no
   * profiles or cloud configuration, the model's default name, no passcode,
   * and no host is trusted any more (a StartSession with an old HostID is
   * InvalidHostID, after which libimobiledevice drops its record and pairs anew).
   */
  private wipe(): void {
    this.management.wipe();
    this.deviceName = this.identity.deviceClass;
    this.overrides.clear();
    this.overrideCount += 1;
    this.lock = 'unlocked';
    this.passcode = false;
    this.trustedHosts.clear();
    this.trustGranted = false;
    this.trustDialog = 'none';
  }

  replug(): void {
    this.detach();
    this.attach();
  }

  trackConnection(socket: Duplex): void {
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
    // A device in Setup Assistant (the Hello screen after an erase) pairs
    // without the Trust dialog, as real ones do: that is how Apple
    // Configurator prepares a freshly erased device.
    if (this.trustPolicy === 'trusted' || this.trustGranted || this.management.inSetupAssistant) {
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
      cable: this.cable,
      power: this.power,
      passcode: this.passcode,
      deviceId: this.muxId,
      trustPolicy: this.trustPolicy,
      trustDialog: this.trustDialog,
      lock: this.lock,
      trustedHostIds: [...this.trustedHosts.keys()],
      battery: { ...this.battery },
      faults: this.faults.list(),
      ...this.management.info(),
    };
  }
}
