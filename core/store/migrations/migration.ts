/** One step of the store's schema. Each lives in its own file, numbered; see index.ts. */
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3…: the `PRAGMA user_version` the store has once this step is applied. */
  readonly version: number;
  readonly name: string;
  /** Runs inside the migration transaction; never commits or rolls back itself. */
  up(db: Database.Database): void;
}
