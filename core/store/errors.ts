/**
 * Why the bench's record cannot be used, said so a technician (or a script)
 * knows what to do. Every failure of core/store and core/audit that is not a
 * programming error is a StoreError with one of these codes.
 */
export type StoreErrorCode =
  /** The file exists but is not an SQLite database, or not one Benchline wrote. */
  | 'not-a-store'
  /** The store was written by a newer Benchline (schema version above what this build knows). */
  | 'newer-schema'
  /** `mustExist` was asked and there is no file. */
  | 'missing'
  /** The file (or its directory) cannot be opened: permissions, a directory, a read-only disk. */
  | 'cannot-open'
  /** A row cannot be read back: bad JSON or a value outside its type. */
  | 'corrupt-row'
  /** SQLite reports the file itself damaged. */
  | 'corrupt-file'
  /** The job, step or workflow named does not exist. */
  | 'not-found'
  /** The device already has a queued, running or waiting job. */
  | 'active-job-exists'
  /** The job names a workflow id + hash that was never saved. */
  | 'unknown-workflow'
  /** A workflow id + hash was saved before with a different definition. */
  | 'workflow-conflict';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** What the technician should do about it. */
    readonly instruction: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** better-sqlite3 reports SQLite result codes as `error.code` strings, e.g. "SQLITE_NOTADB". */
export function sqliteCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
