/**
 * A step kind is code: how to tell whether its effect is already true of the
 * device, and how to bring it about. Workflows (data) list steps by kind.
 *
 * The job engine owns everything around a step — waiting for the device,
 * timeouts, retries, recording, crash recovery — so a kind stays a short,
 * testable description of one device operation.
 */
import type { z } from 'zod';
import { ManagementError } from '../../devices/errors.js';
import type { DeviceServices, ManagementConnection } from '../../devices/services.js';
import type { Organization } from '../organization.js';

export interface StepCheck {
  done: boolean;
  /** What was observed, for the record ("already erased: Unactivated, no profiles"). */
  note: string;
}

export interface WaitOptions {
  /** Shown to the technician while the device is away, e.g. "The device is erasing. Keep it connected." */
  instruction?: string;
  /**
   * Shown instead once the device has been away longer than it should be: the bench cannot
   * tell a pulled cable from a reset, only that the device is overdue.
   */
  overdue?: { afterMs: number; instruction: string };
  timeoutMs?: number;
}

export interface StepContext<P> {
  readonly udid: string;
  readonly params: P;
  readonly organization: Organization;
  /** Activation and diagnostics; MCInstall through `management()`, not `services.management`. */
  readonly services: DeviceServices;
  /**
   * The attempt's MCInstall connection, HelloHostIdentifier done: opened on
   * first use and shared by the attempt's check, its action and its
   * confirmation (every open costs a TLS handshake). A new one is opened when
   * the device has left since this one was opened (an erase, a restart), after
   * a failure on it other than the device's refusal, and after EraseDevice.
   * The engine closes it when the attempt ends; steps do not (close() only
   * lets go of it: the next call opens a new one). Rejects once the attempt
   * has ended.
   */
  management(): Promise<ManagementConnection>;
  /** Aborted when the job is cancelled (before a destructive step) or the bench shuts down. */
  readonly signal: AbortSignal;
  /**
   * Records, durably, that the irreversible command is about to be sent. Call
   * it immediately before sending: after a crash the engine then reconciles
   * from the device instead of sending it again.
   */
  markDispatched(): void;
  /** Resolves when the device has left the bench (true) or did not within the time (false). */
  waitForDeparture(timeoutMs: number): Promise<boolean>;
  /** Resolves when the device is attached and ready (paired, unlocked); throws after the timeout. */
  waitUntilReady(options?: WaitOptions): Promise<void>;
}

export interface StepKind<P = unknown> {
  readonly kind: string;
  readonly label: string;
  /**
   * Sends a command whose effect cannot be undone (erase, removing the
   * management profile). Such a command is sent at most once per job: if
   * its outcome is unknown, the job reconciles from the device and fails
   * with a reason rather than send it again.
   */
  readonly destructive: boolean;
  readonly params: z.ZodType<P>;
  readonly defaultTimeoutMs: number;
  readonly defaultRetries: number;
  /** Whether the device already is as this step would leave it (then the step is skipped). */
  check(context: StepContext<P>): Promise<StepCheck>;
  /** Brings the effect about and confirms it; resolves with a note for the record. */
  run(context: StepContext<P>): Promise<string>;
  /**
   * The command was sent but its outcome is unknown (the bench crashed, the
   * cable was pulled before the answer): wait for the device to settle and say
   * whether the effect happened. Default: wait until ready, then `check`.
   */
  reconcile?(context: StepContext<P>): Promise<StepCheck>;
}

/** A step failure with a stable code and what the technician should do. */
export class StepError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly instruction: string,
    /** Worth another attempt (a transient failure), when the policy allows one. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/**
 * For the catch of a destructive request: MCInstall answering with an error
 * (an ErrorChain, NotNow) says the command was not carried out, a known
 * outcome. As a non-retryable StepError with the device's code, message and
 * instruction, the job fails with it at once, instead of treating it as an
 * unknown outcome to judge from the device after a settle wait. Anything else
 * (no answer, a dropped connection) is rethrown as it is.
 */
export function refusalOf(error: unknown): never {
  if (error instanceof ManagementError) throw new StepError(error.code, error.message, error.instruction);
  throw error;
}
