/**
 * The device registry: one record per physical device on the bench, whatever
 * mode it is in, kept current from usbmuxd (normal mode), USB (Recovery/DFU)
 * and lockdown reads.
 *
 * This file is the effectful shell: it owns timers, reads and subscriptions,
 * feeds events to the pure reducer (record-reducer.ts) and emits the
 * differences. Guarantees worth knowing:
 * - at most one read per device at a time (keyed by UDID, across replugs);
 * - a read that finishes after its device left or was replugged is dropped;
 * - a ready device is not read again unless it re-attaches or refresh() asks;
 * - needs-trust, locked and error devices are re-read, every retryIntervalMs at first and
 *   less often while they keep failing (up to maxRetryIntervalMs).
 */
import type { DeviceRecord } from './identity.js';
import { parseEcid } from './identity.js';
import type { DeviceMux, Lockdown, LockdownSnapshot, MuxDevice, MuxEvent, Subscription, UsbAvailability, UsbModeEvent, UsbModeSource } from './ports.js';
import { STATE_INSTRUCTIONS } from './states.js';
import { EMPTY_REGISTRY_STATE, isShadowedAttach, reduceRegistry, type RegistryEvent, type RegistryState } from './record-reducer.js';
import { BATTERY_DOMAIN, DISK_USAGE_DOMAIN, ecidFromUdid, identityFromSnapshot, identityFromValues } from './identity-mapping.js';
import { readFailureFrom } from './read-failure.js';
import { FlapDetector, flapKeys } from './flapping.js';
import { compareSlots, slotFor } from './slots.js';
import { KeyedSerialQueue } from './serial-queue.js';
import { Semaphore } from './semaphore.js';
import { MuxLink, type MuxStatus } from './mux-link.js';

export interface RegistryOptions {
  /** Re-poll needs-trust/locked/error devices this often; default 1500. */
  retryIntervalMs?: number;
  /** The retry interval doubles after each failed read up to this (default 5000). */
  maxRetryIntervalMs?: number;
  /** How many reads of devices waiting for Trust may pair at once (default 1: each Pair keeps a core busy generating keys). */
  pairingConcurrency?: number;
  /** Window for counting attaches of one port or device; default 10000. */
  flapWindowMs?: number;
  /** Attaches within the window that make a port or device "flapping"; default 20. */
  flapThreshold?: number;
  /** Lockdown domains read with the identity; default battery and disk usage. */
  domains?: readonly string[];
  now?: () => number;
  /** First delay before reconnecting to usbmuxd after it died, doubled per failure; default 500. */
  reconnectMinMs?: number;
  /** Longest delay between reconnect attempts; default 10000. */
  reconnectMaxMs?: number;
}

/**
 * `previousId` is set when a record changed its id (its ECID became known);
 * the old id is also announced as `removed`, so consumers keyed by id stay right.
 */
export type RegistryChange = { kind: 'added' | 'updated' | 'removed'; record: DeviceRecord; previousId?: string };

export interface RegistryDeps {
  mux: DeviceMux;
  lockdown: Lockdown;
  usbModes?: UsbModeSource;
}

/** Reads of one normal-mode attachment (one plug-in of one device). */
interface ReadJob {
  readonly muxId: number;
  readonly udid: string;
  readonly generation: number;
  running: boolean;
  /** Another read was asked for while one ran (refresh, retry). */
  wanted: boolean;
  waiters: (() => void)[];
  retryTimer: NodeJS.Timeout | null;
  cancelled: boolean;
  /** Failed reads in a row: the retry interval grows with it. */
  failures: number;
}

const NO_USB_SOURCE: UsbAvailability = { available: false, reason: 'USB unavailable: no USB watcher is configured, so Recovery and DFU devices are not shown' };
const NOT_STARTED: UsbAvailability = { available: false, reason: 'USB unavailable: the device registry is not running' };

export class DeviceRegistry {
  private state: RegistryState = EMPTY_REGISTRY_STATE;
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private readonly jobs = new Map<number, ReadJob>();
  private readonly reads = new KeyedSerialQueue();
  private readonly flaps: FlapDetector;
  private flapTimer: NodeJS.Timeout | null = null;
  private readonly settleWaiters = new Set<() => void>();
  private link: MuxLink | null = null;
  private running = false;
  private usbAvailability: UsbAvailability;

  private readonly retryIntervalMs: number;
  private readonly maxRetryIntervalMs: number;
  private readonly pairingTurns: Semaphore;
  private readonly domains: readonly string[];
  private readonly now: () => number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;

  constructor(
    private readonly deps: RegistryDeps,
    options: RegistryOptions = {},
  ) {
    this.retryIntervalMs = options.retryIntervalMs ?? 1500;
    this.maxRetryIntervalMs = Math.max(this.retryIntervalMs, options.maxRetryIntervalMs ?? 5000);
    this.pairingTurns = new Semaphore(options.pairingConcurrency ?? 1);
    this.domains = options.domains ?? [BATTERY_DOMAIN, DISK_USAGE_DOMAIN];
    this.now = options.now ?? Date.now;
    this.reconnectMinMs = options.reconnectMinMs ?? 500;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 10_000;
    this.flaps = new FlapDetector(options.flapWindowMs ?? 10_000, options.flapThreshold ?? 20);
    this.usbAvailability = deps.usbModes ? NOT_STARTED : NO_USB_SOURCE;
  }

  get usbStatus(): UsbAvailability {
    return this.usbAvailability;
  }

  get muxStatus(): MuxStatus {
    return this.link?.status ?? { connected: false, error: null };
  }

  /** Listens to usbmuxd (and USB when configured). Throws UsbmuxdUnavailableError when usbmuxd cannot be reached. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const link = new MuxLink(this.deps.mux, { onEvent: (event) => this.onMuxEvent(event), onLost: () => this.onMuxLost() }, {
      minMs: this.reconnectMinMs,
      maxMs: this.reconnectMaxMs,
    });
    this.link = link;
    try {
      await link.open();
    } catch (error) {
      this.running = false;
      throw error;
    }
    if (!this.running) return; // stopped while connecting
    const usbModes = this.deps.usbModes;
    if (usbModes) {
      this.usbAvailability = usbModes.start(
        (event) => this.onUsbEvent(event),
        (status) => {
          if (this.running) this.usbAvailability = status;
        },
      );
    }
  }

  async stop(): Promise<void> {
    if (!this.running) {
      this.link?.close();
      return;
    }
    this.running = false;
    this.link?.close();
    if (this.deps.usbModes) {
      this.deps.usbModes.stop();
      this.usbAvailability = NOT_STARTED;
    }
    for (const job of [...this.jobs.values()]) this.cancelJob(job);
    // A native read cannot be interrupted; wait for those in flight so that nothing of this
    // registry still talks to a device (and, say, consumes a Trust) once stop() has resolved.
    await this.reads.drain();
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.flapTimer = null;
    this.flaps.clear();
    const before = this.state;
    this.state = EMPTY_REGISTRY_STATE;
    this.emitDifferences(before, this.state, false);
    this.resolveSettled();
  }

  /** Current records, by slot (as a person reads the hub), then UDID. */
  list(): DeviceRecord[] {
    return [...this.state.records.values()].sort(
      (a, b) => compareSlots(a.slot, b.slot) || (a.udid ?? '\uffff').localeCompare(b.udid ?? '\uffff') || a.id.localeCompare(b.id),
    );
  }

  /** The record matching every field given (UDID and serial case-insensitively, ECID in decimal or 0x hex). */
  find(query: { udid?: string; ecid?: string; serialNumber?: string }): DeviceRecord | undefined {
    const udid = query.udid?.trim().toUpperCase();
    const serial = query.serialNumber?.trim().toUpperCase();
    const ecid = query.ecid === undefined ? undefined : parseEcid(query.ecid);
    if (udid === undefined && serial === undefined && ecid === undefined) return undefined;
    if (ecid === null) return undefined; // not an ECID at all
    return this.list().find(
      (record) =>
        (udid === undefined || record.udid?.toUpperCase() === udid) &&
        (serial === undefined || record.serialNumber?.toUpperCase() === serial) &&
        (ecid === undefined || record.ecid === ecid),
    );
  }

  onChange(listener: (change: RegistryChange) => void): Subscription {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  /** Resolves once no record is `reading`, or after timeoutMs, whichever comes first. */
  settled(timeoutMs: number): Promise<void> {
    if (!this.anyReading()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.settleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.settleWaiters.add(done);
    });
  }

  /**
   * Reads the device's identity again now and resolves with its record
   * afterwards (undefined if it left meanwhile). Recovery/DFU records have
   * nothing to read and come back as they are.
   */
  async refresh(id: string): Promise<DeviceRecord | undefined> {
    const entry = this.state.entries.get(id);
    if (!entry) return undefined;
    const job = entry.muxId === null ? undefined : this.jobs.get(entry.muxId);
    if (!job) return this.state.records.get(id);
    await this.requestRead(job);
    const attachment = this.state.mux.get(job.muxId);
    return attachment?.generation === job.generation ? this.state.records.get(attachment.recordId) : undefined;
  }

  // ---- events in -------------------------------------------------------

  private onMuxEvent(event: MuxEvent): void {
    if (!this.running) return;
    switch (event.kind) {
      case 'attached':
        this.onMuxAttached(event.device);
        break;
      case 'detached':
        this.dispatch({ type: 'mux-detached', muxId: event.muxId, at: this.now() });
        this.dropStaleJobs();
        break;
      case 'paired': {
        // The technician just tapped Trust: read now rather than at the next retry.
        const job = this.jobs.get(event.muxId);
        const attachment = this.state.mux.get(event.muxId);
        if (job && attachment?.status.state === 'needs-trust') void this.requestRead(job);
        break;
      }
    }
  }

  private onMuxAttached(device: MuxDevice): void {
    // The bench manages tethered devices. usbmuxd also announces devices it reaches over
    // Wi-Fi (network sync): those are not on the bench, and libimobiledevice is asked to
    // look devices up over USB only, so reading one would fail with a misleading message.
    if (device.connectionType === 'network') return;
    const existing = this.state.mux.get(device.muxId);
    // usbmuxd repeats Attached for devices already present (e.g. on Listen): not a replug, nothing to re-read.
    if (existing && existing.device.udid === device.udid) return;
    if (isShadowedAttach(this.state, device)) return;
    const slot = device.connectionType === 'usb' ? slotFor(device.locationId) : null;
    const flapping = this.noteAttach(flapKeys({ slot, udid: device.udid, ecid: ecidFromUdid(device.udid) }));
    this.dispatch({ type: 'mux-attached', device, flapping, at: this.now() });
    this.dropStaleJobs();
    const attachment = this.state.mux.get(device.muxId);
    if (!attachment) return;
    const job: ReadJob = {
      muxId: device.muxId,
      udid: device.udid,
      generation: attachment.generation,
      running: false,
      wanted: false,
      waiters: [],
      retryTimer: null,
      cancelled: false,
      failures: 0,
    };
    this.jobs.set(device.muxId, job);
    void this.requestRead(job);
  }

  private onMuxLost(): void {
    if (!this.running) return;
    this.dispatch({ type: 'mux-lost', at: this.now() });
    this.dropStaleJobs();
  }

  private onUsbEvent(event: UsbModeEvent): void {
    if (!this.running) return;
    if (event.kind === 'attached') {
      const { device } = event;
      const flapping = this.noteAttach(flapKeys({ slot: slotFor(device.locationId, device.portPath), ecid: device.ecid }));
      this.dispatch({ type: 'usb-attached', device, flapping, at: this.now() });
    } else {
      this.dispatch({ type: 'usb-detached', portPath: event.portPath, at: this.now() });
    }
  }

  // ---- reads -----------------------------------------------------------

  /** Asks for a read of this attachment; resolves when a read that started after the request has finished. */
  private requestRead(job: ReadJob): Promise<void> {
    if (job.cancelled) return Promise.resolve();
    if (job.retryTimer) clearTimeout(job.retryTimer);
    job.retryTimer = null;
    job.wanted = true;
    const done = new Promise<void>((resolve) => job.waiters.push(resolve));
    if (!job.running) void this.drain(job);
    return done;
  }

  private async drain(job: ReadJob): Promise<void> {
    job.running = true;
    try {
      while (job.wanted && !job.cancelled) {
        job.wanted = false;
        const waiters = job.waiters.splice(0);
        try {
          await this.reads.run(job.udid, () => this.readOnce(job)).catch(() => undefined);
        } finally {
          for (const resolve of waiters) resolve();
        }
      }
    } finally {
      job.running = false;
      for (const resolve of job.waiters.splice(0)) resolve();
    }
  }

  private async readOnce(job: ReadJob): Promise<void> {
    const current = (): boolean => this.running && !job.cancelled;
    if (!current()) return;
    const at = (): number => this.now();
    const { muxId, generation, udid } = job;
    const attachment = this.state.mux.get(muxId);
    const entry = attachment ? this.state.entries.get(attachment.recordId) : undefined;
    // The trusted read first: for a paired device it is the only read needed. When it fails
    // (Trust pending, locked, declined) the untrusted read still shows model, OS and ECID.
    // A device waiting for Trust, locked before its first pairing, or never paired makes libimobiledevice
    // 1.3.0 send Pair, and every Pair generates fresh RSA keys: a fraction of a second of CPU.
    // Those reads take turns, so a bench full of untrusted devices leaves the machine a core to spare.
    const state = attachment?.status.state;
    // Only a first read needs to ask whether the device was ever paired; a device read before has answered that.
    const waiting = state === 'needs-trust' || state === 'locked' || (state === 'reading' && !(await this.isPaired(udid)));
    if (!current()) return;
    // Checked again when the turn comes: a read cancelled while queued (detach, stop) gives it up untouched.
    const read = async (): Promise<LockdownSnapshot | null> => (current() ? this.deps.lockdown.readIdentity(udid, this.domains) : null);
    try {
      const snapshot = await (waiting ? this.pairingTurns.run(read) : read());
      if (!current() || snapshot === null) return;
      job.failures = 0;
      this.dispatch({ type: 'identity-read', muxId, generation, identity: identityFromSnapshot(snapshot), complete: true, at: at() });
    } catch (error) {
      if (!current()) return;
      if (!entry?.identity.productType) await this.readPartialIdentity(job, current);
      if (!current()) return;
      job.failures += 1;
      const failure = readFailureFrom(error);
      this.dispatch({ type: 'read-failed', muxId, generation, status: failure.status, at: at() });
      if (failure.retry) this.scheduleRetry(job);
    }
  }

  /** A device never paired with this bench will pair on its first read; unknown counts as paired (no wait). */
  private async isPaired(udid: string): Promise<boolean> {
    try {
      return await this.deps.lockdown.hasPairRecord(udid);
    } catch {
      return true;
    }
  }

  /** What a device answers before it trusts the bench; failures here change nothing (the trusted read decided the state). */
  private async readPartialIdentity(job: ReadJob, current: () => boolean): Promise<void> {
    try {
      const values = await this.deps.lockdown.readUntrusted(job.udid);
      if (!current()) return;
      this.dispatch({ type: 'identity-read', muxId: job.muxId, generation: job.generation, identity: identityFromValues(values), complete: false, at: this.now() });
    } catch {
      // Nothing more to learn before trust.
    }
  }

  private scheduleRetry(job: ReadJob): void {
    if (job.cancelled || job.retryTimer) return;
    // Quick at first (Trust is often tapped within seconds), then less eagerly.
    const delay = Math.min(this.retryIntervalMs * 2 ** Math.max(0, job.failures - 1), this.maxRetryIntervalMs);
    job.retryTimer = setTimeout(() => {
      job.retryTimer = null;
      void this.requestRead(job);
    }, delay);
  }

  private cancelJob(job: ReadJob): void {
    job.cancelled = true;
    if (job.retryTimer) clearTimeout(job.retryTimer);
    job.retryTimer = null;
    if (this.jobs.get(job.muxId) === job) this.jobs.delete(job.muxId);
    if (!job.running) for (const resolve of job.waiters.splice(0)) resolve();
  }

  /** Cancels reads whose attachment is gone or replaced; their in-flight results are then ignored. */
  private dropStaleJobs(): void {
    for (const job of [...this.jobs.values()]) {
      if (this.state.mux.get(job.muxId)?.generation !== job.generation) {
        this.cancelJob(job);
        // Whatever the lockdown layer keeps open for this attachment died with it.
        void this.deps.lockdown.release?.(job.udid).catch(() => undefined);
      }
    }
  }

  // ---- flapping --------------------------------------------------------

  private noteAttach(keys: string[]): boolean {
    const now = this.now();
    let flapping = false;
    for (const key of keys) if (this.flaps.recordAttach(key, now)) flapping = true;
    this.scheduleFlapCheck();
    return flapping;
  }

  /** One timer for the earliest moment a flag can clear; nothing runs while no port is flapping. */
  private scheduleFlapCheck(): void {
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.flapTimer = null;
    const clearAt = this.flaps.nextClearAt();
    if (clearAt === null || !this.running) return;
    this.flapTimer = setTimeout(() => {
      this.flapTimer = null;
      this.recheckFlapping();
    }, Math.max(0, clearAt - this.now()));
  }

  private recheckFlapping(): void {
    const now = this.now();
    this.flaps.prune(now);
    for (const record of [...this.state.records.values()]) {
      const flapping = flapKeys(record).some((key) => this.flaps.isFlapping(key, now));
      if (flapping !== record.flapping) this.dispatch({ type: 'flapping-changed', recordId: record.id, flapping, at: now });
    }
    this.scheduleFlapCheck();
  }

  // ---- state out -------------------------------------------------------

  private dispatch(event: RegistryEvent): void {
    const before = this.state;
    const after = reduceRegistry(before, event);
    if (after === before) return;
    this.state = after;
    this.emitDifferences(before, after, true);
    if (!this.anyReading()) this.resolveSettled();
  }

  private emitDifferences(before: RegistryState, after: RegistryState, running: boolean): void {
    const changes: RegistryChange[] = [];
    const movedTo = new Map<string, string>(); // old id → new id, when a record was re-keyed or merged
    for (const [id, record] of before.records) {
      if (after.records.has(id)) continue;
      const successor = running ? this.successorOf(record, after) : undefined;
      if (successor) movedTo.set(id, successor.id);
      // A device that really left is shown as detached; a re-keyed record is not.
      const shown: DeviceRecord = successor || !running ? record : { ...record, state: 'detached', instruction: STATE_INSTRUCTIONS.detached };
      changes.push({ kind: 'removed', record: shown });
    }
    for (const [id, record] of after.records) {
      const previous = before.records.get(id);
      if (previous === record) continue;
      const previousId = [...movedTo].find(([, to]) => to === id)?.[0];
      const change: RegistryChange = { kind: previous ? 'updated' : 'added', record };
      if (previousId !== undefined) change.previousId = previousId;
      changes.push(change);
    }
    for (const change of changes) this.emit(change);
  }

  private successorOf(record: DeviceRecord, after: RegistryState): DeviceRecord | undefined {
    for (const candidate of after.records.values()) {
      if ((record.udid && candidate.udid === record.udid) || (record.ecid && candidate.ecid === record.ecid)) return candidate;
    }
    return undefined;
  }

  private emit(change: RegistryChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        // One broken listener must neither corrupt the registry nor starve the others; the failure still surfaces.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private anyReading(): boolean {
    for (const record of this.state.records.values()) if (record.state === 'reading') return true;
    return false;
  }

  private resolveSettled(): void {
    for (const done of [...this.settleWaiters]) done();
  }
}
