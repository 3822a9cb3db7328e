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

/** `at`: when it happened at the bench (an offline bench catches up later); history shows that time. */
async function effect(tx: Queryable, bench: SyncBench, event: SyncEvent, at: Date, audit: AuditChain, now: Date): Promise<void> {
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
      return audit.append(body.record, now);
  }
}

/**
 * Applies one event inside the batch's transaction. Rejections are answered and kept in the
 * receipt; anything unexpected is thrown, so the transaction rolls back and the bench retries.
 */
export async function applyEvent(tx: Queryable, bench: SyncBench, raw: RawEvent, audit: AuditChain, now: Date): Promise<EventOutcome> {
  await tx.query('SAVEPOINT sync_event');
  try {
    const { event, at } = validated(raw);
    await effect(tx, bench, event, at, audit, now);
    await tx.query('RELEASE SAVEPOINT sync_event');
    return { key: raw.key, status: 'applied', error: null };
  } catch (error) {
    const rejection = rejectionOf(error);
    if (rejection === undefined) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT sync_event');
    await markRejected(tx, bench.id, raw.key, rejection);
    return { key: raw.key, status: 'rejected', error: rejection };
  }
}
