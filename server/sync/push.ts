/**
 * A bench's outbox batch: events applied in order, exactly once per key. The batch is applied
 * in transactions of up to PUSH_CHUNK events, each with its events' receipts: fewer commits
 * than one per event, yet a long catch-up batch does not hold the database (PGlite has one
 * connection) for its whole length. When the database fails part-way the request fails; the
 * chunks before the failure are committed, so on the bench's retry their events come back
 * `duplicate` and the rest are applied.
 */
import type { Database, Queryable } from '../db/database.js';
import { applyEvent, eventType, flushAudit, RedoWithSavepoints, type EventOutcome, type RawEvent } from './apply.js';
import { AuditChain } from './audit-copy.js';
import type { SyncBench } from './bench.js';
import { claimReceipts } from './receipts.js';

export const PUSH_CHUNK = 20;

async function applyChunk(tx: Queryable, bench: SyncBench, events: readonly RawEvent[], now: Date, seen: ReadonlyMap<string, EventOutcome>, isolateAll: boolean): Promise<EventOutcome[]> {
  const earlier = await claimReceipts(tx, bench.id, events.map((event) => ({ key: event.key, type: eventType(event) })), now);
  const audit = new AuditChain(tx, bench.id);
  const outcomes: EventOutcome[] = [];
  const here = new Map<string, EventOutcome>();
  for (const event of events) {
    // Pushed before, or twice in this batch: answered as the first time, applied once.
    const first = earlier.get(event.key) ?? seen.get(event.key) ?? here.get(event.key);
    if (first) {
      outcomes.push({ key: event.key, status: 'duplicate', error: first.error });
      continue;
    }
    const outcome = await applyEvent(tx, bench, event, audit, now, isolateAll);
    here.set(event.key, outcome);
    outcomes.push(outcome);
  }
  await flushAudit(audit, now);
  return outcomes;
}

export async function pushEvents(db: Database, bench: SyncBench, events: readonly RawEvent[], now: () => Date): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  const seen = new Map<string, EventOutcome>();
  for (let start = 0; start < events.length; start += PUSH_CHUNK) {
    const chunk = events.slice(start, start + PUSH_CHUNK);
    const run = (isolateAll: boolean): Promise<EventOutcome[]> => db.transaction((tx) => applyChunk(tx, bench, chunk, now(), seen, isolateAll));
    const applied = await run(false).catch((error: unknown) => {
      if (error instanceof RedoWithSavepoints) return run(true);
      throw error;
    });
    applied.forEach((outcome) => seen.set(outcome.key, outcome));
    outcomes.push(...applied);
  }
  return outcomes;
}
