/**
 * Schema 2: the append-only, hash-chained audit log (core/audit) and its head
 * anchor. The triggers are a second line of defence behind the hash chain:
 * they stop Benchline itself, or a casual `sqlite3` session, from rewriting
 * history; someone who drops them is still caught by `verify()`.
 */
import type { Migration } from './migration.js';

/** Record 1's prevHash (as core/audit/canonical.ts); spelled out here because a shipped migration must never change with later code. */
const GENESIS_HASH = '0'.repeat(64);

export const SQL = `
CREATE TABLE audit (
  seq           INTEGER PRIMARY KEY, -- 1, 2, 3… without gaps: verify() checks
  at            TEXT NOT NULL,
  technician    TEXT NOT NULL,
  action        TEXT NOT NULL,
  job_id        TEXT,
  workflow_id   TEXT,
  step_kind     TEXT,
  udid          TEXT,
  serial_number TEXT,
  result        TEXT NOT NULL,
  detail        TEXT,
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_job ON audit (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX audit_by_device ON audit (udid) WHERE udid IS NOT NULL;

-- Count and hash of the newest record, written in the same transaction as the
-- record: removing the newest records leaves the anchor pointing past the end.
CREATE TABLE audit_head (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  count     INTEGER NOT NULL,
  head_hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, count, head_hash) VALUES (1, 0, '${GENESIS_HASH}');

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END;
CREATE TRIGGER audit_append_only BEFORE INSERT ON audit
WHEN NEW.seq <= COALESCE((SELECT MAX(seq) FROM audit), 0)
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: INSERT before the newest record refused'); END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT 1 OR NEW.count <= OLD.count OR NEW.head_hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.count)
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward, to the newest record'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;
`;

export const migration002: Migration = {
  version: 2,
  name: 'audit',
  up: (db) => db.exec(SQL),
};
