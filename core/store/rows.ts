/**
 * Reading rows back: every column is checked against its type (states are
 * enumerations, JSON columns are parsed and validated), so a row changed
 * outside Benchline or damaged on disk gives a StoreError that names the row
 * and column instead of an exception deep in the job engine.
 */
import { z } from 'zod';
import { StoreError } from './errors.js';
import type { DeviceSeen, JobRow, JobState, StepRow, StepState, StoredError, StoredWorkflow } from './types.js';

// Records, so that a state added to the types fails to compile here until it is handled.
const JOB_STATES: Record<JobState, true> = { queued: true, running: true, 'waiting-device': true, succeeded: true, failed: true, cancelled: true };
const STEP_STATES: Record<StepState, true> = { pending: true, running: true, succeeded: true, skipped: true, failed: true };

const JobStateSchema = z.enum(Object.keys(JOB_STATES) as [JobState, ...JobState[]]);
const StepStateSchema = z.enum(Object.keys(STEP_STATES) as [StepState, ...StepState[]]);

export const StoredErrorSchema: z.ZodType<StoredError> = z.object({ code: z.string(), message: z.string(), instruction: z.string() });
const ParamsSchema = z.record(z.string(), z.unknown());

/** The SQL (snake_case) shape of a jobs row. */
export interface JobRecord {
  id: string;
  batch_id: string;
  workflow_id: string;
  workflow_hash: string;
  udid: string;
  ecid: string | null;
  serial_number: string | null;
  technician: string;
  reason: string | null;
  params: string;
  state: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  revision: number;
}

export interface StepRecord {
  job_id: string;
  idx: number;
  kind: string;
  state: string;
  attempts: number;
  dispatched_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  note: string | null;
  error: string | null;
}

export interface DeviceRecordRow {
  udid: string;
  ecid: string | null;
  serial_number: string | null;
  product_type: string | null;
  product_version: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export interface WorkflowRecord {
  id: string;
  hash: string;
  definition: string;
  stored_at: string;
}

function corrupt(where: string, column: string, why: string): StoreError {
  return new StoreError(
    'corrupt-row',
    `${where}: column "${column}" cannot be read (${why}).`,
    'The store was changed outside Benchline or is damaged. Keep a copy of the file for investigation; the rest of the store is still readable.',
  );
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message).join('; ');
}

function parseJsonText(text: string, where: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw corrupt(where, column, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A JSON column: parsed, then checked against its schema. */
export function jsonColumn<T>(schema: z.ZodType<T>, text: string, where: string, column: string): T {
  const parsed = schema.safeParse(parseJsonText(text, where, column));
  if (!parsed.success) throw corrupt(where, column, describeIssues(parsed.error));
  return parsed.data;
}

function nullableJson<T>(schema: z.ZodType<T>, text: string | null, where: string, column: string): T | null {
  return text === null ? null : jsonColumn(schema, text, where, column);
}

function enumColumn<T extends string>(schema: z.ZodType<T>, value: string, where: string, column: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw corrupt(where, column, `unknown value ${JSON.stringify(value)}`);
  return parsed.data;
}

export function toJob(row: JobRecord): JobRow {
  const where = `Job ${row.id}`;
  return {
    id: row.id,
    batchId: row.batch_id,
    workflowId: row.workflow_id,
    workflowHash: row.workflow_hash,
    udid: row.udid,
    ecid: row.ecid,
    serialNumber: row.serial_number,
    technician: row.technician,
    reason: row.reason,
    params: jsonColumn(ParamsSchema, row.params, where, 'params'),
    state: enumColumn(JobStateSchema, row.state, where, 'state'),
    error: nullableJson(StoredErrorSchema, row.error, where, 'error'),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    revision: row.revision,
  };
}

export function toStep(row: StepRecord): StepRow {
  const where = `Step ${row.idx} of job ${row.job_id}`;
  return {
    jobId: row.job_id,
    index: row.idx,
    kind: row.kind,
    state: enumColumn(StepStateSchema, row.state, where, 'state'),
    attempts: row.attempts,
    dispatchedAt: row.dispatched_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    note: row.note,
    error: nullableJson(StoredErrorSchema, row.error, where, 'error'),
  };
}

export function toDevice(row: DeviceRecordRow): DeviceSeen & { firstSeenAt: string; lastSeenAt: string } {
  return {
    udid: row.udid,
    ecid: row.ecid,
    serialNumber: row.serial_number,
    productType: row.product_type,
    productVersion: row.product_version,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  };
}

export function toWorkflow(row: WorkflowRecord): StoredWorkflow {
  // The definition stays text (the engine validates its own schema), but it must be JSON.
  parseJsonText(row.definition, `Workflow ${row.id} (${row.hash})`, 'definition');
  return { id: row.id, hash: row.hash, definition: row.definition, storedAt: row.stored_at };
}

export function errorJson(error: StoredError | null): string | null {
  return error === null ? null : JSON.stringify({ code: error.code, message: error.message, instruction: error.instruction });
}
