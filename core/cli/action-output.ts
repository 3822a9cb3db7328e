/** How action commands report: a progress line per job change, and a summary at the end. */
import type { Job, JobRefusal } from '../contract/jobs.js';
import type { WorkflowDefinition } from '../workflows/definition.js';

const BAR_WIDTH = 20;

function deviceName(job: Pick<Job, 'serialNumber' | 'udid'>): string {
  return job.serialNumber ?? job.udid;
}

export function formatProgressLine(job: Job): string {
  const filled = Math.round(job.progress * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const what = job.instruction ?? job.currentStep ?? (job.error ? `${job.error.code}: ${job.error.message}` : '');
  return `${deviceName(job).padEnd(14)} ${bar} ${String(Math.round(job.progress * 100)).padStart(3)}%  ${job.state.padEnd(14)} ${what}`.trimEnd();
}

export function formatSummary(definition: WorkflowDefinition, jobs: readonly Job[], refused: readonly JobRefusal[]): string {
  const succeeded = jobs.filter((job) => job.state === 'succeeded');
  const failed = jobs.filter((job) => job.state !== 'succeeded');
  const lines = [`${definition.name}: ${succeeded.length} succeeded, ${failed.length} failed${refused.length > 0 ? `, ${refused.length} refused` : ''}`];
  for (const job of failed) {
    lines.push(`  ${deviceName(job)} (${job.udid}): ${job.state === 'cancelled' ? 'cancelled' : (job.error?.message ?? job.state)}`);
    if (job.error) lines.push(`    → ${job.error.hint}`);
  }
  for (const refusal of refused) {
    lines.push(`  ${refusal.udid}: refused: ${refusal.message}`);
    lines.push(`    → ${refusal.hint}`);
  }
  return lines.join('\n');
}

export function summaryJson(definition: WorkflowDefinition, batchId: string, jobs: readonly Job[], refused: readonly JobRefusal[]): object {
  return {
    workflow: definition.id,
    batchId,
    succeeded: jobs.filter((job) => job.state === 'succeeded').length,
    failed: jobs.filter((job) => job.state !== 'succeeded').length,
    refused,
    jobs,
  };
}

/** Jobs of any workflows, finished by `benchline resume`. */
export function formatResumed(jobs: readonly Job[]): string {
  const succeeded = jobs.filter((job) => job.state === 'succeeded').length;
  const lines = [`Resumed ${jobs.length} job(s): ${succeeded} succeeded, ${jobs.length - succeeded} failed`];
  for (const job of jobs) {
    lines.push(`  ${deviceName(job)} ${job.workflowName}: ${job.state}${job.error ? ` — ${job.error.message}` : ''}`);
    if (job.error) lines.push(`    → ${job.error.hint}`);
  }
  return lines.join('\n');
}
