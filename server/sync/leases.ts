/**
 * Per-device leases (migration 004): one bench at a time runs destructive jobs on a device.
 * A lease is granted when the device is free, its lease expired, or the caller's own job holds
 * it (renewal); taking it is one INSERT … ON CONFLICT DO UPDATE … WHERE, so of benches racing
 * for one device exactly one gets a row back. A lease held by a revoked bench counts as free:
 * that bench can never finish or release it.
 */
import { LEASE_HELD, type Lease } from '../../core/contract/server-wire.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../errors.js';

interface LeaseRow extends Record<string, unknown> {
  serial_number: string;
  bench_id: string;
  bench_name: string;
  job_id: string;
  acquired_at: Date | string;
  expires_at: Date | string;
}

const toLease = (row: LeaseRow): Lease => ({
  serialNumber: row.serial_number,
  benchId: row.bench_id,
  benchName: row.bench_name,
  jobId: row.job_id,
  acquiredAt: new Date(row.acquired_at).toISOString(),
  expiresAt: new Date(row.expires_at).toISOString(),
});

const WITH_BENCH = 'SELECT l.*, b.name AS bench_name FROM leases l JOIN benches b ON b.id = l.bench_id';

export function leaseHeld(lease: Lease): ApiError {
  return new ApiError(
    409,
    LEASE_HELD,
    `${lease.serialNumber} is being worked on at bench ${lease.benchName} (job ${lease.jobId}) until ${lease.expiresAt}.`,
    `Finish or cancel the job there first, or wait for it to end; a bench that went away loses the lease at ${lease.expiresAt}.`,
  );
}

async function currentLease(q: Queryable, serialNumber: string, now: Date): Promise<Lease | undefined> {
  const rows = await q.query<LeaseRow>(`${WITH_BENCH} WHERE l.serial_number = $1 AND l.expires_at > $2 AND b.revoked_at IS NULL`, [serialNumber, now]);
  return rows[0] && toLease(rows[0]);
}

export interface LeaseClaim {
  readonly serialNumber: string;
  readonly benchId: string;
  readonly jobId: string;
  readonly ttlSeconds: number;
}

/** Grants or renews the lease, or throws 409 `lease-held` naming the bench and job that hold it. */
export async function acquireLease(q: Queryable, claim: LeaseClaim, now: Date): Promise<Lease> {
  const expiresAt = new Date(now.getTime() + claim.ttlSeconds * 1000);
  // A few rounds at most: the holder's lease may end between the refused upsert and reading who holds it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const granted = await q.query<LeaseRow>(
      `WITH granted AS (
       INSERT INTO leases AS l (serial_number, bench_id, job_id, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (serial_number) DO UPDATE SET
         acquired_at = CASE WHEN l.bench_id = excluded.bench_id AND l.job_id = excluded.job_id AND l.expires_at > $4 THEN l.acquired_at ELSE excluded.acquired_at END,
         bench_id = excluded.bench_id, job_id = excluded.job_id, expires_at = excluded.expires_at
       WHERE l.expires_at <= $4
          OR (l.bench_id = excluded.bench_id AND l.job_id = excluded.job_id)
          OR l.bench_id IN (SELECT id FROM benches WHERE revoked_at IS NOT NULL)
       RETURNING l.*)
       SELECT granted.*, b.name AS bench_name FROM granted JOIN benches b ON b.id = granted.bench_id`,
      [claim.serialNumber, claim.benchId, claim.jobId, now, expiresAt],
    );
    if (granted[0]) return toLease(granted[0]);
    const holder = await currentLease(q, claim.serialNumber, now);
    if (holder) throw leaseHeld(holder);
  }
  throw new ApiError(503, 'lease-contended', `The lease on ${claim.serialNumber} changed hands repeatedly while it was being taken.`, 'Try again in a moment.');
}

/**
 * Releases the caller's lease. Releasing one that is not there (released before, expired) is
 * fine; another bench's or another job's live lease is refused with 409 naming it.
 */
export async function releaseLease(q: Queryable, release: { serialNumber: string; benchId: string; jobId: string }, now: Date): Promise<void> {
  const deleted = await q.query('DELETE FROM leases WHERE serial_number = $1 AND bench_id = $2 AND job_id = $3 RETURNING serial_number', [release.serialNumber, release.benchId, release.jobId]);
  if (deleted.length > 0) return;
  const holder = await currentLease(q, release.serialNumber, now);
  if (holder) throw leaseHeld(holder);
}

/** Leases in force, soonest to expire first. */
export async function activeLeases(q: Queryable, now: Date): Promise<Lease[]> {
  const rows = await q.query<LeaseRow>(`${WITH_BENCH} WHERE l.expires_at > $1 AND b.revoked_at IS NULL ORDER BY l.expires_at, l.serial_number`, [now]);
  return rows.map(toLease);
}
