/**
 * The audit log on the store's SQLite connection (tables from migration 002):
 * append-only, each record chained to the one before by its hash
 * (canonical.ts), plus a head anchor (count + newest hash) in `audit_head`.
 *
 * What verify() can and cannot catch: an edited field, a record removed from
 * the middle, records reordered, and the newest records removed (the anchor
 * then points past the end). Someone who rewrites the records *and* the anchor
 * consistently (recomputing every hash after the change) produces a valid
 * chain; only a copy of the head kept elsewhere can catch that. The sync to
 * the central server will provide that external anchor later.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { AuditEntry, AuditLog, AuditRecord, AuditVerification } from '../store/types.js';
import { GENESIS_HASH, recordHash } from './canonical.js';

/** records() returns at most this many; page on from the last seq + 1. */
export const AUDIT_PAGE_SIZE = 1000;

interface AuditRow {
  seq: number;
  at: string;
  technician: string;
  action: string;
  job_id: string | null;
  workflow_id: string | null;
  step_kind: string | null;
  udid: string | null;
  serial_number: string | null;
  result: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

interface HeadRow {
  count: number;
  head_hash: string;
}

/**
 * SQLite stores UTF-8, so a lone UTF-16 surrogate would be written as U+FFFD
 * and read back different from what was hashed: replace it before hashing.
 */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const text = z.string().transform(wellFormed);
const optionalText = text.nullable().optional().transform((value) => value ?? null);

/** Checked at runtime too: a record is forever, so a malformed one is refused rather than stored. */
const EntrySchema = z.object({
  at: text,
  technician: text,
  action: text.pipe(z.string().min(1)),
  jobId: optionalText,
  workflowId: optionalText,
  stepKind: optionalText,
  udid: optionalText,
  serialNumber: optionalText,
  result: text,
  detail: optionalText,
});

function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    technician: row.technician,
    action: row.action,
    jobId: row.job_id,
    workflowId: row.workflow_id,
    stepKind: row.step_kind,
    udid: row.udid,
    serialNumber: row.serial_number,
    result: row.result,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function broken(records: number, firstBadSeq: number, problem: string): AuditVerification {
  return { ok: false, records, firstBadSeq, problem };
}

export function createAuditLog(db: Database.Database): AuditLog {
  const head = db.prepare('SELECT count, head_hash FROM audit_head WHERE id = 1');
  const insert = db.prepare(`
    INSERT INTO audit (seq, at, technician, action, job_id, workflow_id, step_kind, udid, serial_number, result, detail, prev_hash, hash)
    VALUES (@seq, @at, @technician, @action, @jobId, @workflowId, @stepKind, @udid, @serialNumber, @result, @detail, @prevHash, @hash)`);
  const moveHead = db.prepare('UPDATE audit_head SET count = ?, head_hash = ? WHERE id = 1');
  const page = db.prepare('SELECT * FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?');
  const all = db.prepare('SELECT * FROM audit ORDER BY seq');
  const rowCount = db.prepare('SELECT count(*) FROM audit').pluck();

  // IMMEDIATE: the write lock is taken before the head is read, so two
  // processes appending to one file queue up instead of both chaining to the
  // same head (a fork). Record and anchor commit together or not at all.
  const appendTx = db.transaction((entry: AuditEntry): AuditRecord => {
    const current = head.get() as HeadRow | undefined;
    if (!current) throw new Error('The audit head anchor is missing: run `benchline audit verify`.');
    const fields = { ...EntrySchema.parse(entry), seq: current.count + 1 };
    const record: AuditRecord = { ...fields, prevHash: current.head_hash, hash: recordHash(current.head_hash, fields) };
    insert.run(record);
    moveHead.run(record.seq, record.hash);
    return record;
  });

  // One read transaction, so the anchor and the records are the same snapshot
  // even while another process appends.
  const verifyTx = db.transaction((): AuditVerification => {
    const anchor = head.get() as HeadRow | undefined;
    const records = rowCount.get() as number;
    let expected = 1;
    let prevHash = GENESIS_HASH;
    for (const row of all.iterate() as IterableIterator<AuditRow>) {
      if (row.seq !== expected) return broken(records, expected, `record ${expected} is missing: the log goes from ${expected - 1} to ${row.seq}`);
      if (row.prev_hash !== prevHash) return broken(records, row.seq, `record ${row.seq} does not follow record ${row.seq - 1} (its prevHash is not that record's hash): records were removed, reordered or rewritten`);
      if (recordHash(prevHash, toRecord(row)) !== row.hash) return broken(records, row.seq, `record ${row.seq} was altered: its fields do not match its hash`);
      prevHash = row.hash;
      expected += 1;
    }
    const count = expected - 1;
    if (!anchor) return broken(records, count + 1, 'the head anchor (audit_head) is missing');
    if (anchor.count > count) return broken(records, count + 1, `the newest ${anchor.count - count} record(s) were removed: the head anchor counts ${anchor.count} records, the log ends at ${count}`);
    if (anchor.count < count) return broken(records, anchor.count + 1, `records after ${anchor.count} are not covered by the head anchor (added outside Benchline, or the anchor was rolled back)`);
    if (anchor.head_hash !== prevHash) return broken(records, count, `record ${count} is not the one the head anchor names (${anchor.head_hash})`);
    return { ok: true, records: count, headHash: prevHash };
  });

  return {
    append: (entry) => appendTx.immediate(entry),
    verify: () => verifyTx.deferred(),
    records: (fromSeq = 1) => (page.all(fromSeq, AUDIT_PAGE_SIZE) as AuditRow[]).map(toRecord),
  };
}
