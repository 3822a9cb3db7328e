/**
 * BenchStore on better-sqlite3. Every write is one IMMEDIATE transaction that
 * has committed when the method returns (see database.ts for why that is
 * durable across kill -9). IMMEDIATE takes the write lock before reading, so
 * a read-modify-write never fails half-way because another process (the app
 * and the CLI share the file) wrote in between; it waits busy_timeout instead.
 */
import type Database from 'better-sqlite3';
import { createAuditLog } from '../audit/sqlite-audit-log.js';
import { openDatabase, type OpenOptions } from './database.js';
import { StoreError, sqliteCode } from './errors.js';
import { errorJson, toDevice, toJob, toStep, toWorkflow, type DeviceRecordRow, type JobRecord, type StepRecord, type WorkflowRecord } from './rows.js';
import type { BenchStore, DeviceSeen, JobPatch, JobQuery, JobRow, NewJob, StepPatch, StepRow, StoredWorkflow } from './types.js';

/** Must match the partial index jobs_active_per_device (migration 001) for SQLite to use it. */
const ACTIVE = "state IN ('queued', 'running', 'waiting-device')";
const DEFAULT_JOB_LIMIT = 500;

/** A patch's fields that are set; `undefined` means "leave as is", `null` clears. */
function defined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function activeJobError(udid: string, existing: string | undefined): StoreError {
  return new StoreError(
    'active-job-exists',
    `Device ${udid} already has an active job${existing ? ` (${existing})` : ''}.`,
    'Wait for it to finish or cancel it before starting another job on this device.',
  );
}

/** The connection behind each store this module opened: the sync store (sync-store.ts) shares it, and its transactions. */
const connections = new WeakMap<BenchStore, Database.Database>();

/** The SQLite connection of a store opened by openStore; null for any other BenchStore (a test's fake). */
export function connectionOf(store: BenchStore): Database.Database | null {
  return connections.get(store) ?? null;
}

class SqliteBenchStore implements BenchStore {
  readonly audit;
  private readonly statements;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.audit = createAuditLog(db);
    this.statements = {
      upsertDevice: db.prepare(`
        INSERT INTO devices (udid, ecid, serial_number, product_type, product_version, first_seen_at, last_seen_at)
        VALUES (@udid, @ecid, @serialNumber, @productType, @productVersion, @at, @at)
        ON CONFLICT (udid) DO UPDATE SET
          -- A partial read (null) never erases what an earlier read learned; an OS update replaces the version.
          ecid = COALESCE(excluded.ecid, ecid),
          serial_number = COALESCE(excluded.serial_number, serial_number),
          product_type = COALESCE(excluded.product_type, product_type),
          product_version = COALESCE(excluded.product_version, product_version),
          last_seen_at = excluded.last_seen_at`),
      device: db.prepare('SELECT * FROM devices WHERE udid = ?'),
      insertJob: db.prepare(`
        INSERT INTO jobs (id, batch_id, workflow_id, workflow_hash, udid, ecid, serial_number, technician, reason, params, state, error, created_at, started_at, finished_at, revision)
        VALUES (@id, @batchId, @workflowId, @workflowHash, @udid, @ecid, @serialNumber, @technician, @reason, @params, 'queued', NULL, @createdAt, NULL, NULL, 1)`),
      insertStep: db.prepare("INSERT INTO steps (job_id, idx, kind, state, attempts) VALUES (?, ?, ?, 'pending', 0)"),
      job: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      activeJobFor: db.prepare(`SELECT id FROM jobs WHERE udid = ? AND ${ACTIVE}`).pluck(),
      updateJob: db.prepare(`
        UPDATE jobs SET state = @state, error = @error, started_at = @startedAt, finished_at = @finishedAt, revision = revision + 1
        WHERE id = @id`),
      bumpJob: db.prepare('UPDATE jobs SET revision = revision + 1 WHERE id = ?'),
      steps: db.prepare('SELECT * FROM steps WHERE job_id = ? ORDER BY idx'),
      step: db.prepare('SELECT * FROM steps WHERE job_id = ? AND idx = ?'),
      updateStep: db.prepare(`
        UPDATE steps SET state = @state, attempts = @attempts, dispatched_at = @dispatchedAt, started_at = @startedAt,
          finished_at = @finishedAt, note = @note, error = @error
        WHERE job_id = @jobId AND idx = @index`),
      workflowExact: db.prepare('SELECT * FROM workflows WHERE id = ? AND hash = ?'),
      workflowLatest: db.prepare('SELECT * FROM workflows WHERE id = ? ORDER BY rowid DESC LIMIT 1'),
      insertWorkflow: db.prepare('INSERT INTO workflows (id, hash, definition, stored_at) VALUES (?, ?, ?, ?)'),
      setting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Runs `work` as one IMMEDIATE transaction (a savepoint when already inside one). */
  private write<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  noteDeviceSeen(device: DeviceSeen, at: string): void {
    // Field by field: callers may hand in a whole device record, and a field left undefined must read as "unknown".
    const { udid, ecid, serialNumber, productType, productVersion } = device;
    this.write(() => this.statements.upsertDevice.run({ udid, ecid: ecid ?? null, serialNumber: serialNumber ?? null, productType: productType ?? null, productVersion: productVersion ?? null, at }));
  }

  device(udid: string): (DeviceSeen & { firstSeenAt: string; lastSeenAt: string }) | null {
    const row = this.statements.device.get(udid) as DeviceRecordRow | undefined;
    return row ? toDevice(row) : null;
  }

  createJob(job: NewJob): JobRow {
    return this.write(() => {
      const active = this.statements.activeJobFor.get(job.udid) as string | undefined;
      if (active !== undefined) throw activeJobError(job.udid, active);
      if (!this.statements.workflowExact.get(job.workflowId, job.workflowHash)) {
        throw new StoreError(
          'unknown-workflow',
          `Job ${job.id} runs workflow ${job.workflowId} (${job.workflowHash}), which is not stored.`,
          'Save the workflow definition (saveWorkflow) before creating jobs that run it.',
        );
      }
      this.statements.insertJob.run({ ...job, params: JSON.stringify(job.params) });
      job.steps.forEach((step, index) => this.statements.insertStep.run(job.id, index, step.kind));
      return this.requireJob(job.id);
    });
  }

  updateJob(id: string, patch: JobPatch): JobRow {
    return this.write(() => {
      const next = { ...this.requireJob(id), ...defined(patch) };
      try {
        this.statements.updateJob.run({ id, state: next.state, error: errorJson(next.error), startedAt: next.startedAt, finishedAt: next.finishedAt });
      } catch (error) {
        // A finished job made active again while the device has another active one.
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') throw activeJobError(next.udid, undefined);
        throw error;
      }
      return this.requireJob(id);
    });
  }

  job(id: string): JobRow | null {
    const row = this.statements.job.get(id) as JobRecord | undefined;
    return row ? toJob(row) : null;
  }

  jobs(query: JobQuery = {}): JobRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.activeOnly) where.push(ACTIVE);
    if (query.udid !== undefined) {
      where.push('udid = ?');
      params.push(query.udid);
    }
    if (query.batchId !== undefined) {
      where.push('batch_id = ?');
      params.push(query.batchId);
    }
    params.push(query.limit ?? DEFAULT_JOB_LIMIT);
    const sql = `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params) as JobRecord[]).map(toJob);
  }

  steps(jobId: string): StepRow[] {
    return (this.statements.steps.all(jobId) as StepRecord[]).map(toStep);
  }

  updateStep(jobId: string, index: number, patch: StepPatch): StepRow {
    return this.write(() => {
      const row = this.statements.step.get(jobId, index) as StepRecord | undefined;
      if (!row) throw new StoreError('not-found', `Job ${jobId} has no step ${index}.`, 'This is a bug in Benchline: report it with the job id.');
      const next = { ...toStep(row), ...defined(patch) };
      this.statements.updateStep.run({ ...next, error: errorJson(next.error) });
      // A step changing changes its job's progress: the job's revision says "something changed".
      this.statements.bumpJob.run(jobId);
      return toStep(this.statements.step.get(jobId, index) as StepRecord);
    });
  }

  saveWorkflow(workflow: Omit<StoredWorkflow, 'storedAt'>): StoredWorkflow {
    JSON.parse(workflow.definition); // a definition that is not JSON is a caller's bug: fail here, not on read
    return this.write(() => {
      const existing = this.statements.workflowExact.get(workflow.id, workflow.hash) as WorkflowRecord | undefined;
      if (existing) {
        if (existing.definition === workflow.definition) return toWorkflow(existing);
        throw new StoreError(
          'workflow-conflict',
          `Workflow ${workflow.id} (${workflow.hash}) is already stored with a different definition.`,
          'The hash must be computed from the definition; this is a bug in Benchline.',
        );
      }
      const storedAt = new Date().toISOString();
      this.statements.insertWorkflow.run(workflow.id, workflow.hash, workflow.definition, storedAt);
      return { ...workflow, storedAt };
    });
  }

  workflow(id: string, hash?: string): StoredWorkflow | null {
    const row = (hash === undefined ? this.statements.workflowLatest.get(id) : this.statements.workflowExact.get(id, hash)) as WorkflowRecord | undefined;
    return row ? toWorkflow(row) : null;
  }

  setting(key: string): string | null {
    return (this.statements.setting.get(key) as string | undefined) ?? null;
  }

  setSetting(key: string, value: string): void {
    this.write(() => this.statements.setSetting.run(key, value));
  }

  close(): void {
    this.db.close();
  }

  private requireJob(id: string): JobRow {
    const job = this.job(id);
    if (!job) throw new StoreError('not-found', `There is no job ${id}.`, 'This is a bug in Benchline: report it with the job id.');
    return job;
  }
}

/**
 * Opens (creating if needed, unless `mustExist`) the store at `file` and brings
 * its schema up to date. Throws StoreError for a file that is not a Benchline
 * store or was written by a newer Benchline, without changing it.
 */
export function openStore(file: string, options: OpenOptions = {}): BenchStore {
  const db = openDatabase(file, options);
  const store = new SqliteBenchStore(file, db);
  connections.set(store, db);
  return store;
}
