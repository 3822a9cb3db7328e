/** Reading inventory records as the wire's InventoryDevice (with the pending deprovision, if any). */
import type { Queryable } from '../db/database.js';
import type { Deprovision, DeviceStatus, InventoryDevice, Ownership, Platform } from '../../core/contract/server-wire.js';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export interface DeprovisionRow extends Record<string, unknown> {
  id: string;
  serial_number: string;
  reason: Deprovision['reason'];
  note: string | null;
  wipe: Deprovision['wipe'];
  request_info: boolean;
  device_info: Record<string, string | null> | null;
  to_status: DeviceStatus;
  state: Deprovision['state'];
  requested_by: string;
  requested_at: Date | string;
  completed_at: Date | string | null;
  completion: string | null;
}

export const DEPROVISION_COLUMNS = 'id, serial_number, reason, note, wipe, request_info, device_info, to_status, state, requested_by, requested_at, completed_at, completion';

export const toDeprovision = (row: DeprovisionRow): Deprovision => ({
  id: row.id,
  serialNumber: row.serial_number,
  reason: row.reason,
  note: row.note,
  wipe: row.wipe,
  requestInfo: row.request_info,
  deviceInfo: row.device_info,
  toStatus: row.to_status,
  state: row.state,
  requestedBy: row.requested_by,
  requestedAt: iso(row.requested_at)!,
  completedAt: iso(row.completed_at),
  completion: row.completion,
});

interface DeviceRow extends Record<string, unknown> {
  serial_number: string;
  udid: string | null;
  ecid: string | null;
  product_type: string | null;
  product_version: string | null;
  device_name: string | null;
  platform: Platform;
  ownership: Ownership;
  user_email: string | null;
  user_name: string | null;
  status: DeviceStatus;
  preapproved: boolean;
  enrolled_at: Date | string | null;
  last_checkin_at: Date | string | null;
  purge_after: Date | string | null;
  revision: number;
  updated_at: Date | string;
  pending: DeprovisionRow | null;
}

/** The select every read shares: the device, its user's name, its pending deprovision as JSON. */
export const SELECT_DEVICES = `SELECT d.serial_number, d.udid, d.ecid, d.product_type, d.product_version, d.device_name, d.platform, d.ownership,
    d.user_email, u.name AS user_name, d.status, d.preapproved, d.enrolled_at, d.last_checkin_at, d.purge_after, d.revision, d.updated_at,
    (SELECT to_jsonb(p) FROM (SELECT ${DEPROVISION_COLUMNS} FROM deprovisions WHERE serial_number = d.serial_number AND state = 'pending') AS p) AS pending
  FROM devices d LEFT JOIN device_users u ON u.email = d.user_email`;

export const toInventoryDevice = (row: DeviceRow): InventoryDevice => ({
  serialNumber: row.serial_number,
  udid: row.udid,
  ecid: row.ecid,
  productType: row.product_type,
  productVersion: row.product_version,
  deviceName: row.device_name,
  platform: row.platform,
  ownership: row.ownership,
  userEmail: row.user_email,
  userName: row.user_name,
  status: row.status,
  preapproved: row.preapproved,
  enrolledAt: iso(row.enrolled_at),
  lastCheckInAt: iso(row.last_checkin_at),
  purgeAfter: iso(row.purge_after),
  pendingDeprovision: row.pending === null ? null : toDeprovision(row.pending),
  revision: Number(row.revision),
  updatedAt: iso(row.updated_at)!,
});

/** The records of these serial numbers that exist, in serial-number order. */
export async function loadDevices(q: Queryable, serialNumbers: readonly string[]): Promise<InventoryDevice[]> {
  if (serialNumbers.length === 0) return [];
  const rows = await q.query<DeviceRow>(`${SELECT_DEVICES} WHERE d.serial_number = ANY($1::text[]) ORDER BY d.serial_number COLLATE "C"`, [[...serialNumbers]]);
  return rows.map(toInventoryDevice);
}

export async function loadDevice(q: Queryable, serialNumber: string): Promise<InventoryDevice | null> {
  return (await loadDevices(q, [serialNumber]))[0] ?? null;
}

export interface InventoryQuery {
  search?: string;
  statuses?: readonly DeviceStatus[];
  offset: number;
  limit: number;
}

/**
 * A page of the inventory in serial-number order. `search` matches part of a serial number
 * exactly (serials are case-sensitive), or part of the email, user name or device name whatever its case.
 */
export async function searchInventory(q: Queryable, query: InventoryQuery): Promise<{ total: number; devices: InventoryDevice[] }> {
  const search = query.search?.trim() || null;
  const statuses = query.statuses && query.statuses.length > 0 ? [...query.statuses] : null;
  const where = `WHERE ($1::text IS NULL OR strpos(d.serial_number, $1::text) > 0 OR strpos(lower(coalesce(d.user_email, '')), lower($1::text)) > 0
      OR strpos(lower(coalesce(u.name, '')), lower($1::text)) > 0 OR strpos(lower(coalesce(d.device_name, '')), lower($1::text)) > 0)
    AND ($2::text[] IS NULL OR d.status = ANY($2::text[]))`;
  const [count] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices d LEFT JOIN device_users u ON u.email = d.user_email ${where}`, [search, statuses]);
  const rows = await q.query<DeviceRow>(`${SELECT_DEVICES} ${where} ORDER BY d.serial_number COLLATE "C" LIMIT $3 OFFSET $4`, [search, statuses, query.limit, query.offset]);
  return { total: Number(count?.n ?? 0), devices: rows.map(toInventoryDevice) };
}
