/**
 * The inventory's write and read operations shared by the HTTP routes and bench sync.
 * (Stubs first so the sync helper compiles against the signatures; implemented below.)
 */
import type { z } from 'zod';
import type { Queryable } from '../db/database.js';
import type { DeprovisionOutcomeSchema, DeprovisionReason, DeviceObservedSchema, InventoryDevice, JobFinishedSchema, Preapprove, SyncChange, WipeKind } from '../../core/contract/server-wire.js';

/** Who made a change; `label` goes into history, e.g. "bench Bench-2 (technician Ana)". */
export interface Actor {
  readonly kind: 'user' | 'bench' | 'device';
  readonly id: string | null;
  readonly label: string;
}

/** Advisory lock key taken by every transaction that draws numbers from inventory_change_seq. */
export const CHANGE_LOCK = 0x62656e64;

export async function lockChanges(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_LOCK]);
}

export async function observeDevice(_tx: Queryable, _actor: Actor, _device: z.infer<typeof DeviceObservedSchema>, _at: Date): Promise<void> {
  throw new Error('not implemented yet');
}

export async function preapproveDevice(_tx: Queryable, _actor: Actor, _device: Preapprove, _at: Date): Promise<void> {
  throw new Error('not implemented yet');
}

export interface SingleDeprovision {
  serialNumber: string;
  reason: DeprovisionReason;
  wipe?: WipeKind;
  note?: string;
  requestInfo: boolean;
  deviceInfo?: Record<string, string | null>;
}

export async function requestDeprovision(
  _tx: Queryable,
  _actor: Actor,
  _request: SingleDeprovision,
  _options: { id?: string; at: Date },
): Promise<z.infer<typeof DeprovisionOutcomeSchema>> {
  throw new Error('not implemented yet');
}

export async function recordJobFinished(_tx: Queryable, _actor: Actor, _job: z.infer<typeof JobFinishedSchema>, _at: Date): Promise<void> {
  throw new Error('not implemented yet');
}

export async function loadDevices(_q: Queryable, _serialNumbers: readonly string[]): Promise<InventoryDevice[]> {
  throw new Error('not implemented yet');
}

export async function changesSince(_q: Queryable, _cursor: number, _limit: number): Promise<{ changes: SyncChange[]; more: boolean }> {
  throw new Error('not implemented yet');
}
