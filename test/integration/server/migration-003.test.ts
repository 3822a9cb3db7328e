/** Migration 003 (the inventory), on PGlite and on PostgreSQL: the pre-approved list moves in whole. */
import { expect, it } from 'vitest';
import { migrate } from '../../../server/db/migrations/index.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

describeEachDatabase('migration 003', targets, (target) => {
  const db = useDatabase(target, { migrated: false });

  const listBefore = async (): Promise<void> => {
    await migrate(db(), 2);
    await db().query("INSERT INTO device_users (email, name, created_at, updated_at) VALUES ('ann@example.org', 'Ann', now(), now())");
    for (const [serial, ownership] of [['C02XK1', 'corporate'], ['c02xk1', 'personal']] as const) {
      await db().query(
        "INSERT INTO preapproved_devices (serial_number, platform, ownership, device_name, user_email, created_at, updated_at) VALUES ($1, 'ios', $2, 'iPad', 'ann@example.org', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')",
        [serial, ownership],
      );
    }
  };

  it('copies every pre-approved device into the inventory as Pre-approved, with a history entry and a place in the change feed', async () => {
    await listBefore();
    expect(await migrate(db(), 3)).toEqual([3]);
    const devices = await db().query<{ serial_number: string; change_seq: string | number }>(
      'SELECT serial_number, platform, ownership, device_name, user_email, status, preapproved, revision, change_seq FROM devices ORDER BY serial_number COLLATE "C"',
    );
    expect(devices.map(({ change_seq: _, ...rest }) => rest)).toEqual([
      { serial_number: 'C02XK1', platform: 'ios', ownership: 'corporate', device_name: 'iPad', user_email: 'ann@example.org', status: 'pre-approved', preapproved: true, revision: 1 },
      { serial_number: 'c02xk1', platform: 'ios', ownership: 'personal', device_name: 'iPad', user_email: 'ann@example.org', status: 'pre-approved', preapproved: true, revision: 1 },
    ]);
    const settings = await db().query<{ key: string; change_seq: string | number }>('SELECT key, value, change_seq FROM settings ORDER BY key');
    expect(settings.map((row) => row.key)).toEqual(['enrollment.preapprovedOnly', 'licenses.total']);
    expect(settings.find((row) => row.key === 'licenses.total')).toMatchObject({ value: null });
    // One sequence numbers every change: all distinct.
    const seqs = [...devices, ...settings].map((row) => Number(row.change_seq));
    expect(new Set(seqs).size).toBe(4);
    expect(await db().query('SELECT serial_number, kind, actor, to_status FROM device_history ORDER BY serial_number COLLATE "C"')).toEqual([
      { serial_number: 'C02XK1', kind: 'preapproved', actor: 'server (migration 003)', to_status: 'pre-approved' },
      { serial_number: 'c02xk1', kind: 'preapproved', actor: 'server (migration 003)', to_status: 'pre-approved' },
    ]);
    // What read the old table reads the same rows from the view.
    expect(await db().query('SELECT serial_number FROM preapproved_devices ORDER BY serial_number COLLATE "C"')).toEqual([{ serial_number: 'C02XK1' }, { serial_number: 'c02xk1' }]);
    expect(await db().query('SELECT version, name FROM schema_migrations WHERE version = 3')).toEqual([{ version: 3, name: 'inventory' }]);
  });

  it('allows one pending deprovision per device and any number of completed ones; statuses are a closed set', async () => {
    await listBefore();
    await migrate(db(), 3);
    const insert = (id: string, state: string) =>
      db().query("INSERT INTO deprovisions (id, serial_number, reason, wipe, request_info, to_status, state, requested_by, requested_at) VALUES ($1, 'C02XK1', 'retire', 'full', false, 'retired', $2, 'admin', now())", [id, state]);
    await insert('00000000-0000-4000-8000-000000000001', 'completed');
    await insert('00000000-0000-4000-8000-000000000002', 'completed');
    await insert('00000000-0000-4000-8000-000000000003', 'pending');
    await expect(insert('00000000-0000-4000-8000-000000000004', 'pending')).rejects.toMatchObject({ code: '23505' });
    await expect(db().query("UPDATE devices SET status = 'lost' WHERE serial_number = 'C02XK1'")).rejects.toMatchObject({ code: '23514' });
  });

  it('a device names an existing device user, who cannot be removed or renamed while named (checked per statement)', async () => {
    await listBefore();
    await migrate(db(), 3);
    const add = (serial: string, email: string | null) =>
      db().query("INSERT INTO devices (serial_number, platform, ownership, user_email, status, created_at, updated_at) VALUES ($1, 'ios', 'corporate', $2, 'pre-approved', now(), now())", [serial, email]);
    await expect(add('X1', 'nobody@example.org')).rejects.toMatchObject({ code: '23503' });
    await add('X2', null); // met at a check-in: no user yet
    await expect(db().query("UPDATE devices SET user_email = 'nobody@example.org' WHERE serial_number = 'X2'")).rejects.toMatchObject({ code: '23503' });
    await expect(db().query("DELETE FROM device_users WHERE email = 'ann@example.org'")).rejects.toMatchObject({ code: '23503' });
    await expect(db().query("UPDATE device_users SET email = 'ann@example.com' WHERE email = 'ann@example.org'")).rejects.toMatchObject({ code: '23503' });
    await db().query("UPDATE device_users SET name = 'Ann Lee' WHERE email = 'ann@example.org'");
    await db().query("DELETE FROM devices WHERE user_email = 'ann@example.org'");
    await db().query("DELETE FROM device_users WHERE email = 'ann@example.org'");
    expect(await db().query('SELECT email FROM device_users')).toEqual([]);
  });
});
