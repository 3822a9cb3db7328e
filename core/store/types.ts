/**
 * The bench's own record, as the rest of core sees it: devices seen, jobs,
 * their steps, workflow definitions, settings, and the audit log. The SQLite
 * implementation lives in sqlite-store.ts; tests may use it on a temp file.
 *
 * Writes are synchronous and durable when they return (WAL, one transaction
 * each): the job engine records "about to send EraseDevice" before sending it,
 * and that record must survive a kill -9 the instant after.
 */

export type JobState = 'queued' | 'running' | 'waiting-device' | 'succeeded' | 'failed' | 'cancelled';
export type StepState = 'pending' | 'running' | 'succeeded' | 'skipped' | 'failed';

export const FINISHED_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface StoredError {
  code: string;
  message: string;
  /** What the technician should do. */
  instruction: string;
}

export interface DeviceSeen {
  udid: string;
  ecid: string | null;
  serialNumber: string | null;
  productType: string | null;
  productVersion: string | null;
}

export interface JobRow {
  id: string;
  /** Jobs started together by one command share a batch. */
  batchId: string;
  workflowId: string;
  /** sha256 of the workflow definition the job runs, so a later edit cannot change a running job. */
  workflowHash: string;
  udid: string;
  ecid: string | null;
  serialNumber: string | null;
  technician: string;
  reason: string | null;
  /** Workflow parameters chosen at start, as JSON. */
  params: Record<string, unknown>;
  state: JobState;
  error: StoredError | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Bumped on every update, for change detection. */
  revision: number;
}

export interface StepRow {
  jobId: string;
  index: number;
  kind: string;
  state: StepState;
  attempts: number;
  /**
   * Set, durably, just before an irreversible command goes to the device.
   * After a crash a running step with `dispatchedAt` set may have reached
   * the device: it is reconciled from the device's state, never blindly resent.
   */
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Why a step was skipped or what it observed, for the record. */
  note: string | null;
  error: StoredError | null;
}

export type NewJob = Omit<JobRow, 'state' | 'error' | 'startedAt' | 'finishedAt' | 'revision'> & { steps: { kind: string }[] };

export interface JobPatch {
  state?: JobState;
  error?: StoredError | null;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export type StepPatch = Partial<Pick<StepRow, 'state' | 'attempts' | 'dispatchedAt' | 'startedAt' | 'finishedAt' | 'note' | 'error'>>;

export interface JobQuery {
  /** Only jobs not finished (queued, running, waiting-device). */
  activeOnly?: boolean;
  udid?: string;
  batchId?: string;
  /** Newest first; default 500. */
  limit?: number;
}

export interface StoredWorkflow {
  id: string;
  hash: string;
  /** The validated definition as JSON text. */
  definition: string;
  storedAt: string;
}

/** One audit record as appended: who did what to which device, and how it ended. */
export interface AuditEntry {
  /** ISO time. */
  at: string;
  technician: string;
  /** e.g. "job.started", "step.succeeded", "job.failed", "technician.set". */
  action: string;
  jobId: string | null;
  workflowId: string | null;
  stepKind: string | null;
  udid: string | null;
  serialNumber: string | null;
  /** "ok", "skipped", "failed: <code>", … */
  result: string;
  /** Free text (reason, error message). */
  detail: string | null;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  /** hex sha256 of the previous record's hash and this record's canonical JSON. */
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  | { ok: true; records: number; headHash: string }
  | { ok: false; records: number; firstBadSeq: number; problem: string };

export interface AuditLog {
  append(entry: AuditEntry): AuditRecord;
  verify(): AuditVerification;
  /** In order, oldest first, from `fromSeq` (default 1); at most 1000 per call: page on from the last seq + 1. */
  records(fromSeq?: number): AuditRecord[];
}

export interface BenchStore {
  readonly path: string;
  readonly audit: AuditLog;

  noteDeviceSeen(device: DeviceSeen, at: string): void;
  device(udid: string): (DeviceSeen & { firstSeenAt: string; lastSeenAt: string }) | null;

  /** Creates the job and its pending steps in one transaction. */
  createJob(job: NewJob): JobRow;
  updateJob(id: string, patch: JobPatch): JobRow;
  job(id: string): JobRow | null;
  jobs(query?: JobQuery): JobRow[];
  steps(jobId: string): StepRow[];
  updateStep(jobId: string, index: number, patch: StepPatch): StepRow;

  saveWorkflow(workflow: Omit<StoredWorkflow, 'storedAt'>): StoredWorkflow;
  workflow(id: string, hash?: string): StoredWorkflow | null;

  setting(key: string): string | null;
  setSetting(key: string, value: string): void;

  close(): void;
}
