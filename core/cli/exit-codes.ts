/** `benchline` exit codes: documented in the README, stable for scripts. */
export const EXIT = {
  OK: 0,
  /** Something failed that is not covered below. */
  FAILURE: 1,
  /** Bad arguments or an ambiguous target (several devices, no --udid/--ecid/--foreach). */
  USAGE: 2,
  /** No connected device matches --udid / --ecid, or none is connected. */
  NO_DEVICE: 3,
  /** A targeted device is not ready (locked, waiting for Trust, declined, error); what is known is still printed. */
  NOT_READY: 4,
  /** usbmuxd cannot be reached. */
  USBMUXD_UNAVAILABLE: 5,
  /** libimobiledevice is not installed. */
  LIBRARY_MISSING: 6,
  /** `audit verify`: the audit log was edited, cut short or reordered. */
  AUDIT_INVALID: 7,
  /** The bench's store cannot be used: missing, not a Benchline store, or from a newer Benchline. */
  STORE_UNUSABLE: 8,
  /** An action (erase, prepare, …) failed or was refused on at least one device; the summary says why for each. */
  ACTION_FAILED: 9,
  /** Another Benchline process is running actions on the same record. */
  BENCH_BUSY: 10,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by commands to end with a message and a specific exit code. */
export class CliExit extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
