/** Files the store must refuse, and rows it must refuse to misread. */
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../core/store/errors.js';
import { LATEST_SCHEMA } from '../../core/store/migrations/index.js';
import { openStore } from '../../core/store/sqlite-store.js';
import { tempDir } from './store-fixtures.js';
import { WORKFLOW, newJob } from './store-samples.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => (temp = tempDir()));
afterEach(() => temp.cleanup());

function openError(file: string, options?: Parameters<typeof openStore>[1]): StoreError {
  try {
    openStore(file, options).close();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected openStore to fail');
}

describe('opening', () => {
  it('creates a store, and a second open of it finds the same schema and data', () => {
    const store = openStore(temp.file());
    store.setSetting('k', 'v');
    store.close();
    const again = openStore(temp.file());
    expect(again.setting('k')).toBe('v');
    again.close();
    const raw = new Database(temp.file());
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('refuses a file that is not a database, and leaves it as it was', () => {
    const file = temp.file('notes.txt');
    const text = 'Bench 3 notes: replace the USB hub on port 7.\n'.repeat(200);
    writeFileSync(file, text);
    const error = openError(file);
    expect(error.code).toBe('not-a-store');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not an SQLite database/);
    expect(error.instruction).toMatch(/--store|BENCHLINE_STORE/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses another program\'s SQLite database instead of adding tables to it', () => {
    const file = temp.file('other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
    other.close();
    expect(openError(file).message).toMatch(/SQLite database but not a Benchline store/);
    const check = new Database(file);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['photos']);
    check.close();
  });

  it('refuses a store from a newer Benchline without changing it', () => {
    openStore(temp.file()).close();
    const raw = new Database(temp.file());
    raw.pragma(`user_version = ${LATEST_SCHEMA + 1}`);
    raw.close();
    const before = readFileSync(temp.file());
    const error = openError(temp.file());
    expect(error.code).toBe('newer-schema');
    expect(error.message).toContain(`store schema ${LATEST_SCHEMA + 1}`);
    expect(error.instruction).toMatch(/Update Benchline/);
    expect(readFileSync(temp.file()).equals(before)).toBe(true);
  });

  it('with mustExist, says there is no store instead of creating one', () => {
    const error = openError(temp.file('absent.db'), { mustExist: true });
    expect(error.code).toBe('missing');
    expect(() => readFileSync(temp.file('absent.db'))).toThrow(/ENOENT/);
  });
});

describe('rows changed outside Benchline', () => {
  function corrupt(sql: string): void {
    const store = openStore(temp.file());
    store.saveWorkflow(WORKFLOW);
    store.createJob(newJob({ id: 'bad' }));
    store.createJob(newJob({ id: 'good', udid: 'other-udid' }));
    store.close();
    const raw = new Database(temp.file());
    raw.exec(sql);
    raw.close();
  }

  function readError(read: () => unknown): StoreError {
    try {
      read();
    } catch (error) {
      if (error instanceof StoreError) return error;
      throw error;
    }
    throw new Error('expected the read to fail');
  }

  it('names the job and column whose JSON is broken, and the other jobs still read', () => {
    corrupt(`UPDATE jobs SET params = '{"keepEsim": fal' WHERE id = 'bad'`);
    const store = openStore(temp.file());
    const error = readError(() => store.job('bad'));
    expect(error.code).toBe('corrupt-row');
    expect(error.message).toMatch(/^Job bad: column "params" cannot be read \(not valid JSON/);
    expect(store.job('good')!.params).toEqual(newJob().params);
    store.close();
  });

  it('refuses JSON of the wrong shape and unknown states', () => {
    corrupt(`UPDATE jobs SET error = '{"code": 42}' WHERE id = 'bad'; UPDATE steps SET state = 'exploded' WHERE job_id = 'good' AND idx = 2`);
    const store = openStore(temp.file());
    expect(readError(() => store.jobs()).message).toMatch(/Job bad: column "error" cannot be read \(.*code/);
    expect(readError(() => store.steps('good')).message).toMatch(/Step 2 of job good: column "state" cannot be read \(unknown value "exploded"\)/);
    store.close();
  });

  it('refuses a stored workflow definition that is not JSON', () => {
    corrupt(`UPDATE workflows SET definition = 'steps: [erase]'`);
    const store = openStore(temp.file());
    expect(readError(() => store.workflow('erase')).message).toMatch(/Workflow erase .*"definition" cannot be read/);
    store.close();
  });
});

describe('paths that cannot hold a store', () => {
  it('says a directory cannot be opened, instead of a bare SQLite error', () => {
    const error = openError(temp.dir);
    expect(error.code).toBe('cannot-open');
    expect(error.message).toContain(temp.dir);
    expect(error.instruction).toMatch(/not a directory/);
  });
});
