/** Migration 004 (sync receipts, device leases, benches' audit copies), on PGlite and on PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { migrate } from '../../../server/db/migrations/index.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

describeEachDatabase('migration 004', targets, (target) => {
  const db = useDatabase(target, { migrated: false });

  const bench = async (): Promise<string> => {
    const id = randomUUID();
    await db().query("INSERT INTO benches (id, name, created_at) VALUES ($1, 'Bench-1', now())", [id]);
    return id;
  };
  const receipt = (benchId: string, key: string, status = 'applied') =>
    db().query("INSERT INTO sync_receipts (bench_id, key, event_type, status, received_at) VALUES ($1, $2, 'audit.record', $3, now())", [benchId, key, status]);
  const auditRow = (benchId: string, seq: number) =>
    db().query(
      `INSERT INTO bench_audit (bench_id, seq, at, technician, action, result, prev_hash, hash, received_at)
       VALUES ($1, $2, '2026-11-21T09:00:00.000+02:00', 'Ana', 'job.started', 'ok', $3, $4, now())`,
      [benchId, seq, '0'.repeat(64), 'a'.repeat(64)],
    );

  it('adds receipts, leases and the audit copy after 003, and records itself', async () => {
    expect(await migrate(db(), 3)).toEqual([1, 2, 3]);
    expect(await migrate(db(), 4)).toEqual([4]);
    const tables = (await db().query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('sync_receipts', 'leases', 'bench_audit') ORDER BY 1")).map((row) => row.name);
    expect(tables).toEqual(['bench_audit', 'leases', 'sync_receipts']);
    expect((await db().query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations WHERE version = 4'))).toEqual([{ version: 4, name: 'sync' }]);
  });

  it('one receipt per bench and key (keys are per bench), applied or rejected only', async () => {
    await migrate(db(), 4);
    const [a, b] = [await bench(), await bench()];
    await receipt(a, 'event-1');
    await receipt(b, 'event-1');
    await expect(receipt(a, 'event-1')).rejects.toMatchObject({ code: '23505' });
    await expect(receipt(a, 'event-2', 'pending')).rejects.toMatchObject({ code: '23514' });
    await expect(receipt(randomUUID(), 'event-3')).rejects.toMatchObject({ code: '23503' });
  });

  it('one lease per serial number, case-sensitive', async () => {
    await migrate(db(), 4);
    const a = await bench();
    const lease = (serial: string) => db().query("INSERT INTO leases (serial_number, bench_id, job_id, acquired_at, expires_at) VALUES ($1, $2, 'job-1', now(), now() + interval '15 minutes')", [serial, a]);
    await lease('C02XK1');
    await lease('c02xk1');
    await expect(lease('C02XK1')).rejects.toMatchObject({ code: '23505' });
  });

  it('keeps one audit record per bench and seq, with the time exactly as the bench hashed it', async () => {
    await migrate(db(), 4);
    const a = await bench();
    await auditRow(a, 1);
    await expect(auditRow(a, 1)).rejects.toMatchObject({ code: '23505' });
    await expect(auditRow(a, 0)).rejects.toMatchObject({ code: '23514' });
    expect(await db().query('SELECT at FROM bench_audit WHERE bench_id = $1', [a])).toEqual([{ at: '2026-11-21T09:00:00.000+02:00' }]);
  });
});
