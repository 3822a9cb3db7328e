/** The auth tables: users, sessions, benches and enrollment codes. All SQL for auth lives here. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import type { Principal, Role } from './access.js';
import { hashToken, newToken } from './secrets.js';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: Date;
}
interface UserRow extends Record<string, unknown> {
  id: string;
  email: string;
  role: Role;
  created_at: Date | string;
  password_hash: string;
}
const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, role: row.role, createdAt: new Date(row.created_at) });

export async function countUsers(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return Number(rows[0]?.n ?? 0);
}

export async function insertUser(db: Queryable, user: { email: string; passwordHash: string; role: Role; now: Date }): Promise<User> {
  const rows = await db.query<UserRow>(
    'INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [randomUUID(), user.email, user.passwordHash, user.role, user.now],
  );
  return toUser(rows[0]!);
}

export async function findUserByEmail(db: Queryable, email: string): Promise<(User & { passwordHash: string }) | undefined> {
  const rows = await db.query<UserRow>('SELECT * FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL', [email]);
  return rows[0] && { ...toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function listUsers(db: Queryable): Promise<User[]> {
  return (await db.query<UserRow>('SELECT * FROM users WHERE disabled_at IS NULL ORDER BY created_at, email')).map(toUser);
}

export async function createSession(db: Queryable, userId: string, now: Date, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('session');
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.query('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [hashToken(token), userId, now, expiresAt]);
  return { token, expiresAt };
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

/** Looked up on every request, so a revoked bench or an expired session is refused at once. */
export async function principalForToken(db: Queryable, token: string, kind: 'session' | 'bench', now: Date): Promise<Principal | undefined> {
  const tokenHash = hashToken(token);
  if (kind === 'session') {
    const rows = await db.query<UserRow>(
      `SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
      [tokenHash, now],
    );
    const row = rows[0];
    return row && { kind: 'user', id: row.id, email: row.email, role: row.role, sessionHash: tokenHash };
  }
  const rows = await db.query<{ id: string; name: string }>('SELECT id, name FROM benches WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash]);
  const row = rows[0];
  return row && { kind: 'bench', id: row.id, name: row.name };
}

export async function createEnrollmentCode(
  db: Queryable,
  input: { benchName: string; createdBy: string; now: Date; ttlMs: number },
): Promise<{ code: string; expiresAt: Date }> {
  const code = newToken('enrollment');
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  await db.query(
    'INSERT INTO enrollment_codes (code_hash, bench_name, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [hashToken(code), input.benchName, input.createdBy, input.now, expiresAt],
  );
  return { code, expiresAt };
}

export interface Bench {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly enrolledAt: Date | null;
  readonly revokedAt: Date | null;
}
interface BenchRow extends Record<string, unknown> {
  id: string;
  name: string;
  created_at: Date | string;
  enrolled_at: Date | string | null;
  revoked_at: Date | string | null;
}
const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const toBench = (row: BenchRow): Bench => ({ id: row.id, name: row.name, createdAt: new Date(row.created_at), enrolledAt: date(row.enrolled_at), revokedAt: date(row.revoked_at) });

/**
 * Spends a code and creates the bench with its token, in one statement per
 * step inside the caller's transaction. The UPDATE … WHERE used_at IS NULL is
 * what makes the code one-time even when two benches race with it.
 */
export async function redeemEnrollmentCode(db: Queryable, code: string, now: Date): Promise<{ bench: Bench; token: string } | undefined> {
  const codeHash = hashToken(code);
  const spent = await db.query<{ bench_name: string; created_by: string | null }>(
    `UPDATE enrollment_codes SET used_at = $2
     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING bench_name, created_by`,
    [codeHash, now],
  );
  const row = spent[0];
  if (!row) return undefined;
  const token = newToken('bench');
  const benches = await db.query<BenchRow>(
    'INSERT INTO benches (id, name, token_hash, created_by, created_at, enrolled_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING *',
    [randomUUID(), row.bench_name, hashToken(token), row.created_by, now],
  );
  const bench = toBench(benches[0]!);
  await db.query('UPDATE enrollment_codes SET bench_id = $2 WHERE code_hash = $1', [codeHash, bench.id]);
  return { bench, token };
}

export async function listBenches(db: Queryable): Promise<Bench[]> {
  return (await db.query<BenchRow>('SELECT * FROM benches ORDER BY created_at, name')).map(toBench);
}

/** Resolves to the bench as revoked, or undefined when there is no such bench. Revoking twice keeps the first time. */
export async function revokeBench(db: Queryable, id: string, now: Date): Promise<Bench | undefined> {
  const rows = await db.query<BenchRow>('UPDATE benches SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *', [id, now]);
  return rows[0] && toBench(rows[0]);
}

/**
 * The bench of a standalone install (the embedded server in the bench's own process): created
 * on first start with a fixed id — sync receipts are per bench id, so it must not change between
 * starts — and given a fresh token every start (the token only ever lives in that process).
 */
export async function issueStandaloneBenchToken(db: Queryable, input: { id: string; name: string; now: Date }): Promise<{ bench: Bench; token: string }> {
  const token = newToken('bench');
  const rows = await db.query<BenchRow>(
    `INSERT INTO benches (id, name, token_hash, created_at, enrolled_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, name = excluded.name, revoked_at = NULL
     RETURNING *`,
    [input.id, input.name, hashToken(token), input.now],
  );
  return { bench: toBench(rows[0]!), token };
}
