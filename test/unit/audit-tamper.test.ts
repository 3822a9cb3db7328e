/**
 * Tampering with the audit log through SQLite directly (with the append-only
 * triggers dropped, as someone determined would) and what verify() reports.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordHash } from '../../core/audit/canonical.js';
import { openStore } from '../../core/store/sqlite-store.js';
import type { AuditRecord, AuditVerification } from '../../core/store/types.js';
import { tempDir } from './store-fixtures.js';
import { auditEntry } from './store-samples.js';

const RECORDS = 6;
let temp: ReturnType<typeof tempDir>;
let appended: AuditRecord[];

beforeEach(() => {
  temp = tempDir();
  const store = openStore(temp.file());
  appended = Array.from({ length: RECORDS }, (_, i) => store.audit.append(auditEntry({ action: i % 2 ? 'step.succeeded' : 'step.started', stepKind: `step-${i}`, detail: `record ${i + 1}` })));
  store.close();
});
afterEach(() => temp.cleanup());

/** Changes the file as an attacker with sqlite3 would: triggers dropped first. */
function tamper(sql: string): void {
  const db = new Database(temp.file());
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DROP TRIGGER audit_append_only; DROP TRIGGER audit_head_forward; DROP TRIGGER audit_head_no_delete;');
  db.exec(sql);
  db.close();
}

function verify(): AuditVerification {
  const store = openStore(temp.file());
  try {
    return store.audit.verify();
  } finally {
    store.close();
  }
}

describe('audit verify', () => {
  it('passes an untouched log', () => {
    expect(verify()).toEqual({ ok: true, records: RECORDS, headHash: appended.at(-1)!.hash });
  });

  it('catches an edited field', () => {
    tamper("UPDATE audit SET result = 'ok', detail = 'nothing happened' WHERE seq = 3");
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 3, records: RECORDS, problem: expect.stringMatching(/record 3 was altered/) });
  });

  it('catches an edited record whose own hash was recomputed, at the record after it', () => {
    const edited = { ...appended[2]!, technician: 'mallory' };
    tamper(`UPDATE audit SET technician = 'mallory', hash = '${recordHash(edited.prevHash, edited)}' WHERE seq = 3`);
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 4, problem: expect.stringMatching(/record 4 does not follow record 3/) });
  });

  it('catches a record deleted from the middle', () => {
    tamper('DELETE FROM audit WHERE seq = 4');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 4, records: RECORDS - 1, problem: expect.stringMatching(/record 4 is missing/) });
  });

  it('catches the newest records deleted, by the head anchor', () => {
    tamper('DELETE FROM audit WHERE seq > 4');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 5, records: 4, problem: expect.stringMatching(/newest 2 record\(s\) were removed/) });
  });

  it('catches records swapped in order', () => {
    tamper('UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -2;');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 2, problem: expect.stringMatching(/record 2 does not follow record 1/) });
  });

  it('catches a record added behind Benchline\'s back', () => {
    const extra = { ...auditEntry({ detail: 'forged' }), seq: RECORDS + 1 };
    const hash = recordHash(appended.at(-1)!.hash, extra);
    tamper(`INSERT INTO audit (seq, at, technician, action, job_id, workflow_id, step_kind, udid, serial_number, result, detail, prev_hash, hash)
      VALUES (${extra.seq}, '${extra.at}', 'alex', 'job.started', 'job-1', 'erase', NULL, '${extra.udid}', '${extra.serialNumber}', 'ok', 'forged', '${appended.at(-1)!.hash}', '${hash}')`);
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: RECORDS + 1, problem: expect.stringMatching(/not covered by the head anchor/) });
  });

  it('without dropping the triggers, SQLite refuses the edit and the log stays intact', () => {
    const db = new Database(temp.file());
    expect(() => db.exec("UPDATE audit SET result = 'ok' WHERE seq = 3")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit WHERE seq = 6')).toThrow(/append-only/);
    db.close();
    expect(verify()).toMatchObject({ ok: true, records: RECORDS });
  });
});
