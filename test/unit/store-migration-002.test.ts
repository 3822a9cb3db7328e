/** Migration 002 (audit): adds the audit log to a schema-1 store that already holds jobs. */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { migrate } from '../../core/store/migrations/index.js';
import { openStore } from '../../core/store/sqlite-store.js';
import { tempDir } from './store-fixtures.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
  const db = openDatabase(temp.file(), { schema: 1 });
  db.exec(`
    INSERT INTO workflows VALUES ('erase', 'h1', '{"steps":["erase"]}', '2026-11-20T10:00:00Z');
    INSERT INTO jobs (id, batch_id, workflow_id, workflow_hash, udid, technician, params, state, created_at, revision)
      VALUES ('j1', 'b1', 'erase', 'h1', 'u1', 'alex', '{"keepEsim":true}', 'running', '2026-11-20T10:00:00Z', 3);
    INSERT INTO steps (job_id, idx, kind, state, attempts, dispatched_at) VALUES ('j1', 0, 'erase', 'running', 1, '2026-11-20T10:00:05Z');
    INSERT INTO settings VALUES ('technician', 'alex');
  `);
  db.close();
});
afterEach(() => temp.cleanup());

describe('migration 002', () => {
  it('keeps the jobs of a schema-1 store and starts an empty, intact audit log', () => {
    const db = new Database(temp.file());
    migrate(db, temp.file(), 2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT count, head_hash FROM audit_head').all()).toEqual([{ count: 0, head_hash: '0'.repeat(64) }]);
    db.close();

    const store = openStore(temp.file());
    try {
      expect(store.job('j1')).toMatchObject({ state: 'running', params: { keepEsim: true }, revision: 3 });
      expect(store.steps('j1')[0]).toMatchObject({ dispatchedAt: '2026-11-20T10:00:05Z', attempts: 1 });
      expect(store.setting('technician')).toBe('alex');
      expect(store.audit.verify()).toEqual({ ok: true, records: 0, headHash: '0'.repeat(64) });
    } finally {
      store.close();
    }
  });

  it('installs triggers that refuse rewriting audit records and moving the head back', () => {
    const store = openStore(temp.file());
    store.audit.append({ at: '2026-11-21T08:00:00Z', technician: 'alex', action: 'job.started', jobId: 'j1', workflowId: 'erase', stepKind: null, udid: 'u1', serialNumber: null, result: 'ok', detail: null });
    store.close();
    const db = new Database(temp.file());
    try {
      expect(() => db.exec("UPDATE audit SET technician = 'mallory'")).toThrow(/append-only: UPDATE refused/);
      expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only: DELETE refused/);
      expect(() => db.exec('UPDATE audit_head SET count = 0')).toThrow(/only moves forward/);
      expect(() => db.exec('DELETE FROM audit_head')).toThrow(/cannot be deleted/);
      expect(db.prepare('SELECT technician FROM audit').pluck().all()).toEqual(['alex']);
    } finally {
      db.close();
    }
  });
});
