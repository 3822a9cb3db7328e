/**
 * Schema 3: what the bench keeps for the central server (issue #5 part 7).
 *
 * - `outbox`: every event for the server, in order, with its idempotency key.
 *   Events that report a write of the bench's own record (an audit record, a
 *   job that finished) are queued by TRIGGERS in the same transaction as that
 *   write: a kill -9 right after the write cannot lose the event, and a rolled
 *   back write leaves no event behind. Events of a technician's action are
 *   queued by core/sync inside the transaction that audits the action.
 * - `sync_state`: one row, the server this bench is enrolled at and how far it has pulled.
 * - `inventory` + `server_settings`: the bench's copy of what the server publishes, for offline search.
 * - `observed_devices`: the identity last queued per serial number, so a device seen again unchanged is not re-sent.
 *
 * Existing audit records are queued too: the server keeps a copy of the whole
 * hash chain from record 1, so it must receive the records written before sync existed.
 */
import type { Migration } from './migration.js';

const FINISHED = "('succeeded', 'failed', 'cancelled')";
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** The audit.record body of one audit row (`row` is NEW in the trigger, the table in the backfill). */
const auditBody = (row: string): string => `json_object('type', 'audit.record', 'record', json_object(
  'seq', ${row}.seq, 'at', ${row}.at, 'technician', ${row}.technician, 'action', ${row}.action,
  'jobId', ${row}.job_id, 'workflowId', ${row}.workflow_id, 'stepKind', ${row}.step_kind,
  'udid', ${row}.udid, 'serialNumber', ${row}.serial_number, 'result', ${row}.result, 'detail', ${row}.detail,
  'prevHash', ${row}.prev_hash, 'hash', ${row}.hash))`;

export const SQL = `
CREATE TABLE outbox (
  seq         INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE, -- idempotency key, unique per bench forever
  type        TEXT NOT NULL,
  body        TEXT NOT NULL,        -- JSON SyncEventBody
  technician  TEXT,
  occurred_at TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'pending', -- pending | held | sent | rejected (see core/store/sync-store.ts)
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  sent_at     TEXT,
  rejection   TEXT                  -- JSON {code, message, hint}
) STRICT;
CREATE INDEX outbox_pending ON outbox (seq) WHERE state = 'pending';
CREATE INDEX outbox_by_type ON outbox (type, state);

CREATE TRIGGER outbox_audit_record AFTER INSERT ON audit
BEGIN
  INSERT INTO outbox (key, type, body, technician, occurred_at)
  VALUES ('audit:' || NEW.seq, 'audit.record', ${auditBody('NEW')}, NEW.technician, NEW.at);
END;

-- OR IGNORE: a job finishes once; should a finished job ever be reopened and finish again, the first report stands.
CREATE TRIGGER outbox_job_finished AFTER UPDATE OF state ON jobs
WHEN NEW.state IN ${FINISHED} AND OLD.state NOT IN ${FINISHED}
BEGIN
  INSERT OR IGNORE INTO outbox (key, type, body, technician, occurred_at)
  VALUES ('job:' || NEW.id, 'job.finished', json_object('type', 'job.finished', 'job', json_object(
      'jobId', NEW.id, 'workflowId', NEW.workflow_id, 'udid', NEW.udid, 'serialNumber', NEW.serial_number,
      'state', NEW.state, 'technician', NEW.technician, 'reason', NEW.reason,
      'deprovisionId', json_extract(NEW.params, '$.deprovisionId'),
      'errorMessage', json_extract(NEW.error, '$.message'),
      'finishedAt', COALESCE(NEW.finished_at, ${NOW}))),
    NEW.technician, COALESCE(NEW.finished_at, ${NOW}));
END;

INSERT INTO outbox (key, type, body, technician, occurred_at)
SELECT 'audit:' || audit.seq, 'audit.record', ${auditBody('audit')}, audit.technician, audit.at FROM audit ORDER BY audit.seq;

CREATE TABLE sync_state (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  server_url         TEXT,
  bench_id           TEXT,
  bench_name         TEXT,
  token              TEXT,
  cursor             INTEGER NOT NULL DEFAULT 0,
  last_sync_at       TEXT,
  last_attempt_at    TEXT,
  last_error_message TEXT,
  last_error_hint    TEXT
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

-- Serial numbers compare BINARY (case-sensitive), as on the server.
CREATE TABLE inventory (
  serial_number TEXT PRIMARY KEY,
  record        TEXT NOT NULL, -- JSON InventoryDevice
  status        TEXT NOT NULL,
  search        TEXT NOT NULL, -- lower-cased udid, user email and name, device name
  revision      INTEGER NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX inventory_by_status ON inventory (status);

CREATE TABLE server_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL -- JSON
) STRICT;

CREATE TABLE observed_devices (
  serial_number TEXT PRIMARY KEY,
  identity      TEXT NOT NULL -- JSON of what was last queued
) STRICT;
`;

export const migration003: Migration = {
  version: 3,
  name: 'sync',
  up: (db) => db.exec(SQL),
};
