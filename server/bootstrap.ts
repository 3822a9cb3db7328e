/** The first admin: without one nobody can log in, so the first start creates it. */
import { hashPassword } from './auth/secrets.js';
import { countUsers, insertUser } from './auth/store.js';
import type { Database } from './db/database.js';
import { MIN_PASSWORD_LENGTH } from './routes/users.js';

export type FirstAdmin = { readonly outcome: 'created'; readonly email: string } | { readonly outcome: 'exists' } | { readonly outcome: 'missing'; readonly instruction: string };

export async function ensureFirstAdmin(db: Database, email: string | undefined, password: string | undefined, now: Date): Promise<FirstAdmin> {
  return db.transaction(async (tx) => {
    if ((await countUsers(tx)) > 0) return { outcome: 'exists' as const };
    if (!email || !password || password.length < MIN_PASSWORD_LENGTH) {
      return {
        outcome: 'missing' as const,
        instruction: `No admin yet: restart with --admin-email you@example.org and the password (at least ${MIN_PASSWORD_LENGTH} characters) in BENCHLINE_ADMIN_PASSWORD to create the first one.`,
      };
    }
    await insertUser(tx, { email, passwordHash: await hashPassword(password), role: 'admin', now });
    return { outcome: 'created' as const, email };
  });
}
