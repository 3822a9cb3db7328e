/**
 * The job engine as the host serves it (core/host's HostJobs): the
 * technician at the bench, the workflows, and job commands whose refusals
 * come back as HostRefusal envelopes with a hint.
 *
 * Destructive jobs first take the device's lease from the central server
 * (core/sync/leases.ts), so two benches never wipe one device at once. The
 * job's id is chosen before the job exists (StartRequest.jobIds), so the
 * lease is held under the id of the job that needs it; a device whose lease
 * another bench holds is refused before any job is created for it. The lease
 * is renewed while the job runs and given back when it ends.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobRefusal, WorkflowSummary } from '../contract/jobs.js';
import { SYNC_ERROR_CODES } from '../contract/sync.js';
import type { Subscription } from '../devices/ports.js';
import { HostRefusal } from '../host/envelopes.js';
import type { HostJobs, StartJobsParams, StartJobsResult } from '../host/ports.js';
import type { DeviceLeases } from '../sync/leases.js';
import { FINISHED_JOB_STATES, type BenchStore } from '../store/types.js';
import { summarize, type WorkflowCatalog } from '../workflows/catalog.js';
import type { JobEngine, StartOutcome, StartRequest } from './engine.js';
import { JobCommandError } from './errors.js';

export const TECHNICIAN_SETTING = 'technician';

/** The technician's name as stored, or null. */
export function storedTechnician(store: BenchStore): string | null {
  const name = store.setting(TECHNICIAN_SETTING);
  return name && name.trim() ? name : null;
}

/** Sets the technician and records the change in the audit log. */
export function setTechnician(store: BenchStore, name: string, at: string): void {
  const trimmed = name.trim();
  const previous = storedTechnician(store);
  if (previous === trimmed) return;
  store.setSetting(TECHNICIAN_SETTING, trimmed);
  store.audit.append({ at, technician: trimmed, action: 'technician.set', jobId: null, workflowId: null, stepKind: null, udid: null, serialNumber: null, result: 'ok', detail: previous ? `was ${previous}` : null });
}

function refusal(error: unknown): never {
  if (error instanceof JobCommandError) throw new HostRefusal(error.code, error.message, error.hint);
  throw error;
}

export interface HostJobsOptions {
  /** Leases for destructive jobs; without, destructive jobs start without one (no server). */
  leases?: DeviceLeases;
  /** The serial number of a tethered device (the lease is per serial number); default: as the store last saw it. */
  serialOf?: (udid: string) => string | null;
  /** Repeats `renew` every `ms` until the returned stop is called (tests fire it by hand). */
  every?: (ms: number, renew: () => void) => () => void;
}

/** A start request as core/sync makes it (wipe jobs of a deprovision carry `{ deprovisionId }`). */
export type BenchStartRequest = Omit<StartRequest, 'technician' | 'jobIds'>;

/** HostJobs plus starting with workflow parameters, for core/sync. */
export interface BenchJobs extends HostJobs {
  startJobs(request: BenchStartRequest): Promise<StartOutcome>;
  /**
   * Takes (renews) the leases of destructive jobs already running, e.g. resumed after a
   * restart, and holds them like a new job's. A lease another bench took meanwhile cannot
   * stop a job that is past its start: it is recorded in the audit log.
   */
  holdActiveLeases(): Promise<void>;
}

const everyInterval = (ms: number, renew: () => void): (() => void) => {
  const timer = setInterval(renew, ms);
  timer.unref();
  return () => clearInterval(timer);
};

interface LeaseTaken {
  udid: string;
  serialNumber: string;
  jobId: string;
  renewEveryMs: number | null;
  /** Why the lease was not checked (recorded in the audit log), or null when granted. */
  unchecked: string | null;
}

/**
 * Holds each granted lease while its job runs: renews it, and gives it back when the job
 * ends. A job that ends before it is watched is caught by the check after subscribing.
 */
function leaseKeeper(engine: JobEngine, leases: DeviceLeases, every: NonNullable<HostJobsOptions['every']>): (taken: LeaseTaken) => void {
  const held = new Map<string, { serialNumber: string; stop: () => void }>();
  const finished = (state: string): boolean => (FINISHED_JOB_STATES as readonly string[]).includes(state);
  const release = (jobId: string): void => {
    const lease = held.get(jobId);
    if (!lease) return;
    held.delete(jobId);
    lease.stop();
    void leases.release(lease.serialNumber, jobId);
  };
  engine.onChange((job: Job) => {
    if (finished(job.state)) release(job.id);
  });
  return (taken) => {
    const stop = taken.renewEveryMs === null ? () => undefined : every(taken.renewEveryMs, () => void leases.acquire(taken.serialNumber, taken.jobId));
    held.set(taken.jobId, { serialNumber: taken.serialNumber, stop });
    const job = engine.view(taken.jobId);
    if (!job || finished(job.state)) release(taken.jobId);
  };
}

export function createHostJobs(engine: JobEngine, store: BenchStore, catalog: WorkflowCatalog, options: HostJobsOptions = {}): BenchJobs {
  const technicianListeners = new Set<(technician: { name: string | null }) => void>();
  const serialOf = options.serialOf ?? ((udid: string) => store.device(udid)?.serialNumber ?? null);
  const hold = options.leases ? leaseKeeper(engine, options.leases, options.every ?? everyInterval) : null;

  /** Takes the lease of each device with a serial number; refusals for the devices another bench holds. */
  async function takeLeases(leases: DeviceLeases, udids: readonly string[]): Promise<{ taken: LeaseTaken[]; refused: JobRefusal[] }> {
    const taken: LeaseTaken[] = [];
    const refused: JobRefusal[] = [];
    await Promise.all(
      udids.map(async (udid) => {
        const serialNumber = serialOf(udid);
        if (serialNumber === null) return; // nothing to lease by; the engine refuses a device that is not here
        const jobId = randomUUID();
        const outcome = await leases.acquire(serialNumber, jobId);
        if (outcome.kind === 'held') refused.push({ udid, code: SYNC_ERROR_CODES.LeaseHeld, message: outcome.message, hint: outcome.hint });
        else taken.push({ udid, serialNumber, jobId, renewEveryMs: outcome.kind === 'granted' ? outcome.renewEveryMs : null, unchecked: outcome.kind === 'unchecked' ? outcome.reason : null });
      }),
    );
    return { taken, refused };
  }

  async function startJobs(request: BenchStartRequest): Promise<StartOutcome> {
    const technician = storedTechnician(store);
    const destructive = catalog.get(request.workflowId)?.definition.destructive ?? false;
    const leases = options.leases;
    // The engine refuses a command without technician or acknowledgement: no lease is asked for it.
    if (!destructive || !leases || !hold || !technician || !request.acknowledged) return engine.start({ ...request, technician });
    const udids = [...new Set(request.udids)];
    // A device with an action already running here is refused by the engine (AlreadyInProgress,
    // naming it): asking the server for its lease would answer LeaseHeld against this very bench.
    const busy = new Set(udids.filter((udid) => store.jobs({ udid, activeOnly: true, limit: 1 }).length > 0));
    const { taken, refused } = await takeLeases(leases, udids.filter((udid) => !busy.has(udid)));
    const leaseRefused = new Set(refused.map((refusal) => refusal.udid));
    let outcome: StartOutcome;
    try {
      outcome = engine.start({ ...request, udids: udids.filter((udid) => !leaseRefused.has(udid)), technician, jobIds: new Map(taken.map((lease) => [lease.udid, lease.jobId])) });
    } catch (error) {
      for (const lease of taken) if (lease.unchecked === null) void leases.release(lease.serialNumber, lease.jobId);
      throw error;
    }
    const created = new Map(outcome.jobs.map((job) => [job.id, job]));
    for (const lease of taken) {
      if (!created.has(lease.jobId)) {
        if (lease.unchecked === null) void leases.release(lease.serialNumber, lease.jobId);
      } else if (lease.unchecked === null) {
        hold(lease);
      } else {
        store.audit.append({ at: new Date().toISOString(), technician: technician ?? 'unknown', action: 'lease.unchecked', jobId: lease.jobId, workflowId: request.workflowId, stepKind: null, udid: lease.udid, serialNumber: lease.serialNumber, result: 'skipped', detail: lease.unchecked });
      }
    }
    return { ...outcome, refused: [...outcome.refused, ...refused] };
  }

  async function holdActiveLeases(): Promise<void> {
    const leases = options.leases;
    if (!leases || !hold) return;
    const active = engine.list({ activeOnly: true, limit: 10_000 }).filter((job) => job.serialNumber !== null && catalog.get(job.workflowId)?.definition.destructive);
    await Promise.all(
      active.map(async (job) => {
        const serialNumber = job.serialNumber!;
        const outcome = await leases.acquire(serialNumber, job.id);
        if (outcome.kind === 'granted') {
          hold({ udid: job.udid, serialNumber, jobId: job.id, renewEveryMs: outcome.renewEveryMs, unchecked: null });
          return;
        }
        const detail = outcome.kind === 'held' ? `lease held elsewhere while this job resumed: ${outcome.message}` : outcome.reason;
        store.audit.append({ at: new Date().toISOString(), technician: job.technician, action: 'lease.unchecked', jobId: job.id, workflowId: job.workflowId, stepKind: null, udid: job.udid, serialNumber, result: 'skipped', detail });
      }),
    );
  }

  const rejectAsRefusal = (error: unknown): Promise<never> => Promise.reject(error instanceof JobCommandError ? new HostRefusal(error.code, error.message, error.hint) : error);

  return {
    technician: () => ({ name: storedTechnician(store) }),
    setTechnician(name) {
      setTechnician(store, name, new Date().toISOString());
      const technician = { name: storedTechnician(store) };
      for (const listener of [...technicianListeners]) listener(technician);
      return technician;
    },
    workflows: (): WorkflowSummary[] => catalog.list().map((entry) => summarize(entry.definition)),
    start: (params: StartJobsParams): Promise<StartJobsResult> => startJobs(params).catch(rejectAsRefusal),
    startJobs,
    holdActiveLeases,
    list: (query): Job[] => engine.list(query),
    cancel: (jobId) => engine.cancel(jobId).catch(refusal),
    onJobChange: (listener): Subscription => engine.onChange(listener),
    onTechnicianChange(listener) {
      technicianListeners.add(listener);
      return { close: () => void technicianListeners.delete(listener) };
    },
  };
}
