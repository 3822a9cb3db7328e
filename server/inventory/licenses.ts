/**
 * Licenses: how many devices may be under management at once (setting licenses.total; null:
 * unlimited). A device holds a license while Enrolled or Unenrolled (an unenrolled device still
 * counts until it is deprovisioned: the seeds release the license with the deprovision).
 */
import type { Queryable } from '../db/database.js';
import type { DeviceStatus } from '../../core/contract/server-wire.js';
import { getSetting, LICENSES_TOTAL } from '../store/settings.js';

export const LICENSED_STATUSES: readonly DeviceStatus[] = ['enrolled', 'unenrolled'];

export const holdsLicense = (status: DeviceStatus): boolean => LICENSED_STATUSES.includes(status);

export interface LicenseUsage {
  total: number | null;
  used: number;
  /** null when unlimited; never below 0 (a total lowered under the count in use leaves 0). */
  available: number | null;
}

export async function licenseUsage(q: Queryable): Promise<LicenseUsage> {
  const total = await getSetting<number | null>(q, LICENSES_TOTAL, null);
  const [row] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM devices WHERE status = ANY($1::text[])', [[...LICENSED_STATUSES]]);
  const used = Number(row?.n ?? 0);
  return { total, used, available: total === null ? null : Math.max(0, total - used) };
}
