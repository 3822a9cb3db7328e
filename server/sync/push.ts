/**
 * A bench's outbox batch: events applied in order, each in its own transaction with its
 * receipt. When the database fails part-way, the events before the failure are committed and
 * the request fails: the bench retries the batch and those come back `duplicate`.
 */
import type { Database } from '../db/database.js';
import { applyEvent, type EventOutcome, type RawEvent } from './apply.js';
import type { SyncBench } from './bench.js';

export async function pushEvents(db: Database, bench: SyncBench, events: readonly RawEvent[], now: () => Date): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  for (const event of events) {
    outcomes.push(await db.transaction((tx) => applyEvent(tx, bench, event, now())));
  }
  return outcomes;
}
