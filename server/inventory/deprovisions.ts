/**
 * Deprovisioning (seeds 000-002): the organisation's decision takes effect at once (the device's
 * status changes when it is requested: "once executed, deprovisioning is a permanent change"),
 * and the deprovision stays pending until its wipe is confirmed: a bench reports the wipe job
 * succeeded, the device checks out of management, or an admin completes it by hand.
 * Refusals are answers, not exceptions: a request for many devices gets one outcome per device.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Queryable } from '../db/database.js';
import { purgeAfter, statusAfterDeprovision, wipeFor } from '../../core/contract/deprovision-rules.js';
import { DEPROVISION_REASON_LABELS, DEVICE_STATUS_LABELS, type Deprovision, type DeprovisionOutcomeSchema, type DeprovisionReason, type DeviceStatus, type Ownership, type WipeKind } from '../../core/contract/server-wire.js';
import type { Actor } from './actor.js';
import { lockChanges, NEXT_CHANGE } from './changes.js';
import { appendHistory } from './history.js';
import { DEPROVISION_COLUMNS, toDeprovision, type DeprovisionRow } from './records.js';

export type DeprovisionOutcome = z.infer<typeof DeprovisionOutcomeSchema>;

export interface SingleDeprovision {
  serialNumber: string;
  reason: DeprovisionReason;
  wipe?: WipeKind;
  note?: string;
  requestInfo: boolean;
  deviceInfo?: Record<string, string | null>;
}

const WIPE_LABELS: Record<WipeKind, string> = { full: 'full wipe', 'corporate-data': 'corporate-data wipe' };

const refused = (serialNumber: string, code: string, message: string, hint: string): DeprovisionOutcome => ({ serialNumber, deprovision: null, refused: { code, message, hint } });

export async function deprovisionById(tx: Queryable, id: string): Promise<Deprovision | null> {
  const rows = await tx.query<DeprovisionRow>(`SELECT ${DEPROVISION_COLUMNS} FROM deprovisions WHERE id = $1`, [id]);
  return rows[0] === undefined ? null : toDeprovision(rows[0]);
}

export async function pendingDeprovisionOf(tx: Queryable, serialNumber: string): Promise<Deprovision | null> {
  const rows = await tx.query<DeprovisionRow>(`SELECT ${DEPROVISION_COLUMNS} FROM deprovisions WHERE serial_number = $1 AND state = 'pending'`, [serialNumber]);
  return rows[0] === undefined ? null : toDeprovision(rows[0]);
}

const when = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Requests the deprovision of one device. With `options.id` (benches choose ids so they can link
 * their wipe jobs before the server answers) a second call with the same id answers the
 * deprovision already made: retries change nothing.
 */
export async function requestDeprovision(tx: Queryable, actor: Actor, request: SingleDeprovision, options: { id?: string; at: Date }): Promise<DeprovisionOutcome> {
  const { serialNumber } = request;
  await lockChanges(tx);
  if (options.id !== undefined) {
    const existing = await deprovisionById(tx, options.id);
    if (existing !== null) {
      if (existing.serialNumber === serialNumber) return { serialNumber, deprovision: existing, refused: null };
      return refused(serialNumber, 'deprovision-id-taken', `The deprovision id ${options.id} already belongs to device ${existing.serialNumber}.`, 'Send a new id (a random UUID) for this device.');
    }
  }
  const [device] = await tx.query<{ status: DeviceStatus; ownership: Ownership }>('SELECT status, ownership FROM devices WHERE serial_number = $1 FOR UPDATE', [serialNumber]);
  if (device === undefined) {
    return refused(serialNumber, 'unknown-device', `There is no device ${serialNumber} in the inventory.`, 'Check the serial number (serial numbers are case-sensitive) or search the inventory.');
  }
  const pending = await pendingDeprovisionOf(tx, serialNumber);
  if (pending !== null) {
    return refused(
      serialNumber,
      'deprovision-pending',
      `Device ${serialNumber} already has a deprovision pending, requested ${when(pending.requestedAt)} by ${pending.requestedBy} (${DEPROVISION_REASON_LABELS[pending.reason]}).`,
      `Wait until the device is wiped (a bench reports the wipe, or the device checks out of management) or have an admin complete it (POST /deprovisions/${pending.id}/complete), then try again.`,
    );
  }
  if (device.status === 'retired') {
    return refused(serialNumber, 'already-retired', `Device ${serialNumber} is already Retired: there is nothing left to deprovision.`, 'Pick devices that are still in use; a retired device stays on record as it is.');
  }
  const wipe = wipeFor(request.reason, device.ownership, request.wipe);
  if (wipe === null) {
    return refused(serialNumber, 'wipe-required', 'With reason "Other" the kind of wipe must be chosen.', 'Choose a full wipe or a corporate-data wipe (wipe: "full" or "corporate-data").');
  }
  const note = request.note?.trim() || null;
  if (request.reason === 'other' && note === null) {
    return refused(serialNumber, 'note-required', 'With reason "Other" the reason must be written down.', 'Describe why the device is deprovisioned (note).');
  }

  const toStatus = statusAfterDeprovision(request.reason, device.ownership);
  const id = options.id ?? randomUUID();
  const deviceInfo = request.deviceInfo ?? null;
  const [row] = await tx.query<DeprovisionRow>(
    `INSERT INTO deprovisions (id, serial_number, reason, note, wipe, request_info, device_info, to_status, state, requested_by, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, 'pending', $9, $10) RETURNING ${DEPROVISION_COLUMNS}`,
    [id, serialNumber, request.reason, note, wipe, request.requestInfo, deviceInfo === null ? null : JSON.stringify(deviceInfo), toStatus, actor.label, options.at],
  );
  await tx.query(
    `UPDATE devices SET status = $2, purge_after = $3, revision = revision + 1, updated_at = $4, change_seq = ${NEXT_CHANGE} WHERE serial_number = $1`,
    [serialNumber, toStatus, purgeAfter(toStatus, device.ownership, options.at), options.at],
  );
  const details = [DEPROVISION_REASON_LABELS[request.reason], WIPE_LABELS[wipe]];
  if (note !== null) details.push(note);
  if (request.requestInfo) details.push(deviceInfo === null ? 'device information requested' : 'device information read at the bench');
  if (request.reason === 'retire') {
    // The Apple integration (a later issue) works this queue: a retired device leaves the organisation's DEP/ABM account.
    await tx.query("INSERT INTO apple_queue (action, serial_number, deprovision_id, queued_at, detail) VALUES ('dep.unassign', $1, $2, $3, $4)", [serialNumber, id, options.at, `retired by ${actor.label}`]);
    details.push('unassignment from DEP/ABM queued');
  }
  await appendHistory(tx, { serialNumber, at: options.at, kind: 'deprovision-requested', actor: actor.label, fromStatus: device.status, toStatus, detail: details.join('; ') });
  return { serialNumber, deprovision: toDeprovision(row!), refused: null };
}

/**
 * Marks a pending deprovision completed with how (`completion`, e.g. "device checked out").
 * Resolves to the deprovision, or null when there is no such deprovision; one already completed
 * is answered as it is (a repeated confirmation changes nothing).
 */
export async function completeDeprovision(tx: Queryable, actor: Actor, id: string, completion: string, at: Date): Promise<Deprovision | null> {
  await lockChanges(tx);
  const existing = await deprovisionById(tx, id);
  if (existing === null || existing.state === 'completed') return existing;
  const [row] = await tx.query<DeprovisionRow>(
    `UPDATE deprovisions SET state = 'completed', completed_at = $2, completion = $3 WHERE id = $1 RETURNING ${DEPROVISION_COLUMNS}`,
    [id, at, completion],
  );
  await tx.query(`UPDATE devices SET revision = revision + 1, updated_at = $2, change_seq = ${NEXT_CHANGE} WHERE serial_number = $1`, [existing.serialNumber, at]);
  await appendHistory(tx, {
    serialNumber: existing.serialNumber,
    at,
    kind: 'deprovision-completed',
    actor: actor.label,
    fromStatus: existing.toStatus,
    toStatus: existing.toStatus,
    detail: `${completion} (${DEVICE_STATUS_LABELS[existing.toStatus]})`,
  });
  return toDeprovision(row!);
}

/** When information was requested and nobody read it yet, the device's first answer fills it in. */
export async function fillRequestedInfo(tx: Queryable, serialNumber: string, info: Record<string, string | null>): Promise<boolean> {
  const rows = await tx.query(
    "UPDATE deprovisions SET device_info = $2::jsonb WHERE serial_number = $1 AND state = 'pending' AND request_info AND device_info IS NULL RETURNING id",
    [serialNumber, JSON.stringify(info)],
  );
  return rows.length > 0;
}

export async function listDeprovisions(q: Queryable, state: Deprovision['state'] | undefined, limit: number): Promise<Deprovision[]> {
  const rows = await q.query<DeprovisionRow>(
    `SELECT ${DEPROVISION_COLUMNS} FROM deprovisions WHERE $1::text IS NULL OR state = $1 ORDER BY requested_at DESC, id LIMIT $2`,
    [state ?? null, limit],
  );
  return rows.map(toDeprovision);
}
