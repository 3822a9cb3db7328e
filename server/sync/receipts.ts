/**
 * Idempotency receipts (migration 004): one per (bench, key), written in the transaction
 * that applies the event, so an event takes effect exactly once however often it is pushed.
 */
import type { Queryable } from '../db/database.js';
import type { EventError } from './rejection.js';

export interface Receipt {
  readonly status: 'applied' | 'rejected';
  readonly error: EventError | null;
}

/**
 * Claims the key for this bench: resolves to null when it is new (the caller applies the
 * event), or to the receipt of the first push. The INSERT comes first so that two pushes of
 * one key at once (a bench retrying while the first request still runs) serialise on the
 * primary key: the second waits for the first to commit and then sees its receipt.
 */
export async function claimReceipt(tx: Queryable, benchId: string, key: string, eventType: string, now: Date): Promise<Receipt | null> {
  const claimed = await tx.query(
    `INSERT INTO sync_receipts (bench_id, key, event_type, status, received_at) VALUES ($1, $2, $3, 'applied', $4)
     ON CONFLICT (bench_id, key) DO NOTHING RETURNING key`,
    [benchId, key, eventType, now],
  );
  if (claimed.length > 0) return null;
  const rows = await tx.query<{ status: Receipt['status']; error: EventError | null }>('SELECT status, error FROM sync_receipts WHERE bench_id = $1 AND key = $2', [benchId, key]);
  const row = rows[0];
  if (!row) throw new Error(`sync receipt ${key} conflicted but cannot be read`);
  return { status: row.status, error: row.error };
}

export async function markRejected(tx: Queryable, benchId: string, key: string, error: EventError): Promise<void> {
  await tx.query(`UPDATE sync_receipts SET status = 'rejected', error = $3::jsonb WHERE bench_id = $1 AND key = $2`, [benchId, key, JSON.stringify(error)]);
}
