/**
 * The IPC channels between the Electron main process and the preload, with
 * their payload types. The preload is bundled (the sandbox gives it no
 * module loader), so both sides import these names from here.
 */
import type { BenchEvent, Envelope } from '../core/contract/api.js';

export const IPC_CHANNELS = {
  /** Renderer → main (invoke): `(method, params)` → Envelope. */
  call: 'benchline:call',
  /** Main → renderer (send): one BenchEvent. */
  event: 'benchline:event',
} as const;

/** Invoke channels: the arguments the renderer sends (untrusted, hence unknown) and what main answers. */
export interface InvokeChannels {
  [IPC_CHANNELS.call]: { args: [method: unknown, params: unknown]; result: Envelope<unknown> };
}

/** Event channels main sends on, with their payload. */
export interface EventChannels {
  [IPC_CHANNELS.event]: BenchEvent;
}
