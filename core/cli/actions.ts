/**
 * Composition of bench actions: the store (with its process lock), the
 * workflow catalog, the organisation, the device services over the bench's
 * lockdown, and the job engine — shared by the CLI's action commands,
 * `benchline serve` and the Electron device process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobEngine } from '../jobs/engine.js';
import { acquireBenchLock, type BenchLock } from '../jobs/bench-lock.js';
import { createHostJobs } from '../jobs/host-jobs.js';
import { registryPresence, type DevicePresence, type RegistryLike } from '../jobs/presence.js';
import type { HostJobs } from '../host/ports.js';
import { defaultStorePath, ensureStoreDirectory, openStore, type BenchStore } from '../store/index.js';
import { WorkflowCatalog } from '../workflows/catalog.js';
import { loadOrganization, simulatedOrganization, unconfiguredOrganization, type Organization } from '../workflows/organization.js';
import type { DeviceServices } from '../devices/services.js';
import type { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { createDeviceServices } from '../../native/imobiledevice/services.js';
import { HttpActivationAuthority } from '../../native/apple/activation-authority.js';
import { SimActivationAuthority } from '../../sim/apple/activation-authority.js';

export interface ActionsOptions {
  /** The bench's record; default $BENCHLINE_STORE or ~/.local/share/benchline/bench.db. A simulated bench without one uses a throwaway file. */
  storePath?: string | undefined;
  /** Organisation settings (JSON); default $BENCHLINE_ORGANIZATION. */
  organizationFile?: string | undefined;
  /** Extra workflow definitions (JSON files) replacing or adding to the built-in ones. */
  workflowsDir?: string | undefined;
  /** Devices are simulated: without an organisation file, use a simulated organisation and activation server. */
  simulated: boolean;
  /** Jobs at once across the bench. */
  concurrency?: number | undefined;
  /** Per-attempt timeout of device services, ms. */
  serviceTimeoutMs?: number | undefined;
}

export interface BenchActions {
  engine: JobEngine;
  store: BenchStore;
  catalog: WorkflowCatalog;
  organization: Organization;
  presence: DevicePresence;
  hostJobs: HostJobs;
  /** Stops the engine (running jobs stay active in the store and resume next time), then releases the record. */
  stop(): Promise<void>;
}

function organizationFor(options: ActionsOptions): Organization {
  const file = options.organizationFile ?? process.env.BENCHLINE_ORGANIZATION;
  if (file) return loadOrganization(file, { activationAuthorityFor: (url) => new HttpActivationAuthority(url) });
  return options.simulated ? simulatedOrganization(new SimActivationAuthority()) : unconfiguredOrganization();
}

/** Records every device that became ready, for the bench's history. */
function noteDevicesSeen(registry: RegistryLike, store: BenchStore): { close(): void } {
  return registry.onChange(({ kind, record }) => {
    if (kind === 'removed' || record.state !== 'ready' || record.udid === null) return;
    store.noteDeviceSeen({ udid: record.udid, ecid: record.ecid, serialNumber: record.serialNumber, productType: record.productType, productVersion: record.productVersion }, new Date().toISOString());
  });
}

export function openActions(registry: RegistryLike, lockdown: ImobiledeviceLockdown, options: ActionsOptions, services?: DeviceServices): BenchActions {
  let scratch: string | null = null;
  let storePath = options.storePath ?? process.env.BENCHLINE_STORE;
  if (!storePath && options.simulated) {
    // A simulated bench must not mix made-up devices into the real record.
    scratch = mkdtempSync(path.join(tmpdir(), 'benchline-sim-store-'));
    storePath = path.join(scratch, 'bench.db');
  }
  storePath ??= defaultStorePath();
  const catalog = new WorkflowCatalog({ extraDir: options.workflowsDir ?? null });
  const organization = organizationFor(options);
  ensureStoreDirectory(storePath);
  let lock: BenchLock | null = acquireBenchLock(storePath);
  let store: BenchStore;
  try {
    store = openStore(storePath);
  } catch (error) {
    lock.release();
    throw error;
  }
  const presence = registryPresence(registry);
  const seen = noteDevicesSeen(registry, store);
  const engine = new JobEngine({
    store,
    presence,
    services: services ?? createDeviceServices(lockdown, options.serviceTimeoutMs === undefined ? {} : { timeoutMs: options.serviceTimeoutMs }),
    catalog,
    organization,
    concurrency: options.concurrency,
  });
  engine.resume();
  return {
    engine,
    store,
    catalog,
    organization,
    presence,
    hostJobs: createHostJobs(engine, store, catalog),
    async stop() {
      await engine.stop();
      seen.close();
      presence.close();
      store.close();
      lock?.release();
      lock = null;
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
