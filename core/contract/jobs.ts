/**
 * Bench actions as every UI sees them: the workflows a technician can run
 * (with what the acknowledgement panel must say), and jobs — one workflow on
 * one device — with their progress and outcome.
 */
import { z } from 'zod';

export const JOB_STATES = ['queued', 'running', 'waiting-device', 'succeeded', 'failed', 'cancelled'] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobStateName = z.infer<typeof JobStateSchema>;

export const STEP_STATES = ['pending', 'running', 'succeeded', 'skipped', 'failed'] as const;

export const ReasonSchema = z.object({ id: z.string(), label: z.string() });

export const WorkflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** Loses data on the device: needs the "I acknowledge" checkbox and `--yes` on the CLI. */
  destructive: z.boolean(),
  /** What the acknowledgement panel says will happen. */
  acknowledgement: z.string(),
  /** When non-empty, the technician must pick one before Execute. */
  reasons: z.array(ReasonSchema),
  steps: z.array(z.object({ kind: z.string(), label: z.string() })),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;

export const JobErrorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() });

export const JobStepSchema = z.object({
  kind: z.string(),
  label: z.string(),
  state: z.enum(STEP_STATES),
  note: z.string().nullable(),
});

export const JobSchema = z.object({
  id: z.string(),
  batchId: z.string(),
  workflowId: z.string(),
  workflowName: z.string(),
  udid: z.string(),
  serialNumber: z.string().nullable(),
  ecid: z.string().nullable(),
  technician: z.string(),
  reason: z.string().nullable(),
  state: JobStateSchema,
  /** 0..1: finished steps over all steps. */
  progress: z.number().min(0).max(1),
  /** The step running now (or waited on), null when none. */
  currentStep: z.string().nullable(),
  /** What the technician should do now, e.g. "Reconnect the device to continue". */
  instruction: z.string().nullable(),
  steps: z.array(JobStepSchema),
  error: JobErrorSchema.nullable(),
  /** False once a destructive step has started. */
  cancellable: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const JobRefusalSchema = z.object({ udid: z.string(), code: z.string(), message: z.string(), hint: z.string() });
export type JobRefusal = z.infer<typeof JobRefusalSchema>;

export const StartJobsParamsSchema = z.object({
  workflowId: z.string().min(1),
  /** UDIDs of the selected devices. */
  udids: z.array(z.string().min(1)).min(1).max(1024),
  /** The "I acknowledge …" checkbox; required true for destructive workflows. */
  acknowledged: z.boolean(),
  /** One of the workflow's reason ids, when it has reasons. */
  reason: z.string().min(1).optional(),
});

export const StartJobsResultSchema = z.object({
  batchId: z.string(),
  jobs: z.array(JobSchema),
  /** Devices for which no job was started, each with why (e.g. AlreadyInProgress). */
  refused: z.array(JobRefusalSchema),
});

export const TechnicianSchema = z.object({ name: z.string().nullable() });

/** Error codes of job commands (in envelopes and refusals). */
export const JOB_ERROR_CODES = {
  AlreadyInProgress: 'AlreadyInProgress',
  NotAcknowledged: 'NotAcknowledged',
  ReasonRequired: 'ReasonRequired',
  UnknownWorkflow: 'UnknownWorkflow',
  NoTechnician: 'NoTechnician',
  DeviceNotTethered: 'DeviceNotTethered',
  NotCancellable: 'NotCancellable',
  UnknownJob: 'UnknownJob',
} as const;
