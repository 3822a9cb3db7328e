/** A job as UIs see it (core/contract's Job), from its stored rows and what the engine knows live. */
import type { Job } from '../contract/jobs.js';
import type { JobRow, StepRow } from '../store/types.js';
import type { WorkflowDefinition } from '../workflows/definition.js';
import { stepKindOf, stepLabel } from '../workflows/catalog.js';

export interface LiveJobState {
  /** What the technician should do now (the job is waiting for the device). */
  instruction: string | null;
}

const ACTIVE = new Set(['queued', 'running', 'waiting-device']);

/**
 * Cancellable while active and before any destructive step has begun to act
 * (an attempt made, or its command recorded as sent). Waiting for the device
 * before an erase can still be cancelled.
 */
export function isCancellable(job: JobRow, steps: readonly StepRow[]): boolean {
  if (!ACTIVE.has(job.state)) return false;
  return !steps.some((step) => stepKindOf(step.kind)?.destructive && (step.attempts > 0 || step.dispatchedAt !== null || step.state === 'succeeded' || step.state === 'failed'));
}

export function jobView(job: JobRow, steps: readonly StepRow[], definition: WorkflowDefinition | null, live: LiveJobState | undefined): Job {
  const finished = steps.filter((step) => step.state === 'succeeded' || step.state === 'skipped').length;
  const current = steps.find((step) => step.state === 'running');
  const labelOf = (step: StepRow): string => {
    const defined = definition?.steps[step.index];
    return defined ? stepLabel(defined) : (stepKindOf(step.kind)?.label ?? step.kind);
  };
  return {
    id: job.id,
    batchId: job.batchId,
    workflowId: job.workflowId,
    workflowName: definition?.name ?? job.workflowId,
    udid: job.udid,
    serialNumber: job.serialNumber,
    ecid: job.ecid,
    technician: job.technician,
    reason: job.reason,
    state: job.state,
    progress: steps.length === 0 ? 0 : finished / steps.length,
    currentStep: current ? labelOf(current) : null,
    instruction: ACTIVE.has(job.state) ? (live?.instruction ?? null) : null,
    steps: steps.map((step) => ({ kind: step.kind, label: labelOf(step), state: step.state, note: step.note })),
    error: job.error ? { code: job.error.code, message: job.error.message, hint: job.error.instruction } : null,
    cancellable: isCancellable(job, steps),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}
