/**
 * Schema 1: devices seen, workflow definitions, jobs and their steps, settings.
 *
 * Tables are STRICT so a value of the wrong type is refused on write instead
 * of being read back as something else. Enumerations (job and step states) are
 * not CHECK-constrained: SQLite cannot change a CHECK without rebuilding the
 * table, so states are validated when rows are read (rows.ts) instead.
 */
import type { Migration } from './migration.js';

export const SQL = `
CREATE TABLE devices (
  udid            TEXT PRIMARY KEY,
  ecid            TEXT,
  serial_number   TEXT,
  product_type    TEXT,
  product_version TEXT,
  first_seen_at   TEXT NOT NULL,
  last_seen_at    TEXT NOT NULL
) STRICT;
CREATE INDEX devices_by_ecid ON devices (ecid) WHERE ecid IS NOT NULL;
CREATE INDEX devices_by_serial ON devices (serial_number) WHERE serial_number IS NOT NULL;

-- Keyed by id and hash: editing a workflow stores a new row, and a job keeps
-- running (and after a restart, resumes) the exact definition it started with.
CREATE TABLE workflows (
  id         TEXT NOT NULL,
  hash       TEXT NOT NULL,
  definition TEXT NOT NULL, -- JSON
  stored_at  TEXT NOT NULL,
  PRIMARY KEY (id, hash)
) STRICT;

CREATE TABLE jobs (
  id            TEXT PRIMARY KEY,
  batch_id      TEXT NOT NULL,
  workflow_id   TEXT NOT NULL,
  workflow_hash TEXT NOT NULL,
  udid          TEXT NOT NULL,
  ecid          TEXT,
  serial_number TEXT,
  technician    TEXT NOT NULL,
  reason        TEXT,
  params        TEXT NOT NULL, -- JSON object
  state         TEXT NOT NULL,
  error         TEXT,          -- JSON StoredError or NULL
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  revision      INTEGER NOT NULL,
  FOREIGN KEY (workflow_id, workflow_hash) REFERENCES workflows (id, hash)
) STRICT;
-- "One active job per device", enforced by the database so that two processes
-- (app and CLI) cannot both start one. The list is every JobState that is not
-- in FINISHED_JOB_STATES; a new active state needs a migration of this index,
-- and queries must repeat the same IN list for SQLite to use it.
CREATE UNIQUE INDEX jobs_active_per_device ON jobs (udid) WHERE state IN ('queued', 'running', 'waiting-device');
CREATE INDEX jobs_by_batch ON jobs (batch_id, created_at);
CREATE INDEX jobs_by_device ON jobs (udid, created_at);
CREATE INDEX jobs_by_created ON jobs (created_at);

CREATE TABLE steps (
  job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx           INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  state         TEXT NOT NULL,
  attempts      INTEGER NOT NULL,
  dispatched_at TEXT,
  started_at    TEXT,
  finished_at   TEXT,
  note          TEXT,
  error         TEXT, -- JSON StoredError or NULL
  PRIMARY KEY (job_id, idx)
) STRICT;

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;

export const migration001: Migration = {
  version: 1,
  name: 'jobs',
  up: (db) => db.exec(SQL),
};
