/**
 * Error codes the host itself puts in envelopes (device errors carry their
 * own codes from core/devices, e.g. `PasswordProtected`, `LibraryMissing`).
 */
export const API_ERROR_CODES = {
  /** Parameters failed the method's schema. */
  BadRequest: 'BadRequest',
  /** No such method in this contract version. */
  UnknownMethod: 'UnknownMethod',
  /** `bench.hello` from a UI built for another major contract version. */
  ContractMismatch: 'ContractMismatch',
  /** The caller is not the app's own window (Electron sender check). */
  Forbidden: 'Forbidden',
  /** The device service is not running (Electron: its utility process died and is restarting). */
  ServiceUnavailable: 'ServiceUnavailable',
  /** A bug in Benchline: not something the technician can fix. */
  InternalError: 'InternalError',
} as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];
