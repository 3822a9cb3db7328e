/**
 * Why a pushed event was refused for good: retrying cannot change the answer, so the
 * receipt keeps it and the bench shows it instead of retrying.
 */
import { ApiError } from '../errors.js';

export interface EventError {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

export class EventRejected extends Error {
  constructor(readonly error: EventError) {
    super(error.message);
    this.name = 'EventRejected';
  }
}

/**
 * SQLSTATE classes of data the database refuses whatever the moment: 22 data exception
 * (a value out of range, a malformed date), 23 integrity constraint violation. Anything
 * else (connection lost, serialization failure) may pass on a retry.
 */
const PERMANENT_SQLSTATE = /^2[23]/;

/** The rejection an error amounts to, or undefined when it is unexpected (the batch fails 5xx and is retried). */
export function rejectionOf(error: unknown): EventError | undefined {
  if (error instanceof EventRejected) return error.error;
  if (error instanceof ApiError && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: error.code, message: error.message, hint: error.hint };
  }
  const sqlstate = (error as { code?: unknown } | null)?.code;
  if (typeof sqlstate === 'string' && PERMANENT_SQLSTATE.test(sqlstate)) {
    return {
      code: 'event-invalid',
      message: `The server's database refused the event: ${(error as Error).message}.`,
      hint: 'The event cannot be applied as it is; report it with the bench log to support.',
    };
  }
  return undefined;
}
