/** The append-only history of each device: written in the same transaction as the change it records. */
import type { Queryable } from '../db/database.js';
import type { DeviceStatus, HistoryEntry } from '../../core/contract/server-wire.js';

export interface NewHistoryEntry {
  serialNumber: string;
  at: Date;
  kind: string;
  actor: string;
  fromStatus?: DeviceStatus | null;
  toStatus?: DeviceStatus | null;
  detail?: string | null;
}

export async function appendHistory(tx: Queryable, entry: NewHistoryEntry): Promise<void> {
  await tx.query(
    'INSERT INTO device_history (serial_number, at, kind, actor, from_status, to_status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [entry.serialNumber, entry.at, entry.kind, entry.actor, entry.fromStatus ?? null, entry.toStatus ?? null, entry.detail ?? null],
  );
}

interface HistoryRow extends Record<string, unknown> {
  at: Date | string;
  kind: string;
  actor: string;
  from_status: DeviceStatus | null;
  to_status: DeviceStatus | null;
  detail: string | null;
}

/** Oldest first, in the order written. */
export async function historyOf(q: Queryable, serialNumber: string): Promise<HistoryEntry[]> {
  const rows = await q.query<HistoryRow>('SELECT at, kind, actor, from_status, to_status, detail FROM device_history WHERE serial_number = $1 ORDER BY id', [serialNumber]);
  return rows.map((row) => ({ at: new Date(row.at).toISOString(), kind: row.kind, actor: row.actor, fromStatus: row.from_status, toStatus: row.to_status, detail: row.detail }));
}
