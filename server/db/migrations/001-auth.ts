import type { Migration } from './migration.js';

/** Users with a role, their login sessions, and benches with their one-time enrollment codes. */
export const migration001: Migration = {
  version: 1,
  name: 'auth',
  sql: `
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      email text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'technician', 'read-only')),
      created_at timestamptz NOT NULL,
      disabled_at timestamptz
    );
    -- Emails are compared case-insensitively (people type them any way); serials elsewhere are not.
    CREATE UNIQUE INDEX users_by_email ON users (lower(email));

    CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_id);

    CREATE TABLE benches (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      token_hash text UNIQUE,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      enrolled_at timestamptz,
      revoked_at timestamptz
    );

    CREATE TABLE enrollment_codes (
      code_hash text PRIMARY KEY,
      bench_name text NOT NULL,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      bench_id uuid REFERENCES benches (id) ON DELETE SET NULL
    );
  `,
};
