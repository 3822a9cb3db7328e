/**
 * Opening the store's SQLite file: refusing files that are not a Benchline
 * store (or are from a newer Benchline) before changing anything in them,
 * then the connection settings every write relies on, then the migrations.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError, sqliteCode } from './errors.js';
import { LATEST_SCHEMA, migrate, newerSchemaError, schemaVersion } from './migrations/index.js';

export interface OpenOptions {
  /** Fail with code "missing" instead of creating an empty store (for commands that only read). */
  mustExist?: boolean;
  /** Apply migrations up to this version only (tests of one migration). Default: the latest. */
  schema?: number;
}

/** How long a write waits for another process (the app and the CLI share the file) before failing. */
export const BUSY_TIMEOUT_MS = 5000;

/** Turns SQLite's errors about the file itself into ones that say what to do. */
export function fileError(file: string, error: unknown): unknown {
  const code = sqliteCode(error);
  if (code === 'SQLITE_NOTADB') {
    return new StoreError(
      'not-a-store',
      `${file} is not a Benchline store (not an SQLite database).`,
      'Check the path given with --store or BENCHLINE_STORE; if this is the bench\'s store, it was overwritten: restore it from a backup, or move it aside to start a new one.',
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_IOERR')) {
    return new StoreError(
      'cannot-open',
      `${file} cannot be opened for writing (${error instanceof Error ? error.message : String(error)}).`,
      'Check that the path is a file (not a directory) on a writable disk, and that this user may write it and its directory.',
      { cause: error },
    );
  }
  if (code?.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'corrupt-file',
      `${file} is damaged (SQLite reports it corrupt).`,
      'Keep a copy of the file for investigation and restore the store from a backup.',
      { cause: error },
    );
  }
  return error;
}

function refuseForeignDatabase(db: Database.Database, file: string, version: number): void {
  if (version > LATEST_SCHEMA) throw newerSchemaError(file, version);
  if (version > 0) return;
  // Schema 0 is a fresh file, unless it already holds someone else's tables.
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  if (tables.n > 0) {
    throw new StoreError(
      'not-a-store',
      `${file} is an SQLite database but not a Benchline store.`,
      'Check the path given with --store or BENCHLINE_STORE; Benchline will not add its tables to another program\'s database.',
    );
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  if (options.mustExist && !existsSync(file)) {
    throw new StoreError('missing', `There is no Benchline store at ${file}.`, 'Check the path given with --store or BENCHLINE_STORE (the bench app creates its store the first time it runs).');
  }
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: options.mustExist ?? false });
  } catch (error) {
    throw fileError(file, error);
  }
  try {
    // Before the first read: another process may hold the write lock (e.g. mid-migration).
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The first read of the file: this is where "file is not a database" shows up.
    refuseForeignDatabase(db, file, schemaVersion(db));
    // WAL: readers (the CLI exporting the audit log) never block the bench's writes.
    // synchronous = NORMAL is enough for kill -9: in WAL mode a commit has been
    // written (write(2)) to the -wal file before the call returns, and a killed
    // process's writes are already in the OS page cache, which the next open
    // reads and recovers from. What NORMAL gives up is only the fsync per
    // commit, so an OS crash or power cut may lose the last few commits (never
    // corrupting the file); FULL would fsync the WAL on every commit.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Per connection, and a no-op inside a transaction: set before migrating.
    db.pragma('foreign_keys = ON');
    migrate(db, file, options.schema);
    return db;
  } catch (error) {
    db.close();
    throw fileError(file, error);
  }
}
