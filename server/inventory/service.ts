/**
 * The inventory's operations that both the HTTP routes and bench sync (server/sync) call, each
 * inside the caller's transaction. Every one that changes something takes the change feed's lock
 * itself (lockChanges) and writes the device's history in the same transaction.
 */
import type { z } from 'zod';
import type { Queryable } from '../db/database.js';
import type { DeviceObservedSchema, DeviceStatus, JobFinishedSchema, Preapprove } from '../../core/contract/server-wire.js';
import type { Actor } from './actor.js';
import { lockChanges, NEXT_CHANGE } from './changes.js';
import { completeDeprovision, fillRequestedInfo } from './deprovisions.js';
import { appendHistory } from './history.js';

export type { Actor } from './actor.js';
export { CHANGE_LOCK, changesSince, lockChanges } from './changes.js';
export { requestDeprovision, type SingleDeprovision } from './deprovisions.js';
export { loadDevices } from './records.js';

type DeviceObserved = z.infer<typeof DeviceObservedSchema>;
type JobFinished = z.infer<typeof JobFinishedSchema>;

const IDENTITY = ['udid', 'ecid', 'productType', 'productVersion', 'deviceName', 'platform'] as const;

interface IdentityRow extends Record<string, unknown> {
  udid: string | null;
  ecid: string | null;
  product_type: string | null;
  product_version: string | null;
  device_name: string | null;
  platform: DeviceObserved['platform'];
  first_observed_at: Date | string | null;
  status: DeviceStatus;
}

/**
 * A bench saw a device tethered. Only a device the inventory knows (pre-approved, or met at an
 * MDM check-in) is updated: a bench meets every device put on it, spare parts and visitors'
 * phones included, and the inventory is the organisation's list, not a log of cables. An
 * unknown serial therefore changes nothing (the bench's own audit log keeps the sighting).
 * History gets an entry the first time a bench sees the device and whenever its identity
 * changes (a new UDID after a repair, a new OS version, a rename); the same identity again writes nothing.
 */
const SELECT_IDENTITY = 'SELECT udid, ecid, product_type, product_version, device_name, platform, first_observed_at, status FROM devices WHERE serial_number = $1';

/** What an observation would change in the record: nothing (empty, not first) is the common case. */
function observedChanges(row: IdentityRow, device: DeviceObserved): { before: Record<(typeof IDENTITY)[number], string | null>; changed: (typeof IDENTITY)[number][]; first: boolean } {
  const before: Record<(typeof IDENTITY)[number], string | null> = {
    udid: row.udid, ecid: row.ecid, productType: row.product_type, productVersion: row.product_version, deviceName: row.device_name, platform: row.platform,
  };
  // A bench that could not read a value (null) does not erase what is known.
  return { before, changed: IDENTITY.filter((key) => device[key] !== null && device[key] !== before[key]), first: row.first_observed_at === null };
}

export async function observeDevice(tx: Queryable, actor: Actor, device: DeviceObserved, at: Date): Promise<void> {
  // Most observations change nothing (the same device on another cable): decide that without the
  // change lock, which every inventory writer waits for; take it only to write, then read again.
  const [seen] = await tx.query<IdentityRow>(SELECT_IDENTITY, [device.serialNumber]);
  if (seen === undefined) return;
  const unchanged = observedChanges(seen, device);
  if (unchanged.changed.length === 0 && !unchanged.first) return;
  await lockChanges(tx);
  const [row] = await tx.query<IdentityRow>(`${SELECT_IDENTITY} FOR UPDATE`, [device.serialNumber]);
  if (row === undefined) return;
  const { before, changed, first } = observedChanges(row, device);
  if (changed.length === 0 && !first) return;
  await tx.query(
    `UPDATE devices SET udid = coalesce($2, udid), ecid = coalesce($3, ecid), product_type = coalesce($4, product_type), product_version = coalesce($5, product_version),
       device_name = coalesce($6, device_name), platform = $7, first_observed_at = coalesce(first_observed_at, $8),
       revision = revision + 1, updated_at = $8, change_seq = ${NEXT_CHANGE}
     WHERE serial_number = $1`,
    [device.serialNumber, device.udid, device.ecid, device.productType, device.productVersion, device.deviceName, device.platform, at],
  );
  const detail = first
    ? `first seen at a bench: ${describeIdentity(device)}`
    : `identity changed: ${changed.map((key) => `${key} ${before[key] ?? '(none)'} → ${device[key]}`).join(', ')}`;
  await appendHistory(tx, { serialNumber: device.serialNumber, at, kind: 'observed', actor: actor.label, fromStatus: row.status, toStatus: row.status, detail });
  await fillRequestedInfo(tx, device.serialNumber, identityInfo(device));
}

const describeIdentity = (device: DeviceObserved): string =>
  [device.productType, device.productVersion && `OS ${device.productVersion}`, device.udid && `UDID ${device.udid}`].filter(Boolean).join(', ') || device.platform;

/** The device information a deprovision records when it was asked for. */
const identityInfo = (device: Partial<DeviceObserved>): Record<string, string | null> => ({
  serialNumber: device.serialNumber ?? null,
  udid: device.udid ?? null,
  ecid: device.ecid ?? null,
  productType: device.productType ?? null,
  productVersion: device.productVersion ?? null,
  deviceName: device.deviceName ?? null,
});

/**
 * Puts one device on the pre-approved list (a bench's "add"; the CSV import does many at once):
 * its user is created or renamed, the device created as Pre-approved, or an existing device put
 * on the list with the given details while keeping its status (an enrolled device stays enrolled).
 */
export async function preapproveDevice(tx: Queryable, actor: Actor, device: Preapprove, at: Date): Promise<void> {
  await lockChanges(tx);
  await tx.query(
    `INSERT INTO device_users (email, name, created_at, updated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (email) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at WHERE device_users.name IS DISTINCT FROM excluded.name`,
    [device.user.email, device.user.name, at],
  );
  const [existing] = await tx.query<{ status: DeviceStatus; platform: string; ownership: string; device_name: string | null; user_email: string | null; preapproved: boolean }>(
    'SELECT status, platform, ownership, device_name, user_email, preapproved FROM devices WHERE serial_number = $1 FOR UPDATE',
    [device.serialNumber],
  );
  const who = `for ${device.user.name} <${device.user.email}>, ${device.ownership}, ${device.platform}`;
  if (existing === undefined) {
    await tx.query(
      `INSERT INTO devices (serial_number, device_name, platform, ownership, user_email, status, preapproved, created_at, updated_at, change_seq)
       VALUES ($1, $2, $3, $4, $5, 'pre-approved', true, $6, $6, ${NEXT_CHANGE})`,
      [device.serialNumber, device.deviceName, device.platform, device.ownership, device.user.email, at],
    );
    await appendHistory(tx, { serialNumber: device.serialNumber, at, kind: 'preapproved', actor: actor.label, fromStatus: null, toStatus: 'pre-approved', detail: `added to the pre-approved list ${who}` });
    return;
  }
  const deviceName = device.deviceName ?? existing.device_name;
  const same = existing.preapproved && existing.platform === device.platform && existing.ownership === device.ownership && existing.device_name === deviceName && existing.user_email === device.user.email;
  if (same) return;
  await tx.query(
    `UPDATE devices SET device_name = $2, platform = $3, ownership = $4, user_email = $5, preapproved = true, revision = revision + 1, updated_at = $6, change_seq = ${NEXT_CHANGE}
     WHERE serial_number = $1`,
    [device.serialNumber, deviceName, device.platform, device.ownership, device.user.email, at],
  );
  await appendHistory(tx, {
    serialNumber: device.serialNumber, at, kind: 'preapproved', actor: actor.label, fromStatus: existing.status, toStatus: existing.status,
    detail: `${existing.preapproved ? 'pre-approved details updated' : 'put on the pre-approved list'} ${who}`,
  });
}

/**
 * A job ended at a bench: an entry in the device's history (when the inventory knows the device,
 * by serial number or else by UDID). A succeeded job that wiped the device for a deprovision
 * (job.deprovisionId) completes that deprovision.
 */
export async function recordJobFinished(tx: Queryable, actor: Actor, job: JobFinished, at: Date): Promise<void> {
  // A history entry draws no change number, so no change lock here; completing a deprovision takes it itself.
  const [device] = await tx.query<{ serial_number: string; status: DeviceStatus }>(
    job.serialNumber !== null ? 'SELECT serial_number, status FROM devices WHERE serial_number = $1' : 'SELECT serial_number, status FROM devices WHERE udid = $1 LIMIT 1',
    [job.serialNumber ?? job.udid],
  );
  if (device !== undefined) {
    const outcome = job.state === 'failed' && job.errorMessage ? `failed: ${job.errorMessage}` : job.state;
    await appendHistory(tx, {
      serialNumber: device.serial_number, at: new Date(job.finishedAt), kind: 'job-finished', actor: actor.label, fromStatus: device.status, toStatus: device.status,
      detail: `${job.workflowId} ${outcome} (job ${job.jobId}, technician ${job.technician}${job.reason ? `, reason: ${job.reason}` : ''})`,
    });
  }
  if (job.deprovisionId !== null && job.state === 'succeeded') {
    await completeDeprovision(tx, actor, job.deprovisionId, `wiped at ${actor.label}, job ${job.jobId}`, at);
  }
}
