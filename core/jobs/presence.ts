/**
 * Which devices are on the bench right now, as the job engine needs it: by
 * UDID, with their connection state, and how many times each has left —
 * a count, not a flag, so a device that drops off and is back before anyone
 * looked (a fast erase or restart) still counts as having left.
 */
import type { DeviceRecord } from '../devices/identity.js';
import type { Subscription } from '../devices/ports.js';
import type { ConnectionState } from '../devices/states.js';

export interface PresentDevice {
  udid: string;
  state: ConnectionState;
  instruction: string;
  serialNumber: string | null;
  ecid: string | null;
  activationState: string | null;
}

export interface DevicePresence {
  find(udid: string): PresentDevice | undefined;
  /** Times the device has left the bench since this presence started watching. */
  departures(udid: string): number;
  onChange(listener: () => void): Subscription;
  close(): void;
}

/** What presence needs of the registry (DeviceRegistry and the host's supervised registry both fit). */
export interface RegistryLike {
  list(): DeviceRecord[];
  onChange(listener: (change: { kind: 'added' | 'updated' | 'removed'; record: DeviceRecord }) => void): Subscription;
}

function toPresent(record: DeviceRecord): PresentDevice | undefined {
  if (record.udid === null || record.mode !== 'normal' || record.state === 'detached') return undefined;
  return {
    udid: record.udid,
    state: record.state,
    instruction: record.instruction,
    serialNumber: record.serialNumber,
    ecid: record.ecid,
    activationState: record.activationState,
  };
}

export function registryPresence(registry: RegistryLike): DevicePresence {
  const devices = new Map<string, PresentDevice>();
  const departures = new Map<string, number>();
  const listeners = new Set<() => void>();
  for (const record of registry.list()) {
    const present = toPresent(record);
    if (present) devices.set(present.udid, present);
  }
  const subscription = registry.onChange((change) => {
    const udid = change.record.udid;
    if (udid === null) return;
    const present = change.kind === 'removed' ? undefined : toPresent(change.record);
    if (present) devices.set(udid, present);
    else if (devices.delete(udid)) departures.set(udid, (departures.get(udid) ?? 0) + 1);
    for (const listener of [...listeners]) listener();
  });
  return {
    find: (udid) => devices.get(udid),
    departures: (udid) => departures.get(udid) ?? 0,
    onChange(listener) {
      listeners.add(listener);
      return { close: () => void listeners.delete(listener) };
    },
    close: () => subscription.close(),
  };
}

export class WaitAbortedError extends Error {
  constructor() {
    super('The wait was aborted');
    this.name = 'WaitAbortedError';
  }
}

/**
 * Resolves true once `condition` holds (checked now and on every presence
 * change), false after `timeoutMs`; rejects with WaitAbortedError on abort.
 */
export function waitForPresence(presence: DevicePresence, condition: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(new WaitAbortedError());
  if (condition()) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const finish = (outcome: boolean | Error): void => {
      clearTimeout(timer);
      subscription.close();
      signal.removeEventListener('abort', onAbort);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => finish(new WaitAbortedError());
    const timer = setTimeout(() => finish(false), timeoutMs);
    const subscription = presence.onChange(() => {
      if (condition()) finish(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
