/** Refusals of job commands: a stable code, what happened, and what to do. */
import type { JOB_ERROR_CODES } from '../contract/jobs.js';

export class JobCommandError extends Error {
  constructor(
    readonly code: (typeof JOB_ERROR_CODES)[keyof typeof JOB_ERROR_CODES],
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'JobCommandError';
  }
}
