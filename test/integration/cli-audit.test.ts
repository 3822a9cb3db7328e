/**
 * `benchline audit verify|export` as a user runs them (the built CLI), on a
 * store written through the real store code and then tampered with via SQLite.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../core/cli/exit-codes.js';
import { openStore } from '../../core/store/sqlite-store.js';
import type { AuditEntry, AuditRecord } from '../../core/store/types.js';
import { benchline, requireBuild } from '../support/processes.js';

let dir: string;
let file: string;
let records: AuditRecord[];

const entry = (i: number): AuditEntry => ({
  at: `2026-11-21T08:0${i}:00.000Z`,
  technician: i % 2 ? 'sam' : 'alex',
  action: i === 0 ? 'job.started' : 'step.succeeded',
  jobId: 'job-1',
  workflowId: 'erase',
  stepKind: i === 0 ? null : `step-${i}`,
  udid: '00008030-001A2C3E3A12802E',
  serialNumber: 'F2LXK0AAHG7F',
  result: i === 4 ? 'failed: Locked' : 'ok',
  // Commas, quotes and a line break: the CSV must still parse back to the same text.
  detail: i === 2 ? 'reason: "trade-in", customer waiting\nsecond line' : null,
});

beforeAll(() => requireBuild());

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-cli-audit-'));
  file = path.join(dir, 'bench.db');
  const store = openStore(file);
  records = Array.from({ length: 6 }, (_, i) => store.audit.append(entry(i)));
  store.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tamper(sql: string): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.exec(sql);
  db.close();
}

describe('benchline audit verify', () => {
  it('says the log is intact, with its size and head', async () => {
    const result = await benchline(['audit', 'verify', '--store', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`Audit log intact: 6 records, head ${records[5]!.hash}\n`);
    expect(result.code).toBe(EXIT.OK);
  });

  it('finds the store through BENCHLINE_STORE', async () => {
    const result = await benchline(['audit', 'verify'], { BENCHLINE_STORE: file });
    expect(result.stdout).toMatch(/^Audit log intact: 6 records/);
  });

  it('fails with its own exit code and the first bad seq when a record was edited', async () => {
    tamper("UPDATE audit SET result = 'ok' WHERE seq = 5");
    const result = await benchline(['audit', 'verify', '--store', file]);
    expect(result.code).toBe(EXIT.AUDIT_INVALID);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Audit log NOT intact: first bad record is seq 5: record 5 was altered/);
  });

  it('fails when the newest records were deleted', async () => {
    tamper('DELETE FROM audit WHERE seq >= 5');
    const result = await benchline(['audit', 'verify', '--store', file]);
    expect(result.code).toBe(EXIT.AUDIT_INVALID);
    expect(result.stderr).toMatch(/first bad record is seq 5: the newest 2 record\(s\) were removed/);
  });

  it('refuses a file that is not a store, or a store of a newer Benchline, with the store exit code', async () => {
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(notes, 'not a database, just notes\n'.repeat(100));
    const notAStore = await benchline(['audit', 'verify', '--store', notes]);
    expect(notAStore.code).toBe(EXIT.STORE_UNUSABLE);
    expect(notAStore.stderr).toMatch(/notes\.txt is not a Benchline store/);

    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const newer = await benchline(['audit', 'verify', '--store', file]);
    expect(newer.code).toBe(EXIT.STORE_UNUSABLE);
    expect(newer.stderr).toMatch(/written by a newer Benchline \(store schema 99/);

    const missing = await benchline(['audit', 'verify', '--store', path.join(dir, 'absent.db')]);
    expect(missing.code).toBe(EXIT.STORE_UNUSABLE);
    expect(missing.stderr).toMatch(/There is no Benchline store at/);
  });
});

describe('benchline audit export', () => {
  it('writes CSV that parses back into the records, in order', async () => {
    const result = await benchline(['audit', 'export', '--format', 'csv', '--store', file]);
    expect(result.code).toBe(EXIT.OK);
    const rows = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(['seq', 'at', 'technician', 'action', 'job', 'workflow', 'step', 'udid', 'serial', 'result', 'detail', 'hash']);
    expect(rows).toEqual(
      records.map((r) => ({
        seq: String(r.seq),
        at: r.at,
        technician: r.technician,
        action: r.action,
        job: r.jobId ?? '',
        workflow: r.workflowId ?? '',
        step: r.stepKind ?? '',
        udid: r.udid ?? '',
        serial: r.serialNumber ?? '',
        result: r.result,
        detail: r.detail ?? '',
        hash: r.hash,
      })),
    );
  });

  it('writes the full records as JSON to --output', async () => {
    const output = path.join(dir, 'audit.json');
    const result = await benchline(['audit', 'export', '--format', 'json', '--output', output, '--store', file]);
    expect(result).toMatchObject({ code: EXIT.OK, stdout: '', stderr: '' });
    expect(JSON.parse(readFileSync(output, 'utf8'))).toEqual(records);
  });

  it('exports an empty log as a header or an empty array', async () => {
    const empty = path.join(dir, 'empty.db');
    openStore(empty).close();
    expect((await benchline(['audit', 'export', '--store', empty])).stdout).toBe('seq,at,technician,action,job,workflow,step,udid,serial,result,detail,hash\n');
    expect(JSON.parse((await benchline(['audit', 'export', '--format', 'json', '--store', empty])).stdout)).toEqual([]);
  });
});
