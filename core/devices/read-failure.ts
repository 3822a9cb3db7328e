/**
 * What a failed identity read means for the technician: which state the
 * device shows, what to do about it, and whether the bench keeps trying on
 * its own (it does while the fix happens on the device; a declined Trust
 * needs a replug, so retrying would only nag).
 */
import { DeviceError, LockdownError } from './errors.js';
import { STATE_INSTRUCTIONS, type ConnectionState } from './states.js';

/** Where a normal-mode device stands after its latest read. */
export interface ReadStatus {
  state: ConnectionState;
  instruction: string;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface ReadFailure {
  status: ReadStatus;
  retry: boolean;
}

export const READING_STATUS: ReadStatus = Object.freeze({ state: 'reading', instruction: STATE_INSTRUCTIONS.reading, errorCode: null, errorMessage: null });
export const READY_STATUS: ReadStatus = Object.freeze({ state: 'ready', instruction: STATE_INSTRUCTIONS.ready, errorCode: null, errorMessage: null });

function stateFor(error: LockdownError): Exclude<ConnectionState, 'reading' | 'ready'> {
  switch (error.lockdownName) {
    case 'PairingDialogResponsePending':
      return 'needs-trust';
    case 'UserDeniedPairing':
      return 'trust-declined';
    case 'PasswordProtected':
    case 'EscrowLocked':
      return 'locked';
    default:
      return 'error';
  }
}

export function readFailureFrom(error: unknown): ReadFailure {
  if (error instanceof LockdownError) {
    const state = stateFor(error);
    return {
      // A device-specific instruction beats the generic "could not be read".
      status: { state, instruction: state === 'error' ? error.instruction : STATE_INSTRUCTIONS[state], errorCode: error.code, errorMessage: error.message },
      retry: state !== 'trust-declined',
    };
  }
  if (error instanceof DeviceError) {
    return { status: { state: 'error', instruction: error.instruction, errorCode: error.code, errorMessage: error.message }, retry: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: { state: 'error', instruction: STATE_INSTRUCTIONS.error, errorCode: 'UnknownError', errorMessage: message }, retry: true };
}
