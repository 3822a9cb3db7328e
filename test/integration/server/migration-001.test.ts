/** Migration 001 (auth) and the migration runner, on PGlite and on PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA, MIGRATIONS, migrate } from '../../../server/db/migrations/index.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

describeEachDatabase('migrations', targets, (target) => {
  const db = useDatabase(target, { migrated: false });

  const tables = async (): Promise<string[]> =>
    (await db().query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((row) => row.name);

  it('migration 001 turns an empty database into users, sessions, benches and enrollment codes, and records itself', async () => {
    expect(await migrate(db(), 1)).toEqual([1]);
    expect(await tables()).toEqual(['benches', 'enrollment_codes', 'schema_migrations', 'sessions', 'users']);
    const recorded = await db().query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(recorded).toEqual([{ version: 1, name: 'auth' }]);
  });

  it('migration 001: one user per email whatever its case, and only the three roles', async () => {
    await migrate(db(), 1);
    const insert = (id: string, email: string, role: string) =>
      db().query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, 'h', $3, now())", [id, email, role]);
    await insert('00000000-0000-4000-8000-000000000001', 'Ada@example.org', 'admin');
    await expect(insert('00000000-0000-4000-8000-000000000002', 'ada@EXAMPLE.org', 'technician')).rejects.toMatchObject({ code: '23505' });
    await expect(insert('00000000-0000-4000-8000-000000000003', 'bob@example.org', 'owner')).rejects.toMatchObject({ code: '23514' });
    await insert('00000000-0000-4000-8000-000000000004', 'bob@example.org', 'read-only');
  });

  it('applies each step once, in order: a second run applies nothing', async () => {
    expect(await migrate(db())).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(await migrate(db())).toEqual([]);
    const rows = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(LATEST_SCHEMA);
  });

  it('leaves the schema untouched when a step fails (one transaction)', async () => {
    await db().execute('CREATE TABLE users (id int)'); // in the way of migration 001
    await expect(migrate(db())).rejects.toThrow(/users/);
    expect(await tables()).toEqual(['users']);
  });

  it('refuses a database written by a newer server, saying to update', async () => {
    await migrate(db());
    await db().query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')", [LATEST_SCHEMA + 1]);
    await expect(migrate(db())).rejects.toThrow(/newer than this benchline-server knows.*update the server/);
  });
});

describe('migration files', () => {
  it('are numbered 1, 2, 3… in the order they are listed', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
