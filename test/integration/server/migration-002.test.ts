/** Migration 002 (pre-approved list and settings), on PGlite and on PostgreSQL. */
import { expect, it } from 'vitest';
import { migrate } from '../../../server/db/migrations/index.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

describeEachDatabase('migration 002', targets, (target) => {
  const db = useDatabase(target, { migrated: false });

  const user = (email: string) =>
    db().query("INSERT INTO device_users (email, name, created_at, updated_at) VALUES ($1, 'Ann', now(), now())", [email]);
  const device = (serial: string, email = 'ann@example.org', platform = 'ios', ownership = 'corporate') =>
    db().query('INSERT INTO preapproved_devices (serial_number, platform, ownership, user_email, created_at, updated_at) VALUES ($1, $2, $3, $4, now(), now())', [serial, platform, ownership, email]);

  it('adds device users, pre-approved devices and settings after 001, and records itself', async () => {
    expect(await migrate(db(), 1)).toEqual([1]);
    expect(await migrate(db(), 2)).toEqual([2]);
    const tables = (await db().query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((row) => row.name);
    expect(tables).toEqual(['benches', 'device_users', 'enrollment_codes', 'preapproved_devices', 'schema_migrations', 'sessions', 'settings', 'users']);
    expect(await db().query('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([{ version: 1, name: 'auth' }, { version: 2, name: 'preapproved' }]);
  });

  it('"pre-approved devices only" is off by default', async () => {
    await migrate(db(), 2);
    expect(await db().query("SELECT value FROM settings WHERE key = 'enrollment.preapprovedOnly'")).toEqual([{ value: false }]);
  });

  it('serial numbers are unique and case-sensitive; emails are case-sensitive; platform and ownership are closed sets', async () => {
    await migrate(db(), 2);
    await user('ann@example.org');
    await user('Ann@example.org'); // a different person: values are case-sensitive
    await device('C02XK1');
    await device('c02xk1');
    await expect(device('C02XK1')).rejects.toMatchObject({ code: '23505' });
    await expect(device('X1', 'ann@example.org', 'iOS')).rejects.toMatchObject({ code: '23514' });
    await expect(device('X2', 'ann@example.org', 'ios', 'company')).rejects.toMatchObject({ code: '23514' });
    await expect(device('X3', 'nobody@example.org')).rejects.toMatchObject({ code: '23503' });
    const columns = (await db().query<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_name IN ('preapproved_devices', 'device_users')")).map((row) => row.name);
    expect(columns.some((name) => name.includes('password'))).toBe(false);
  });
});
