/**
 * Apple's MDM check-in (issue #5 part 6): what each message does to the inventory. The route
 * (server/routes/checkin.ts) parses the plist and turns refusals into HTTP answers; here each
 * message runs in one transaction, and a refusal is an answer (so its history entry is kept).
 *
 * - Authenticate (UDID, SerialNumber, …) asks whether the device may enroll: refused when
 *   "pre-approved devices only" is on and the serial is not on the list, or when no license is
 *   free for a device that holds none. A device the inventory does not know (setting off) gets a
 *   record, not on the pre-approved list, status Pre-approved ("known, not enrolled yet") and
 *   ownership personal: the check-in does not say, and personal is the safe guess (a later
 *   deprovision then removes only corporate data; pre-approving the device corrects it).
 * - TokenUpdate (UDID, push token…) means enrolled: Enrolled from Pre-approved, In service, In
 *   stock or Unenrolled; a device with a deprovision pending or Retired keeps its status. The
 *   push token, PushMagic and UnlockToken are not stored: this server sends no MDM commands
 *   yet, and an UnlockToken (it clears the passcode) kept unused is only a liability.
 * - CheckOut (UDID) means the device left management: it completes a pending deprovision
 *   ("device checked out", the status stays the deprovision's), otherwise Enrolled → Unenrolled.
 */
import type { Database, Queryable } from '../db/database.js';
import { platformOfProductType } from '../../core/contract/deprovision-rules.js';
import { DEVICE_STATUS_LABELS, type DeviceStatus } from '../../core/contract/server-wire.js';
import { getSetting, PREAPPROVED_ONLY } from '../store/settings.js';
import { DEVICE_ACTOR } from './actor.js';
import { lockChanges, NEXT_CHANGE } from './changes.js';
import { completeDeprovision, fillRequestedInfo, pendingDeprovisionOf } from './deprovisions.js';
import { appendHistory } from './history.js';
import { holdsLicense, licenseUsage } from './licenses.js';

export type CheckinMessage = Readonly<Record<string, unknown>>;

export type CheckinOutcome =
  | { readonly ok: true; readonly serialNumber: string | null; readonly event: string }
  | { readonly ok: false; readonly status: 400 | 401; readonly code: string; readonly message: string; readonly hint: string; readonly serialNumber: string | null };

export const CHECKIN_MESSAGE_TYPES = ['Authenticate', 'TokenUpdate', 'CheckOut'] as const;

const text = (message: CheckinMessage, key: string): string | null => {
  const value = message[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
};

const missing = (type: string, keys: string[]): CheckinOutcome => ({
  ok: false,
  status: 400,
  code: 'checkin-incomplete',
  message: `The ${type} check-in lacks ${keys.join(' and ')}.`,
  hint: 'A device sends these itself; check what sits between the device and this server.',
  serialNumber: null,
});

export async function handleCheckin(db: Database, message: CheckinMessage, at: Date): Promise<CheckinOutcome> {
  const type = message['MessageType'];
  if (type === 'Authenticate') return db.transaction((tx) => authenticate(tx, message, at));
  if (type === 'TokenUpdate') return db.transaction((tx) => tokenUpdate(tx, message, at));
  if (type === 'CheckOut') return db.transaction((tx) => checkOut(tx, message, at));
  return {
    ok: false,
    status: 400,
    code: 'checkin-unknown-message',
    message: typeof type === 'string' ? `The check-in message type "${type}" is not one this server handles.` : 'The check-in has no MessageType.',
    hint: `This server handles ${CHECKIN_MESSAGE_TYPES.join(', ')}; the MDM commands endpoint is not part of it.`,
    serialNumber: null,
  };
}

interface DeviceRow extends Record<string, unknown> {
  serial_number: string;
  status: DeviceStatus;
  preapproved: boolean;
}

async function authenticate(tx: Queryable, message: CheckinMessage, at: Date): Promise<CheckinOutcome> {
  const udid = text(message, 'UDID');
  const serialNumber = text(message, 'SerialNumber');
  if (udid === null || serialNumber === null) return missing('Authenticate', [udid === null ? 'UDID' : '', serialNumber === null ? 'SerialNumber' : ''].filter(Boolean));
  await lockChanges(tx);
  const [device] = await tx.query<DeviceRow>('SELECT serial_number, status, preapproved FROM devices WHERE serial_number = $1 FOR UPDATE', [serialNumber]);
  const refuse = async (code: string, why: string, hint: string): Promise<CheckinOutcome> => {
    if (device !== undefined) {
      await appendHistory(tx, { serialNumber, at, kind: 'checkin-refused', actor: DEVICE_ACTOR.label, fromStatus: device.status, toStatus: device.status, detail: `${why} (UDID ${udid})` });
    }
    return { ok: false, status: 401, code, message: `Enrollment of device ${serialNumber} refused: ${why}.`, hint, serialNumber };
  };

  if ((await getSetting(tx, PREAPPROVED_ONLY, false)) && device?.preapproved !== true) {
    return refuse('not-preapproved', 'it is not on the pre-approved list and "pre-approved devices only" is on', 'Add the device to the pre-approved list (CSV import or a bench), or turn "pre-approved devices only" off (PUT /settings/enrollment).');
  }
  if (device === undefined || !holdsLicense(device.status)) {
    const licenses = await licenseUsage(tx);
    if (licenses.available === 0) {
      return refuse('no-license', `no license is free (${licenses.used} of ${licenses.total} in use)`, 'Deprovision a device that is no longer used, or raise the number of licenses (PUT /settings/licenses).');
    }
  }

  const identity = { productType: text(message, 'ProductType'), productVersion: text(message, 'OSVersion'), deviceName: text(message, 'DeviceName') };
  if (device === undefined) {
    const platform = platformOfProductType(identity.productType) ?? 'ios';
    await tx.query(
      `INSERT INTO devices (serial_number, udid, product_type, product_version, device_name, platform, ownership, status, preapproved, last_checkin_at, created_at, updated_at, change_seq)
       VALUES ($1, $2, $3, $4, $5, $6, 'personal', 'pre-approved', false, $7, $7, $7, ${NEXT_CHANGE})`,
      [serialNumber, udid, identity.productType, identity.productVersion, identity.deviceName, platform, at],
    );
    await appendHistory(tx, { serialNumber, at, kind: 'authenticated', actor: DEVICE_ACTOR.label, fromStatus: null, toStatus: 'pre-approved', detail: `first check-in (UDID ${udid}); not on the pre-approved list, recorded as personal` });
  } else {
    await tx.query(
      `UPDATE devices SET udid = $2, product_type = coalesce($3, product_type), product_version = coalesce($4, product_version), device_name = coalesce($5, device_name),
         last_checkin_at = $6, revision = revision + 1, updated_at = $6, change_seq = ${NEXT_CHANGE} WHERE serial_number = $1`,
      [serialNumber, udid, identity.productType, identity.productVersion, identity.deviceName, at],
    );
    await appendHistory(tx, { serialNumber, at, kind: 'authenticated', actor: DEVICE_ACTOR.label, fromStatus: device.status, toStatus: device.status, detail: `UDID ${udid}` });
  }
  await fillRequestedInfo(tx, serialNumber, { serialNumber, udid, ecid: null, ...identity });
  return { ok: true, serialNumber, event: 'authenticated' };
}

const ENROLLS_FROM: readonly DeviceStatus[] = ['pre-approved', 'in-service', 'in-stock', 'unenrolled'];

async function deviceByUdid(tx: Queryable, udid: string): Promise<DeviceRow | undefined> {
  const [device] = await tx.query<DeviceRow>('SELECT serial_number, status, preapproved FROM devices WHERE udid = $1 ORDER BY updated_at DESC LIMIT 1 FOR UPDATE', [udid]);
  return device;
}

async function tokenUpdate(tx: Queryable, message: CheckinMessage, at: Date): Promise<CheckinOutcome> {
  const udid = text(message, 'UDID');
  if (udid === null) return missing('TokenUpdate', ['UDID']);
  await lockChanges(tx);
  const device = await deviceByUdid(tx, udid);
  if (device === undefined) {
    return { ok: false, status: 401, code: 'not-authenticated', message: `No device with UDID ${udid} has authenticated with this server.`, hint: 'Enroll the device again: it must send Authenticate before TokenUpdate.', serialNumber: null };
  }
  const serialNumber = device.serial_number;
  const pending = await pendingDeprovisionOf(tx, serialNumber);
  const enrolls = pending === null && ENROLLS_FROM.includes(device.status);
  await tx.query(
    `UPDATE devices SET status = $2, enrolled_at = CASE WHEN $3 THEN $4 ELSE enrolled_at END, purge_after = CASE WHEN $3 THEN NULL ELSE purge_after END,
       last_checkin_at = $4, revision = revision + 1, updated_at = $4, change_seq = ${NEXT_CHANGE} WHERE serial_number = $1`,
    [serialNumber, enrolls ? 'enrolled' : device.status, enrolls, at],
  );
  const why = pending !== null ? `deprovision pending: status stays ${DEVICE_STATUS_LABELS[device.status]}` : device.status === 'enrolled' ? 'push token renewed' : `status stays ${DEVICE_STATUS_LABELS[device.status]}`;
  await appendHistory(tx, {
    serialNumber, at, kind: enrolls ? 'enrolled' : 'token-updated', actor: DEVICE_ACTOR.label, fromStatus: device.status, toStatus: enrolls ? 'enrolled' : device.status,
    detail: enrolls ? `enrolled in management (UDID ${udid})` : why,
  });
  return { ok: true, serialNumber, event: enrolls ? 'enrolled' : 'token-updated' };
}

async function checkOut(tx: Queryable, message: CheckinMessage, at: Date): Promise<CheckinOutcome> {
  const udid = text(message, 'UDID');
  if (udid === null) return missing('CheckOut', ['UDID']);
  await lockChanges(tx);
  const device = await deviceByUdid(tx, udid);
  // A device this server never met leaving management: nothing to record, and nothing to refuse.
  if (device === undefined) return { ok: true, serialNumber: null, event: 'checked-out-unknown' };
  const serialNumber = device.serial_number;
  const pending = await pendingDeprovisionOf(tx, serialNumber);
  const unenrolls = pending === null && device.status === 'enrolled';
  await tx.query(
    `UPDATE devices SET status = $2, last_checkin_at = $3, revision = revision + 1, updated_at = $3, change_seq = ${NEXT_CHANGE} WHERE serial_number = $1`,
    [serialNumber, unenrolls ? 'unenrolled' : device.status, at],
  );
  await appendHistory(tx, {
    serialNumber, at, kind: 'checked-out', actor: DEVICE_ACTOR.label, fromStatus: device.status, toStatus: unenrolls ? 'unenrolled' : device.status,
    detail: pending !== null ? 'left management: completes the pending deprovision' : unenrolls ? 'left management' : `left management; status stays ${DEVICE_STATUS_LABELS[device.status]}`,
  });
  if (pending !== null) await completeDeprovision(tx, DEVICE_ACTOR, pending.id, 'device checked out', at);
  return { ok: true, serialNumber, event: 'checked-out' };
}
