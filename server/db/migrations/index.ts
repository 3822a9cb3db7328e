/**
 * The server's schema history, oldest first. Add a step as a new numbered file
 * and append it here; never edit one that has shipped. Each applied step is a
 * row in schema_migrations.
 */
import type { Database } from '../database.js';
import { migration001 } from './001-auth.js';
import { migration002 } from './002-preapproved.js';
import { migration003 } from './003-inventory.js';
import { migration004 } from './004-sync.js';
import { migration005 } from './005-serial-order.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005];

MIGRATIONS.forEach((migration, i) => {
  if (migration.version !== i + 1) throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${i + 1}`);
});

export const LATEST_SCHEMA = MIGRATIONS.length;

// Any constant both servers agree on: two servers starting on one database take turns.
const MIGRATION_LOCK = 0x62656e63;

/**
 * Applies every step above the database's version up to `target`, all in one
 * transaction: a failure leaves the schema as it was. Resolves to the versions applied.
 */
export async function migrate(db: Database, target: number = LATEST_SCHEMA): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.execute(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
    const current = Number(rows[0]?.version ?? 0);
    if (current > LATEST_SCHEMA) {
      throw new Error(`The database has schema ${current}, newer than this benchline-server knows (${LATEST_SCHEMA}): update the server.`);
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      await tx.execute(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
