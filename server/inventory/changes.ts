/**
 * The change feed benches pull (issue #5 part 7): device records, purged devices' tombstones and
 * settings, each stamped with a number from ONE sequence (inventory_change_seq).
 *
 * Why the lock: two transactions can take seqs 7 and 8 and commit 8 first. A bench pulling in
 * between would see 8, move its cursor past 7, and never see 7. Every writer takes CHANGE_LOCK
 * before drawing a number, so writers commit one after the other, in seq order.
 */
import type { Queryable } from '../db/database.js';
import type { SyncChange } from '../../core/contract/server-wire.js';
import { loadDevices } from './records.js';

/** Advisory lock key taken by every transaction that draws numbers from inventory_change_seq ("bend"). */
export const CHANGE_LOCK = 0x62656e64;

/** SQL for the next number of the feed, for use inside INSERT/UPDATE statements. */
export const NEXT_CHANGE = "nextval('inventory_change_seq')";

/** Takes the feed's lock until the transaction ends; taking it again in the same transaction is harmless. */
export async function lockChanges(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_LOCK]);
}

interface ChangeRow extends Record<string, unknown> {
  seq: string | number;
  kind: 'device' | 'device.removed' | 'setting';
  key: string;
  value: unknown;
}

/**
 * Changes after `cursor`, oldest first, at most `limit`: each changed device once, as its record
 * is now (its latest seq), a tombstone for each purged one, each changed setting with its value.
 */
export async function changesSince(q: Queryable, cursor: number, limit: number): Promise<{ changes: SyncChange[]; more: boolean }> {
  const rows = await q.query<ChangeRow>(
    `SELECT seq, kind, key, value FROM (
       SELECT change_seq AS seq, 'device' AS kind, serial_number AS key, NULL::jsonb AS value FROM devices WHERE change_seq > $1
       UNION ALL
       SELECT change_seq, 'device.removed', serial_number, NULL::jsonb FROM device_tombstones WHERE change_seq > $1
       UNION ALL
       SELECT change_seq, 'setting', key, value FROM settings WHERE change_seq > $1
     ) AS c ORDER BY seq LIMIT $2`,
    [cursor, limit + 1],
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const devices = new Map((await loadDevices(q, page.filter((row) => row.kind === 'device').map((row) => row.key))).map((device) => [device.serialNumber, device]));
  const changes: SyncChange[] = [];
  for (const row of page) {
    const seq = Number(row.seq);
    if (row.kind === 'setting') changes.push({ seq, kind: 'setting', key: row.key, value: row.value });
    else if (row.kind === 'device.removed') changes.push({ seq, kind: 'device.removed', serialNumber: row.key });
    else {
      const device = devices.get(row.key);
      // Same transaction snapshot on PostgreSQL; on a plain Queryable a device purged in between is left for its tombstone.
      if (device !== undefined) changes.push({ seq, kind: 'device', device });
    }
  }
  return { changes, more };
}
