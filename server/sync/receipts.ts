/**
 * Idempotency receipts (migration 004): one per (bench, key), written in the transaction that
 * applies the event, so an event takes effect exactly once however often it is pushed.
 */
import type { Queryable } from '../db/database.js';
import type { EventError } from './rejection.js';

export interface Receipt {
  readonly status: 'applied' | 'rejected';
  readonly error: EventError | null;
}

/**
 * Claims a batch's keys for the bench in one statement: resolves to the receipts of the keys
 * pushed before (their events are not applied again); every other key is now claimed by the
 * caller's transaction. Claiming comes first so that two pushes of one key at once (a bench
 * retrying while its first request still runs) serialise on the primary key: the second waits
 * for the first to commit and then finds its receipt. Keys are inserted in sorted order so
 * that two overlapping batches cannot deadlock.
 */
export async function claimReceipts(tx: Queryable, benchId: string, events: ReadonlyArray<{ key: string; type: string }>, now: Date): Promise<Map<string, Receipt>> {
  const claimed = await tx.query<{ key: string }>(
    `INSERT INTO sync_receipts (bench_id, key, event_type, status, received_at)
     SELECT $1, e.key, e.type, 'applied', $4 FROM unnest($2::text[], $3::text[]) AS e (key, type) ORDER BY e.key
     ON CONFLICT (bench_id, key) DO NOTHING RETURNING key`,
    [benchId, events.map((event) => event.key), events.map((event) => event.type), now],
  );
  const mine = new Set(claimed.map((row) => row.key));
  const earlier = [...new Set(events.map((event) => event.key).filter((key) => !mine.has(key)))];
  if (earlier.length === 0) return new Map();
  const rows = await tx.query<{ key: string; status: Receipt['status']; error: EventError | null }>(
    'SELECT key, status, error FROM sync_receipts WHERE bench_id = $1 AND key = ANY($2::text[])',
    [benchId, earlier],
  );
  return new Map(rows.map((row) => [row.key, { status: row.status, error: row.error }]));
}

export async function markRejected(tx: Queryable, benchId: string, key: string, error: EventError): Promise<void> {
  await tx.query(`UPDATE sync_receipts SET status = 'rejected', error = $3::jsonb WHERE bench_id = $1 AND key = $2`, [benchId, key, JSON.stringify(error)]);
}
