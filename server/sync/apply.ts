/**
 * Applying one pushed event whose key the batch has claimed: its effect through the inventory
 * service inside a savepoint, so a rejected event leaves its receipt (marked rejected, with
 * the reason) and nothing else, and the batch goes on.
 */
import { SyncEventSchema, type SyncEvent } from '../../core/contract/server-wire.js';
import type { Queryable } from '../db/database.js';
import { observeDevice, preapproveDevice, recordJobFinished, requestDeprovision } from '../inventory/service.js';
import type { AuditChain } from './audit-copy.js';
import { benchActor, type SyncBench } from './bench.js';
import { markRejected } from './receipts.js';
import { EventRejected, rejectionOf, type EventError } from './rejection.js';

export interface EventOutcome {
  readonly key: string;
  readonly status: 'applied' | 'duplicate' | 'rejected';
  readonly error: EventError | null;
}

/** An event as it arrives: only its key is trusted before it is validated on its own. */
export interface RawEvent {
  readonly key: string;
  readonly [field: string]: unknown;
}

/** The event's type as far as it can be read, for the receipt (before validation). */
export function eventType(raw: RawEvent): string {
  const type = (raw['body'] as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type.slice(0, 100) : 'unknown';
}

function validated(raw: RawEvent): { event: SyncEvent; at: Date } {
  const parsed = SyncEventSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
    throw new EventRejected({
      code: 'invalid-event',
      message: `Event ${raw.key} is not a valid sync event: ${detail}.`,
      hint: "This bench and the server disagree on the event format: update the bench to the server's version.",
    });
  }
  const at = new Date(parsed.data.occurredAt);
  if (Number.isNaN(at.getTime())) {
    throw new EventRejected({ code: 'invalid-event', message: `Event ${raw.key} has occurredAt "${parsed.data.occurredAt}", which is not a date.`, hint: 'Update the bench; its outbox wrote an unreadable time.' });
  }
  return { event: parsed.data, at };
}

/**
 * `at`: when it happened at the bench (an offline bench catches up later); history shows that time.
 * `isolated`: the event runs in its own savepoint, so an audit record is stored at once; otherwise
 * it is queued and stored with the records around it (AuditChain.flush).
 */
async function effect(tx: Queryable, bench: SyncBench, event: SyncEvent, at: Date, audit: AuditChain, now: Date, isolated: boolean): Promise<void> {
  const actor = benchActor(bench, event.technician);
  const body = event.body;
  switch (body.type) {
    case 'device.observed':
      return observeDevice(tx, actor, body.device, at);
    case 'device.preapprove':
      return preapproveDevice(tx, actor, body.device, at);
    case 'device.deprovision': {
      const { request } = body;
      const serialNumber = request.serialNumbers[0]!;
      const deviceInfo = request.deviceInfo?.[serialNumber];
      const outcome = await requestDeprovision(
        tx,
        actor,
        {
          serialNumber,
          reason: request.reason,
          requestInfo: request.requestInfo,
          ...(request.wipe === undefined ? {} : { wipe: request.wipe }),
          ...(request.note === undefined ? {} : { note: request.note }),
          ...(deviceInfo === undefined ? {} : { deviceInfo }),
        },
        { id: body.deprovisionId, at },
      );
      if (outcome.refused) throw new EventRejected(outcome.refused);
      return;
    }
    case 'job.finished':
      return recordJobFinished(tx, actor, body.job, at);
    case 'audit.record':
      return isolated ? audit.append(body.record, now) : audit.queue(body.record);
  }
}

/** Thrown when an event failed in a way that may have left writes behind with no savepoint to undo them. */
export class RedoWithSavepoints extends Error {
  constructor(readonly original: unknown) {
    super('an event failed without a savepoint: redo the chunk with one around every event');
    this.name = 'RedoWithSavepoints';
  }
}

/** Stores the queued audit records; a failure the database would repeat makes the caller redo the chunk with savepoints. */
export async function flushAudit(audit: AuditChain, now: Date): Promise<void> {
  try {
    await audit.flush(now);
  } catch (error) {
    throw rejectionOf(error) === undefined ? error : new RedoWithSavepoints(error);
  }
}

/**
 * Whether the event runs inside its own savepoint. Those that go through the inventory service
 * do: several statements, and a refusal or constraint failure must undo them all. An audit
 * record needs none: it is checked in memory and queued (a rejection has written nothing), and
 * the queue is stored by one INSERT; if that INSERT fails the transaction cannot go on, so the
 * chunk is redone with `isolateAll`, a savepoint around every event.
 */
const needsSavepoint = (raw: RawEvent, isolateAll: boolean): boolean => isolateAll || eventType(raw) !== 'audit.record';

/**
 * Applies one event inside the batch's transaction. Rejections are answered and kept in the
 * receipt; anything unexpected is thrown, so the transaction rolls back and the bench retries.
 */
export async function applyEvent(tx: Queryable, bench: SyncBench, raw: RawEvent, audit: AuditChain, now: Date, isolateAll: boolean): Promise<EventOutcome> {
  const savepoint = needsSavepoint(raw, isolateAll);
  if (savepoint) {
    // Records queued before this event are written before its savepoint: rolling it back must not take them.
    await flushAudit(audit, now);
    await tx.query('SAVEPOINT sync_event');
  }
  try {
    const { event, at } = validated(raw);
    await effect(tx, bench, event, at, audit, now, savepoint);
    if (savepoint) await tx.query('RELEASE SAVEPOINT sync_event');
    return { key: raw.key, status: 'applied', error: null };
  } catch (error) {
    const rejection = rejectionOf(error);
    if (rejection === undefined) throw error;
    if (savepoint) await tx.query('ROLLBACK TO SAVEPOINT sync_event');
    // Without a savepoint only a rejection raised before any write (validation, a broken chain) can be kept.
    else if (!(error instanceof EventRejected)) throw new RedoWithSavepoints(error);
    await markRejected(tx, bench.id, raw.key, rejection);
    return { key: raw.key, status: 'rejected', error: rejection };
  }
}
