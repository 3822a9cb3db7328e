/**
 * How a job is presented: the words of its state badge and their colour,
 * and its progress as a whole percentage. Pure, like device-view.ts, so the
 * words a technician relies on are tested without a DOM.
 */
import type { Job, JobStateName } from '../../core/contract/index.js';
import type { Tone } from './device-view.js';

export const JOB_LOOK: Readonly<Record<JobStateName, { readonly badge: string; readonly tone: Tone }>> = {
  queued: { badge: 'Waiting to start', tone: 'busy' },
  running: { badge: 'Running', tone: 'action' },
  'waiting-device': { badge: 'Waiting for the device', tone: 'warning' },
  succeeded: { badge: 'Succeeded', tone: 'ok' },
  failed: { badge: 'Failed', tone: 'danger' },
  cancelled: { badge: 'Cancelled', tone: 'muted' },
};

/** 0..100, rounded down so a bar never reads 100% before the job has finished. */
export function percentOf(progress: number): number {
  return Math.max(0, Math.min(100, Math.floor(progress * 100)));
}

/** The one line under a job's bar: what the technician must do, else what runs now, else why it failed. */
export function jobLine(job: Job): string | null {
  return job.instruction ?? job.currentStep ?? job.error?.message ?? null;
}

/** The share of a job's bar its running step will fill: one step's worth while it runs, nothing once it is over. */
export function runningShare(job: Job): number {
  const active = job.state === 'running' || job.state === 'waiting-device';
  return active && job.steps.length > 0 ? 1 / job.steps.length : 0;
}
