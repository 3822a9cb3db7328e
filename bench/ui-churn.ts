/**
 * A synthetic device source for `npm run bench:ui`: a HostRegistry (core/host/ports.ts)
 * holding N realistic DeviceRecords whose battery changes, and now and then whose
 * state changes, at a fixed rate per device. The real registry only changes when
 * devices are read, so it cannot be made to churn on demand; this stands in for it.
 *
 * Identities come from the simulator's seeded generator (the same fleet as
 * `benchline-sim --seed`), mapped to records the way the registry fills them:
 * id `ecid:<n>`, slot from the LocationID, marketing name from the catalog,
 * needs-trust / locked statuses exactly as a failed read produces them.
 *
 * Pacing: updates are spread evenly over time, not sent as one burst per
 * 100 ms. A timer runs every `tickMs` and emits as many updates as are due
 * since the last tick (rate × devices × elapsed), taking devices round-robin,
 * so every device changes `hz` times a second, at its own phase, and the
 * total is `hz × devices` updates a second. Reads on a real bench complete
 * whenever each device answers, so a steady trickle is the realistic shape;
 * a late tick catches up (at most one second's worth), so the rate holds.
 */
import { marketingNameFor } from '../core/devices/catalog.js';
import { LockdownError } from '../core/devices/errors.js';
import { EMPTY_IDENTITY, type DeviceRecord } from '../core/devices/identity.js';
import { READY_STATUS, readFailureFrom, type ReadStatus } from '../core/devices/read-failure.js';
import { slotFor } from '../core/devices/slots.js';
import type { HostRegistry, MuxStatus, RegistryChange, Subscription, UsbAvailability } from '../core/host/ports.js';
import { generateIdentities, type SimIdentity } from '../sim/device/generator.js';
import { SeededRandom } from '../sim/device/random.js';

/** The statuses a read leaves a normal-mode device in, as the registry derives them (read-failure.ts). */
const STATUS = {
  ready: READY_STATUS,
  'needs-trust': readFailureFrom(new LockdownError('PairingDialogResponsePending', 'StartSession')).status,
  locked: readFailureFrom(new LockdownError('PasswordProtected', 'GetValue')).status,
} as const satisfies Record<string, ReadStatus>;
type ChurnState = keyof typeof STATUS;

export interface ChurnOptions {
  devices: number;
  seed: string;
  /** Chance that one update also changes the device's state (ready ↔ needs-trust / locked); default 0.01. */
  stateChangeChance?: number;
  /** Timer period of the pacer; default 5 ms. */
  tickMs?: number;
  /** Clock (ms); default performance.now. */
  now?: () => number;
}

export interface ChurnCounts {
  /** `updated` changes emitted since start. */
  updates: number;
  /** Of those, the ones that changed the state (and instruction). */
  stateChanges: number;
  /** Of those, the ones that flipped charging. */
  chargingFlips: number;
}

/** A device record as the registry would hold it after a complete read. */
export function recordFor(identity: SimIdentity, status: ReadStatus, attachedAt: string): DeviceRecord {
  return {
    ...EMPTY_IDENTITY,
    id: `ecid:${identity.ecid}`,
    udid: identity.udid,
    ecid: identity.ecid,
    serialNumber: identity.serialNumber,
    productType: identity.productType,
    marketingName: marketingNameFor(identity.productType),
    hardwareModel: identity.hardwareModel,
    productVersion: identity.productVersion,
    buildVersion: identity.buildVersion,
    deviceName: identity.deviceName,
    deviceClass: identity.deviceClass,
    imei: identity.imei,
    wifiAddress: identity.wifiAddress,
    batteryLevel: identity.battery.level,
    batteryCharging: identity.battery.charging,
    activationState: identity.activationState,
    passwordProtected: identity.passwordProtected,
    totalDiskCapacity: identity.disk.totalDiskCapacity,
    totalDataAvailable: identity.disk.totalDataAvailable,
    ...status,
    mode: 'normal',
    slot: slotFor(identity.locationId),
    locationId: identity.locationId,
    connectionType: 'usb',
    flapping: false,
    attachedAt,
    updatedAt: attachedAt,
  };
}

export class ChurnRegistry implements HostRegistry {
  readonly muxStatus: MuxStatus = { connected: true, error: null };
  readonly usbStatus: UsbAvailability = { available: true };
  private readonly records: DeviceRecord[];
  private readonly index = new Map<string, number>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private readonly random: SeededRandom;
  private readonly stateChangeChance: number;
  private readonly tickMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private hz = 0;
  private cursor = 0;
  private budget = 0;
  private lastTick = 0;
  private readonly counts: ChurnCounts = { updates: 0, stateChanges: 0, chargingFlips: 0 };

  constructor(options: ChurnOptions) {
    this.random = new SeededRandom(`bench-ui/${options.seed}`);
    this.stateChangeChance = options.stateChangeChance ?? 0.01;
    this.tickMs = options.tickMs ?? 5;
    this.now = options.now ?? (() => performance.now());
    const attachedAt = new Date().toISOString();
    this.records = generateIdentities(options.devices, options.seed).map((identity) => {
      // Most of a busy bench is ready; some wait for Trust or a passcode.
      const roll = this.random.next();
      const state: ChurnState = roll < 0.1 ? 'needs-trust' : roll < 0.2 ? 'locked' : 'ready';
      return recordFor(identity, STATUS[state], attachedAt);
    });
    this.records.forEach((record, i) => this.index.set(record.id, i));
  }

  list(): DeviceRecord[] {
    return [...this.records];
  }

  async refresh(id: string): Promise<DeviceRecord | undefined> {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.records[i];
  }

  onChange(listener: (change: RegistryChange) => void): Subscription {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  get rateHz(): number {
    return this.hz;
  }

  get emitted(): ChurnCounts {
    return { ...this.counts };
  }

  /** Updates per device per second; 0 stops the churn. */
  setRate(hz: number): void {
    if (!(hz >= 0)) throw new RangeError(`rate must be ≥ 0, got ${hz}`);
    this.hz = hz;
    if (hz === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    if (this.timer) return;
    this.budget = 0;
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    this.setRate(0);
  }

  private tick(): void {
    const at = this.now();
    const perMs = (this.hz * this.records.length) / 1000;
    // A late tick catches up, but never by more than a second's worth.
    this.budget = Math.min(this.budget + (at - this.lastTick) * perMs, perMs * 1000);
    this.lastTick = at;
    const updatedAt = new Date().toISOString();
    while (this.budget >= 1) {
      this.budget -= 1;
      this.update(this.cursor, updatedAt);
      this.cursor = (this.cursor + 1) % this.records.length;
    }
  }

  /** One read's worth of change to device i: battery ±1 %, sometimes charging, now and then the state. */
  private update(i: number, updatedAt: string): void {
    const previous = this.records[i]!;
    let level = previous.batteryLevel ?? 50;
    let charging = previous.batteryCharging ?? false;
    // Every update moves the level, so every update is visible on the tile (data-level).
    level = charging ? level + 1 : level - 1;
    let flipped = false;
    if (level >= 100 || level <= 5 || this.random.chance(0.005)) {
      charging = level >= 100 ? false : level <= 5 ? true : !charging;
      flipped = charging !== previous.batteryCharging;
    }
    level = Math.max(0, Math.min(100, level));
    let status: ReadStatus | null = null;
    if (this.random.chance(this.stateChangeChance)) {
      const from = previous.state;
      const to: ChurnState = from === 'ready' ? (this.random.chance(0.4) ? 'needs-trust' : 'locked') : 'ready';
      status = STATUS[to];
    }
    const record: DeviceRecord = { ...previous, batteryLevel: level, batteryCharging: charging, ...(status ?? {}), updatedAt };
    this.records[i] = record;
    this.counts.updates += 1;
    if (status) this.counts.stateChanges += 1;
    if (flipped) this.counts.chargingFlips += 1;
    const change: RegistryChange = { kind: 'updated', record };
    for (const listener of [...this.listeners]) listener(change);
  }
}
