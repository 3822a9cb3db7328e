/**
 * The store's schema history, oldest first. Add a step as a new numbered file
 * and append it here; never edit one that has shipped (stores in the field
 * already ran it). `PRAGMA user_version` records the last step applied.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { migration001 } from './001-jobs.js';
import { migration002 } from './002-audit.js';
import { migration003 } from './003-sync.js';
import { migration004 } from './004-rejection-acknowledgement.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004];

MIGRATIONS.forEach((migration, i) => {
  if (migration.version !== i + 1) throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${i + 1}`);
});

export const LATEST_SCHEMA = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function newerSchemaError(file: string, version: number): StoreError {
  return new StoreError(
    'newer-schema',
    `${file} was written by a newer Benchline (store schema ${version}; this Benchline knows up to ${LATEST_SCHEMA}).`,
    'Update Benchline on this bench, or open a different store with --store / BENCHLINE_STORE. The file was not changed.',
  );
}

/**
 * Brings the schema up to `target` (default: the latest) in one IMMEDIATE
 * transaction, so a crash leaves the old schema or the new one, never half,
 * and two processes opening a fresh store do not both run the same step (the
 * second waits on the write lock, then sees the version the first wrote).
 */
export function migrate(db: Database.Database, file: string, target: number = LATEST_SCHEMA): void {
  const run = db.transaction(() => {
    const current = schemaVersion(db);
    if (current > LATEST_SCHEMA) throw newerSchemaError(file, current);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  });
  run.immediate();
}
