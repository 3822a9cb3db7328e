/**
 * How the engine reads an error: what to record and tell the technician, and
 * whether another attempt could help.
 */
import { DeviceError } from '../devices/errors.js';
import { StepError } from '../workflows/steps/index.js';
import type { StoredError } from '../store/types.js';

/** Device error codes that a replug, a moment's wait or a fresh session can clear. */
const TRANSIENT_DEVICE_CODES = new Set([
  'DeviceNotFound',
  'DeviceOpenFailed',
  'MuxError',
  'SslError',
  'ReceiveTimeout',
  'ServiceTimeout',
  'PlistError',
  'ProtocolError',
  'InvalidResponse',
  'NoRunningSession',
  'SessionInactive',
  'InvalidSessionID',
  'UnknownError',
  'NotNow',
  'OutcomeUnknown',
  'PasswordProtected',
  'PairingDialogResponsePending',
]);

export function isRetryable(error: unknown): boolean {
  if (error instanceof StepError) return error.retryable;
  if (error instanceof DeviceError) return TRANSIENT_DEVICE_CODES.has(error.code) || error.code.endsWith('.NotNow');
  return false;
}

export function toStoredError(error: unknown): StoredError {
  if (error instanceof StepError) return { code: error.code, message: error.message, instruction: error.instruction };
  if (error instanceof DeviceError) return { code: error.code, message: error.message, instruction: error.instruction };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'InternalError', message, instruction: 'Something went wrong inside Benchline. Check the device, then try again; report it if it happens again.' };
}

/** Runs `task` with a time limit; the task itself is not stopped (a native call finishes on its own), only no longer awaited. */
export function withTimeout<T>(task: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new StepError('StepTimeout', `${what} did not finish within ${Math.round(ms / 1000)} s.`, 'Check that the device is connected and unlocked, then run the action again.', true));
    }, ms);
  });
  return Promise.race([task, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
