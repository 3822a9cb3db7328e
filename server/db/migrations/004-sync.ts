import type { Migration } from './migration.js';

/**
 * Bench sync (issue #5 part 7): what makes a bench's pushes take effect exactly once, the
 * per-device leases that keep two benches from running destructive jobs on one device, and
 * the server's copy of each bench's hash-chained audit log.
 *
 * - `sync_receipts`: one row per event a bench ever pushed, keyed by (bench, idempotency key),
 *   written in the transaction that applies the event. A retried event finds its receipt and is
 *   answered as the first time (`duplicate` with the stored status and error), nothing applied
 *   again. Rejected events keep their receipt too, so a retry gets the same answer.
 * - `leases`: at most one holder per serial number (the primary key is what makes two benches
 *   racing for one device end with one holder). An expired row is as good as none.
 * - `bench_audit`: the bench's audit records as it hashed them. `at` is kept as the exact text
 *   the bench hashed (a timestamptz would normalise it and the hash could no longer be checked).
 *   Benches are revoked, never deleted, so their records stay (no cascade).
 */
export const migration004: Migration = {
  version: 4,
  name: 'sync',
  sql: `
    CREATE TABLE sync_receipts (
      bench_id uuid NOT NULL REFERENCES benches (id),
      key text NOT NULL,
      event_type text NOT NULL,
      status text NOT NULL CHECK (status IN ('applied', 'rejected')),
      error jsonb,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (bench_id, key)
    );

    CREATE TABLE leases (
      serial_number text PRIMARY KEY,
      bench_id uuid NOT NULL REFERENCES benches (id),
      job_id text NOT NULL,
      acquired_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX leases_by_expiry ON leases (expires_at);

    CREATE TABLE bench_audit (
      bench_id uuid NOT NULL REFERENCES benches (id),
      seq integer NOT NULL CHECK (seq > 0),
      at text NOT NULL,
      technician text NOT NULL,
      action text NOT NULL,
      job_id text,
      workflow_id text,
      step_kind text,
      udid text,
      serial_number text,
      result text NOT NULL,
      detail text,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (bench_id, seq)
    );
    CREATE INDEX bench_audit_by_serial ON bench_audit (serial_number) WHERE serial_number IS NOT NULL;
  `,
};
