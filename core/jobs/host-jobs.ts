/**
 * The job engine as the host serves it (core/host's HostJobs): the
 * technician at the bench, the workflows, and job commands whose refusals
 * come back as HostRefusal envelopes with a hint.
 */
import type { Job, WorkflowSummary } from '../contract/jobs.js';
import type { Subscription } from '../devices/ports.js';
import { HostRefusal } from '../host/envelopes.js';
import type { HostJobs, StartJobsParams, StartJobsResult } from '../host/ports.js';
import type { BenchStore } from '../store/types.js';
import { summarize, type WorkflowCatalog } from '../workflows/catalog.js';
import type { JobEngine } from './engine.js';
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

export function createHostJobs(engine: JobEngine, store: BenchStore, catalog: WorkflowCatalog): HostJobs {
  const technicianListeners = new Set<(technician: { name: string | null }) => void>();
  return {
    technician: () => ({ name: storedTechnician(store) }),
    setTechnician(name) {
      setTechnician(store, name, new Date().toISOString());
      const technician = { name: storedTechnician(store) };
      for (const listener of [...technicianListeners]) listener(technician);
      return technician;
    },
    workflows: (): WorkflowSummary[] => catalog.list().map((entry) => summarize(entry.definition)),
    start(params: StartJobsParams): Promise<StartJobsResult> {
      try {
        return Promise.resolve(engine.start({ ...params, technician: storedTechnician(store) }));
      } catch (error) {
        return Promise.reject(error instanceof JobCommandError ? new HostRefusal(error.code, error.message, error.hint) : error);
      }
    },
    list: (query): Job[] => engine.list(query),
    cancel: (jobId) => engine.cancel(jobId).catch(refusal),
    onJobChange: (listener): Subscription => engine.onChange(listener),
    onTechnicianChange(listener) {
      technicianListeners.add(listener);
      return { close: () => void technicianListeners.delete(listener) };
    },
  };
}
