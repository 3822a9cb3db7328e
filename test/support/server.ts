/** Building the server over a test database, and signing in to it. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { buildServer, type ServerOptions } from '../../server/app.js';
import { hashPassword } from '../../server/auth/secrets.js';
import { insertUser } from '../../server/auth/store.js';
import type { Role } from '../../server/auth/access.js';
import type { Database } from '../../server/db/database.js';
import { migrate } from '../../server/db/migrations/index.js';
import type { ZodApp } from '../../server/routes/types.js';
import type { DatabaseTarget } from './postgres.js';

/** Drops everything: the database as new (PGlite takes seconds to start, so one per describe is reused). */
export async function wipe(db: Database): Promise<void> {
  await db.execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
}

/**
 * One database per describe block, opened once; before each test it is wiped
 * and (unless `migrated: false`) migrated to the latest schema.
 */
export function useDatabase(target: DatabaseTarget, options: { migrated?: boolean } = {}): () => Database {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await target.open();
  });
  beforeEach(async () => {
    await wipe(db!);
    if (options.migrated !== false) await migrate(db!);
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => db!;
}

export const PASSWORD = 'correct horse battery staple';

export async function addUser(db: Database, email: string, role: Role): Promise<void> {
  await insertUser(db, { email, passwordHash: await hashPassword(PASSWORD), role, now: new Date() });
}

export async function serverOn(db: Database, options: Partial<ServerOptions> = {}): Promise<ZodApp> {
  const app = await buildServer({ db, ...options });
  await app.ready();
  return app;
}

/** Logs in and answers the Authorization header for the session. */
export async function login(app: ZodApp, email: string, password = PASSWORD): Promise<{ authorization: string }> {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`login as ${email}: ${response.statusCode} ${response.body}`);
  return { authorization: `Bearer ${response.json<{ token: string }>().token}` };
}
