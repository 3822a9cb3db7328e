/**
 * The registry's state and its transitions, as a pure function
 * `(state, event) => state`: every rule about one-record-per-device lives
 * here and is tested without timers, fakes or I/O. The registry (the shell)
 * turns port events and read results into events and emits the differences.
 *
 * A record is the view of an entry: the device's identity plus whichever of
 * its attachments (usbmuxd in normal mode, USB in Recovery/DFU) is current.
 */
import { EMPTY_IDENTITY, type DeviceIdentity, type DeviceRecord } from './identity.js';
import type { MuxDevice, UsbModeDevice } from './ports.js';
import { STATE_INSTRUCTIONS } from './states.js';
import { slotFor } from './slots.js';
import { ecidFromUdid, lastingIdentity, mergeIdentity, recordIdFor, type IdentityPatch } from './identity-mapping.js';
import { READING_STATUS, READY_STATUS, type ReadStatus } from './read-failure.js';

export interface MuxAttachment {
  readonly device: MuxDevice;
  /** Increases with every attach: orders attachments and tells a read of this plug-in from a read of an earlier one. */
  readonly generation: number;
  readonly recordId: string;
  readonly attachedAt: number;
  readonly status: ReadStatus;
}

export interface UsbAttachment {
  readonly device: UsbModeDevice;
  readonly generation: number;
  readonly recordId: string;
  readonly attachedAt: number;
}

export interface DeviceEntry {
  readonly id: string;
  readonly identity: DeviceIdentity;
  readonly muxId: number | null;
  readonly portPath: string | null;
  readonly flapping: boolean;
}

export interface RegistryState {
  readonly generation: number;
  readonly entries: ReadonlyMap<string, DeviceEntry>;
  readonly mux: ReadonlyMap<number, MuxAttachment>;
  readonly usb: ReadonlyMap<string, UsbAttachment>;
  /** Lasting identity of devices that left, by `ecid:`/`udid:` key: a device back in another mode is recognised. */
  readonly remembered: ReadonlyMap<string, IdentityPatch>;
  /** The public view, one per entry; unchanged records keep their object identity. */
  readonly records: ReadonlyMap<string, DeviceRecord>;
}

export const EMPTY_REGISTRY_STATE: RegistryState = Object.freeze({
  generation: 0,
  entries: new Map(),
  mux: new Map(),
  usb: new Map(),
  remembered: new Map(),
  records: new Map(),
});

export type RegistryEvent =
  | { type: 'mux-attached'; device: MuxDevice; flapping: boolean; at: number }
  | { type: 'mux-detached'; muxId: number; at: number }
  /** usbmuxd went away: every normal-mode attachment is gone with it. */
  | { type: 'mux-lost'; at: number }
  | { type: 'usb-attached'; device: UsbModeDevice; flapping: boolean; at: number }
  | { type: 'usb-detached'; portPath: string; at: number }
  /** `complete` = the trusted read finished, so the device is ready; otherwise a partial (untrusted) read. */
  | { type: 'identity-read'; muxId: number; generation: number; identity: IdentityPatch; complete: boolean; at: number }
  | { type: 'read-failed'; muxId: number; generation: number; status: ReadStatus; at: number }
  | { type: 'flapping-changed'; recordId: string; flapping: boolean; at: number };

/** Enough for a busy bench's day; the oldest memories go first. */
const REMEMBERED_LIMIT = 1024;

/** Mutable copies of the maps for one transition; the input state is never touched. */
class Draft {
  generation: number;
  readonly entries: Map<string, DeviceEntry>;
  readonly mux: Map<number, MuxAttachment>;
  readonly usb: Map<string, UsbAttachment>;
  readonly remembered: Map<string, IdentityPatch>;

  constructor(state: RegistryState) {
    this.generation = state.generation;
    this.entries = new Map(state.entries);
    this.mux = new Map(state.mux);
    this.usb = new Map(state.usb);
    this.remembered = new Map(state.remembered);
  }

  attachMux(device: MuxDevice, flapping: boolean, at: number): void {
    // A new DeviceID for a UDID we hold means usbmuxd re-enumerated it: the old attachment is stale
    // (a Wi-Fi twin of a USB attachment never gets this far, see isShadowedAttach).
    this.dropMux(device.muxId);
    for (const [muxId, attachment] of this.mux) if (attachment.device.udid === device.udid) this.dropMux(muxId);
    const udidEcid = ecidFromUdid(device.udid);
    const remembered = this.recall([`udid:${device.udid}`, udidEcid ? `ecid:${udidEcid}` : null]);
    const ecid = udidEcid ?? remembered?.ecid ?? null;
    const id = recordIdFor({ ecid, udid: device.udid });
    const held = this.entries.get(id)?.muxId;
    if (held !== undefined && held !== null) this.dropMux(held);
    const current = this.entries.get(id);
    const identity = mergeIdentity(current?.identity ?? mergeIdentity(EMPTY_IDENTITY, remembered ?? {}), { udid: device.udid, ecid });
    this.generation += 1;
    this.mux.set(device.muxId, { device, generation: this.generation, recordId: id, attachedAt: at, status: READING_STATUS });
    this.entries.set(id, { id, identity, muxId: device.muxId, portPath: current?.portPath ?? null, flapping });
  }

  attachUsb(device: UsbModeDevice, flapping: boolean, at: number): void {
    this.dropUsb(device.portPath);
    const id = recordIdFor({ ecid: device.ecid, portPath: device.portPath });
    const held = this.entries.get(id)?.portPath;
    if (held !== undefined && held !== null) this.dropUsb(held); // moved to another port
    const current = this.entries.get(id);
    const remembered = device.ecid ? this.recall([`ecid:${device.ecid}`]) : undefined;
    const identity = mergeIdentity(current?.identity ?? mergeIdentity(EMPTY_IDENTITY, remembered ?? {}), { ecid: device.ecid });
    this.generation += 1;
    this.usb.set(device.portPath, { device, generation: this.generation, recordId: id, attachedAt: at });
    this.entries.set(id, { id, identity, muxId: current?.muxId ?? null, portPath: device.portPath, flapping });
  }

  dropMux(muxId: number): void {
    const attachment = this.mux.get(muxId);
    if (!attachment) return;
    this.mux.delete(muxId);
    const entry = this.entries.get(attachment.recordId);
    if (entry?.muxId === muxId) this.release({ ...entry, muxId: null });
  }

  dropUsb(portPath: string): void {
    const attachment = this.usb.get(portPath);
    if (!attachment) return;
    this.usb.delete(portPath);
    const entry = this.entries.get(attachment.recordId);
    if (entry?.portPath === portPath) this.release({ ...entry, portPath: null });
  }

  identityRead(attachment: MuxAttachment, patch: IdentityPatch, complete: boolean): void {
    const entry = this.entries.get(attachment.recordId);
    if (!entry) return;
    if (complete) this.mux.set(attachment.device.muxId, { ...attachment, status: READY_STATUS });
    const identity = mergeIdentity(entry.identity, patch);
    const id = recordIdFor({ ecid: identity.ecid, udid: identity.udid });
    if (id === entry.id) this.entries.set(id, { ...entry, identity });
    else this.rekey(entry, id, identity);
  }

  /** The read revealed the ECID of a record known by UDID: it becomes `ecid:`, merging with a Recovery/DFU record of that ECID. */
  private rekey(entry: DeviceEntry, id: string, identity: DeviceIdentity): void {
    this.entries.delete(entry.id);
    const other = this.entries.get(id);
    if (other?.muxId !== undefined && other.muxId !== null && other.muxId !== entry.muxId) this.dropMux(other.muxId);
    const portPath = this.entries.get(id)?.portPath ?? entry.portPath;
    const merged: DeviceEntry = {
      id,
      identity: other ? mergeIdentity(other.identity, identity) : identity,
      muxId: entry.muxId,
      portPath,
      flapping: entry.flapping || (other?.flapping ?? false),
    };
    if (merged.muxId !== null) this.repoint(this.mux, merged.muxId, id);
    if (merged.portPath !== null) this.repoint(this.usb, merged.portPath, id);
    this.entries.set(id, merged);
  }

  private repoint<K, A extends { readonly recordId: string }>(attachments: Map<K, A>, key: K, recordId: string): void {
    const attachment = attachments.get(key);
    if (attachment) attachments.set(key, { ...attachment, recordId });
  }

  /** Keeps an entry that still has an attachment; forgets one that has none, remembering who it was. */
  private release(entry: DeviceEntry): void {
    if (entry.muxId !== null || entry.portPath !== null) {
      this.entries.set(entry.id, entry);
      return;
    }
    this.entries.delete(entry.id);
    const lasting = lastingIdentity(entry.identity);
    for (const key of [entry.identity.ecid ? `ecid:${entry.identity.ecid}` : null, entry.identity.udid ? `udid:${entry.identity.udid}` : null]) {
      if (key === null) continue;
      this.remembered.delete(key); // re-insert: Map order doubles as age
      this.remembered.set(key, lasting);
    }
    for (const key of this.remembered.keys()) {
      if (this.remembered.size <= REMEMBERED_LIMIT) break;
      this.remembered.delete(key);
    }
  }

  private recall(keys: (string | null)[]): IdentityPatch | undefined {
    for (const key of keys) {
      const found = key === null ? undefined : this.remembered.get(key);
      if (found) return found;
    }
    return undefined;
  }

  setFlapping(recordId: string, flapping: boolean): void {
    const entry = this.entries.get(recordId);
    if (entry && entry.flapping !== flapping) this.entries.set(recordId, { ...entry, flapping });
  }

  finish(previous: RegistryState, at: number): RegistryState {
    const records = new Map<string, DeviceRecord>();
    for (const entry of this.entries.values()) {
      const before = previous.records.get(entry.id);
      // Transitions replace what they change, so an entry whose own object and attachments are
      // the same objects as before has the same view: skip rebuilding it. A bench of 64 devices
      // attaching at once would otherwise rebuild every record for every event.
      if (before && this.unchangedSince(previous, entry)) {
        records.set(entry.id, before);
        continue;
      }
      const view = this.present(entry);
      records.set(entry.id, before && sameView(before, view) ? before : { ...view, updatedAt: new Date(at).toISOString() });
    }
    return { generation: this.generation, entries: this.entries, mux: this.mux, usb: this.usb, remembered: this.remembered, records };
  }

  private unchangedSince(previous: RegistryState, entry: DeviceEntry): boolean {
    return (
      previous.entries.get(entry.id) === entry &&
      (entry.muxId === null || previous.mux.get(entry.muxId) === this.mux.get(entry.muxId)) &&
      (entry.portPath === null || previous.usb.get(entry.portPath) === this.usb.get(entry.portPath))
    );
  }

  private present(entry: DeviceEntry): RecordView {
    const mux = entry.muxId === null ? undefined : this.mux.get(entry.muxId);
    const usb = entry.portPath === null ? undefined : this.usb.get(entry.portPath);
    // A device is in one mode at a time: with both attached, the later attach is current and the other's detach is on its way.
    if (mux && (!usb || mux.generation > usb.generation)) {
      const { device } = mux;
      return {
        ...entry.identity,
        id: entry.id,
        ...mux.status,
        mode: 'normal',
        slot: device.connectionType === 'usb' ? slotFor(device.locationId) : null,
        locationId: device.locationId,
        connectionType: device.connectionType,
        flapping: entry.flapping,
        attachedAt: new Date(mux.attachedAt).toISOString(),
      };
    }
    if (!usb) throw new Error(`registry invariant: record ${entry.id} has no attachment`);
    const { device } = usb;
    return {
      ...entry.identity,
      id: entry.id,
      state: device.mode,
      instruction: STATE_INSTRUCTIONS[device.mode],
      errorCode: null,
      errorMessage: null,
      mode: device.mode,
      slot: slotFor(device.locationId, device.portPath),
      locationId: device.locationId,
      connectionType: 'usb',
      flapping: entry.flapping,
      attachedAt: new Date(usb.attachedAt).toISOString(),
    };
  }
}

type RecordView = Omit<DeviceRecord, 'updatedAt'>;

function sameView(record: DeviceRecord, view: RecordView): boolean {
  return (Object.keys(view) as (keyof RecordView)[]).every((key) => record[key] === view[key]);
}

/**
 * usbmuxd also announces a device's Wi-Fi connection, under its own DeviceID.
 * While the device is plugged in, that announcement is ignored: otherwise its
 * later detach would remove a device that is still on the bench.
 */
export function isShadowedAttach(state: RegistryState, device: MuxDevice): boolean {
  if (device.connectionType !== 'network') return false;
  for (const attachment of state.mux.values()) {
    if (attachment.device.udid === device.udid && attachment.device.connectionType === 'usb' && attachment.device.muxId !== device.muxId) return true;
  }
  return false;
}

/** The attachment a read result belongs to, or undefined when the read is stale (detached, or replugged since). */
export function attachmentForRead(state: RegistryState, muxId: number, generation: number): MuxAttachment | undefined {
  const attachment = state.mux.get(muxId);
  return attachment?.generation === generation ? attachment : undefined;
}

export function reduceRegistry(state: RegistryState, event: RegistryEvent): RegistryState {
  const draft = new Draft(state);
  switch (event.type) {
    case 'mux-attached':
      if (isShadowedAttach(state, event.device)) return state;
      draft.attachMux(event.device, event.flapping, event.at);
      break;
    case 'mux-detached':
      if (!state.mux.has(event.muxId)) return state;
      draft.dropMux(event.muxId);
      break;
    case 'mux-lost':
      if (state.mux.size === 0) return state;
      for (const muxId of state.mux.keys()) draft.dropMux(muxId);
      break;
    case 'usb-attached':
      draft.attachUsb(event.device, event.flapping, event.at);
      break;
    case 'usb-detached':
      if (!state.usb.has(event.portPath)) return state;
      draft.dropUsb(event.portPath);
      break;
    case 'identity-read': {
      const attachment = attachmentForRead(state, event.muxId, event.generation);
      if (!attachment) return state; // a stale read never overwrites newer state
      draft.identityRead(attachment, event.identity, event.complete);
      break;
    }
    case 'read-failed': {
      const attachment = attachmentForRead(state, event.muxId, event.generation);
      if (!attachment) return state;
      draft.mux.set(event.muxId, { ...attachment, status: event.status });
      break;
    }
    case 'flapping-changed':
      draft.setFlapping(event.recordId, event.flapping);
      break;
  }
  return draft.finish(state, event.at);
}
