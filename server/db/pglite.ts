/** The embedded database: PostgreSQL compiled to WebAssembly, in memory or in a directory. */
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, Row } from './database.js';

interface PGliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

const wrap = (db: PGliteLike): Queryable => ({
  async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
    return (await db.query<R>(sql, [...params])).rows;
  },
  async execute(script: string) {
    await db.exec(script);
  },
});

/** `dataDir` undefined: in memory (tests). */
export async function openPGlite(dataDir?: string): Promise<Database> {
  const db = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
  return {
    kind: 'pglite',
    ...wrap(db),
    // PGlite has a single connection and serialises transactions itself.
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: () => db.close(),
  };
}
