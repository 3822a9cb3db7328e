/** Turning whatever a handler threw into an envelope a technician can act on. */
import { fail, type Envelope } from '../contract/api.js';
import { API_ERROR_CODES } from '../contract/errors.js';
import { DeviceError } from '../devices/errors.js';

export const INTERNAL_ERROR_HINT = 'Something went wrong inside Benchline. Restart it; if it happens again, report it with the log.';

export function envelopeForError(error: unknown): Envelope<never> {
  // Device errors already carry the sentence the technician needs.
  if (error instanceof DeviceError) return fail(error.code, error.message, error.instruction);
  if (error instanceof HostRefusal) return fail(error.code, error.message, error.hint);
  const message = error instanceof Error ? error.message : String(error);
  return fail(API_ERROR_CODES.InternalError, message, INTERNAL_ERROR_HINT);
}

/** A refusal the host itself decides on (not a device error): code, message and hint as the envelope carries them. */
export class HostRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'HostRefusal';
  }
}
