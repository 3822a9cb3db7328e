/**
 * A BenchApi plus whether it is currently reachable. The contract's BenchApi
 * says nothing about links because over Electron IPC there is none to lose;
 * over a WebSocket there is, and the technician must be told.
 */
import type { ApiError, BenchApi, Envelope } from '../../core/contract/index.js';

export type LinkPhase = 'connecting' | 'open' | 'lost';

export interface LinkStatus {
  readonly phase: LinkPhase;
  /** Failed attempts since the link was last open. */
  readonly attempt: number;
}

export interface BenchConnection extends BenchApi {
  /** Calls `listener` with the current status at once, then on every change; returns the unsubscribe function. */
  onStatus(listener: (status: LinkStatus) => void): () => void;
  /** Stops for good (no reconnecting). */
  close(): void;
}

export const DISCONNECTED: ApiError = {
  code: 'Disconnected',
  message: 'The connection to the bench was lost before it answered.',
  hint: 'Wait for the connection to come back; Benchline reconnects by itself.',
};

export function failed<T>(error: ApiError): Envelope<T> {
  return { ok: false, error };
}

/** Whether a value from outside (the Electron preload's global) really is a BenchApi. */
export function isBenchApi(value: unknown): value is BenchApi {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['call'] === 'function' && typeof candidate['subscribe'] === 'function';
}

/** An in-process API (Electron's preload, the dev mock): always reachable. */
export function alwaysOpen(api: BenchApi): BenchConnection {
  return {
    call: (method, params) => api.call(method, params),
    subscribe: (listener) => api.subscribe(listener),
    onStatus(listener) {
      listener({ phase: 'open', attempt: 0 });
      return () => {};
    },
    close() {},
  };
}
