/**
 * What the host needs from a bench: the narrow slice of DeviceRegistry it
 * uses, so unit tests drive the host with a fake and the supervisor can stand
 * in while usbmuxd is not reachable yet.
 */
import type { z } from 'zod';
import type { DeviceRecord } from '../devices/identity.js';
import type { Job, StartJobsParamsSchema, StartJobsResultSchema, WorkflowSummary } from '../contract/jobs.js';
import type { Subscription, UsbAvailability } from '../devices/ports.js';
import type { MuxStatus } from '../devices/mux-link.js';
import type { RegistryChange } from '../devices/registry.js';
import type { SYNC_EVENTS, SYNC_METHODS, SyncStatus } from '../contract/sync.js';

export type { DeviceRecord, MuxStatus, RegistryChange, Subscription, UsbAvailability };

export interface HostRegistry {
  list(): DeviceRecord[];
  /** Re-reads one device; undefined when it is gone. May throw a DeviceError. */
  refresh(id: string): Promise<DeviceRecord | undefined>;
  onChange(listener: (change: RegistryChange) => void): Subscription;
  readonly muxStatus: MuxStatus;
  readonly usbStatus: UsbAvailability;
}

/** Periodic work, injected so tests fire it by hand instead of waiting. Returns the stop function. */
export type Ticker = (tick: () => void) => () => void;

export function intervalTicker(ms: number): Ticker {
  return (tick) => {
    const timer = setInterval(tick, ms);
    // Status polling alone must never keep a process alive.
    timer.unref();
    return () => clearInterval(timer);
  };
}

/** A one-shot delay, injected for the same reason. Returns the cancel function. */
export type Scheduler = (run: () => void, ms: number) => () => void;

export const timeoutScheduler: Scheduler = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/**
 * Bench actions as the host serves them: core/jobs implements this over the
 * job engine and the store. Methods throw HostRefusal (or a DeviceError) for
 * what the technician must fix; refusals per device come back in the result.
 */
export interface HostJobs {
  technician(): { name: string | null };
  setTechnician(name: string): { name: string | null };
  workflows(): WorkflowSummary[];
  start(params: StartJobsParams): Promise<StartJobsResult>;
  list(query: { activeOnly?: boolean; limit?: number }): Job[];
  cancel(jobId: string): Promise<Job>;
  onJobChange(listener: (job: Job) => void): Subscription;
  onTechnicianChange(listener: (technician: { name: string | null }) => void): Subscription;
}

export type StartJobsParams = z.infer<typeof StartJobsParamsSchema>;
export type StartJobsResult = z.infer<typeof StartJobsResultSchema>;

/**
 * The central server as the host serves it (core/sync implements this over the
 * bench's store and the server's HTTP API, or the embedded server in standalone mode).
 * Methods throw HostRefusal for what the technician must fix (offline, pending deprovision…).
 */
export interface HostSync {
  status(): SyncStatus;
  syncNow(): Promise<SyncStatus>;
  searchInventory(params: SyncParams<'inventory.search'>): SyncResult<'inventory.search'>;
  history(serialNumber: string): Promise<SyncResult<'inventory.history'>>;
  previewCsv(params: SyncParams<'preapproved.preview'>): Promise<SyncResult<'preapproved.preview'>>;
  importCsv(params: SyncParams<'preapproved.import'>): Promise<SyncResult<'preapproved.import'>>;
  preapprove(params: SyncParams<'preapproved.add'>): Promise<SyncResult<'preapproved.add'>>;
  deprovision(params: SyncParams<'deprovision.start'>): Promise<SyncResult<'deprovision.start'>>;
  rejections(params: SyncParams<'sync.rejections'>): SyncResult<'sync.rejections'>;
  acknowledgeRejections(params: SyncParams<'sync.acknowledgeRejections'>): Promise<SyncResult<'sync.acknowledgeRejections'>>;
  onStatusChange(listener: (status: SyncStatus) => void): Subscription;
  onInventoryChange(listener: (change: SyncEventData<'inventory.changed'>) => void): Subscription;
}

type SyncMethod = keyof typeof SYNC_METHODS;
export type SyncParams<M extends SyncMethod> = z.infer<(typeof SYNC_METHODS)[M]['params']>;
export type SyncResult<M extends SyncMethod> = z.infer<(typeof SYNC_METHODS)[M]['result']>;
export type SyncEventData<E extends keyof typeof SYNC_EVENTS> = z.infer<(typeof SYNC_EVENTS)[E]>;
