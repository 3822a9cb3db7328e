/**
 * Per-device leases (issue #5 part 7): before a destructive job starts, the
 * bench asks the server for the device's lease, so two benches cannot wipe
 * the same device at once. Offline-first: when the server cannot be asked
 * (down, or none configured) the job goes ahead and the audit log says the
 * lease was not checked. The port is what core/jobs/host-jobs.ts calls; tests
 * hand it a fake.
 */
import { LEASE_HELD } from '../contract/server-wire.js';
import { ServerCallError, type ServerClient } from './server-client.js';

export const LEASE_TTL_SECONDS = 900;

export type LeaseOutcome =
  /** Held by this job until `expiresAt`; renew every `renewEveryMs`. */
  | { kind: 'granted'; expiresAt: string; renewEveryMs: number }
  /** Another bench (or job) holds it: the server's sentence naming the holder, and what to do. */
  | { kind: 'held'; message: string; hint: string }
  /** Could not be asked; the job may go ahead. `reason` is recorded in the audit log. */
  | { kind: 'unchecked'; reason: string };

export interface DeviceLeases {
  /** Takes (or, for the same job, renews) the lease of the device with this serial number. */
  acquire(serialNumber: string, jobId: string): Promise<LeaseOutcome>;
  /** Gives it back; best effort (the server expires it anyway). Never throws. */
  release(serialNumber: string, jobId: string): Promise<void>;
}

/** No server: every lease is unchecked. */
export const uncheckedLeases: DeviceLeases = {
  acquire: () => Promise.resolve({ kind: 'unchecked', reason: 'lease not checked: no server configured' }),
  release: () => Promise.resolve(),
};

/** Leases from the server the bench syncs with (`client()` is null while none is configured). */
export function serverLeases(client: () => ServerClient | null, ttlSeconds = LEASE_TTL_SECONDS): DeviceLeases {
  return {
    async acquire(serialNumber, jobId) {
      const server = client();
      if (!server) return uncheckedLeases.acquire(serialNumber, jobId);
      try {
        const lease = await server.acquireLease({ serialNumber, jobId, ttlSeconds });
        return { kind: 'granted', expiresAt: lease.expiresAt, renewEveryMs: Math.floor((ttlSeconds * 1000) / 3) };
      } catch (error) {
        if (error instanceof ServerCallError && error.kind === 'refused' && error.code === LEASE_HELD) return { kind: 'held', message: error.message, hint: error.hint };
        if (error instanceof ServerCallError && error.transient) return { kind: 'unchecked', reason: 'lease not checked: server unreachable' };
        // A token refused or a server that does not understand: the lease cannot be checked either;
        // the job goes ahead (offline-first) and the reason is on record.
        return { kind: 'unchecked', reason: `lease not checked: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
    async release(serialNumber, jobId) {
      const server = client();
      if (!server) return;
      try {
        await server.releaseLease(serialNumber, jobId);
      } catch {
        // Best effort: the lease expires on the server by itself.
      }
    },
  };
}
