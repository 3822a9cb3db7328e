/** Server settings (migration 002): one JSON value per key. */
import type { Queryable } from '../db/database.js';

export const PREAPPROVED_ONLY = 'enrollment.preapprovedOnly';

export async function getSetting<T>(db: Queryable, key: string, fallback: T): Promise<T> {
  const rows = await db.query<{ value: T }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows.length === 0 ? fallback : rows[0]!.value;
}

export async function putSetting(db: Queryable, key: string, value: unknown, now: Date): Promise<void> {
  await db.query(
    'INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    [key, JSON.stringify(value), now],
  );
}
