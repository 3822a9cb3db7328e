/** Migration 001 (jobs): from an empty file to devices, workflows, jobs, steps and settings. */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { migrate } from '../../core/store/migrations/index.js';
import { tempDir } from './store-fixtures.js';

let temp: ReturnType<typeof tempDir>;
let db: Database.Database;
beforeEach(() => {
  temp = tempDir();
  db = openDatabase(temp.file(), { schema: 0 });
});
afterEach(() => {
  db.close();
  temp.cleanup();
});

const insertJob = (id: string, udid: string, state: string): Database.RunResult =>
  db
    .prepare(
      `INSERT INTO jobs (id, batch_id, workflow_id, workflow_hash, udid, technician, params, state, created_at, revision)
       VALUES (?, 'b', 'erase', 'h1', ?, 'alex', '{}', ?, '2026-11-21T08:00:00Z', 1)`,
    )
    .run(id, udid, state);

describe('migration 001', () => {
  it('turns an empty file into schema 1 with the tables and indexes', () => {
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    migrate(db, temp.file(), 1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(names).toEqual(['devices', 'devices_by_ecid', 'devices_by_serial', 'jobs', 'jobs_active_per_device', 'jobs_by_batch', 'jobs_by_created', 'jobs_by_device', 'settings', 'steps', 'workflows']);
    // No audit yet: that is migration 002.
    expect(names).not.toContain('audit');
  });

  it('lets the database itself hold one active job per device, and finished jobs beside it', () => {
    migrate(db, temp.file(), 1);
    db.prepare("INSERT INTO workflows VALUES ('erase', 'h1', '{}', '2026-11-21T08:00:00Z')").run();
    insertJob('done', 'u1', 'succeeded');
    insertJob('active', 'u1', 'waiting-device');
    insertJob('elsewhere', 'u2', 'running');
    expect(() => insertJob('second', 'u1', 'queued')).toThrow(/UNIQUE constraint failed: jobs.udid/);
    // The active-job lookup is answered from the partial index, not a scan.
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE udid = ? AND state IN ('queued', 'running', 'waiting-device')").all('u1') as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING INDEX jobs_active_per_device/);
    const batchPlan = db.prepare('SELECT id FROM jobs WHERE batch_id = ? ORDER BY created_at DESC');
    expect((db.prepare(`EXPLAIN QUERY PLAN ${batchPlan.source}`).all('b') as { detail: string }[]).map((row) => row.detail).join(' ')).toMatch(/jobs_by_batch/);
  });

  it('refuses a job whose workflow version is not stored, and deletes steps with their job', () => {
    migrate(db, temp.file(), 1);
    expect(() => insertJob('orphan', 'u1', 'queued')).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO workflows VALUES ('erase', 'h1', '{}', '2026-11-21T08:00:00Z')").run();
    insertJob('j', 'u1', 'queued');
    db.prepare("INSERT INTO steps (job_id, idx, kind, state, attempts) VALUES ('j', 0, 'erase', 'pending', 0)").run();
    db.prepare("DELETE FROM jobs WHERE id = 'j'").run();
    expect(db.prepare('SELECT count(*) FROM steps').pluck().get()).toBe(0);
  });

  it('is all or nothing: a statement failing half-way leaves schema 0 and no tables', () => {
    const file = temp.file('partial.db');
    const raw = new Database(file);
    // A table named like one the migration creates (after others) makes it fail half-way.
    raw.exec('CREATE TABLE settings (key TEXT)');
    try {
      expect(() => migrate(raw, file, 1)).toThrow(/table settings already exists/);
      expect(raw.pragma('user_version', { simple: true })).toBe(0);
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['settings']);
    } finally {
      raw.close();
    }
  });
});
