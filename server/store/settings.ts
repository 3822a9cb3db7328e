/**
 * Server settings (migration 002): one JSON value per key. Benches pull settings with the
 * inventory's change feed (migration 003), so every write takes a new change_seq under the feed's lock.
 */
import type { Queryable } from '../db/database.js';
import { lockChanges, NEXT_CHANGE } from '../inventory/changes.js';

export const PREAPPROVED_ONLY = 'enrollment.preapprovedOnly';
/** How many devices may hold a license at once; null: unlimited. */
export const LICENSES_TOTAL = 'licenses.total';

export async function getSetting<T>(db: Queryable, key: string, fallback: T): Promise<T> {
  const rows = await db.query<{ value: T }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows.length === 0 ? fallback : rows[0]!.value;
}

/** Call inside a transaction (the feed's lock lasts until it ends). */
export async function putSetting(tx: Queryable, key: string, value: unknown, now: Date): Promise<void> {
  await lockChanges(tx);
  await tx.query(
    `INSERT INTO settings (key, value, updated_at, change_seq) VALUES ($1, $2::jsonb, $3, ${NEXT_CHANGE})
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, change_seq = excluded.change_seq`,
    [key, JSON.stringify(value), now],
  );
}
