/**
 * Bench actions with their link to the central server, as a hosted bench
 * (serve, Electron) opens them: the record and job engine (openActions), then
 * the server — the one given, the one the record remembers, or else the
 * embedded server in this process (standalone) — and the sync over it.
 */
import path from 'node:path';
import { openActions, type ActionsOptions, type BenchActions } from '../cli/actions.js';
import type { DeviceServices } from '../devices/services.js';
import type { RegistryLike } from '../jobs/presence.js';
import { openSyncStore } from '../store/sync-store.js';
import { openSync, tetheredDevices, type OpenedSync } from '../sync/index.js';
import type { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import type { HostJobs } from './ports.js';
import { startEmbeddedServer, STANDALONE_BENCH_ID, type EmbeddedServer } from './standalone-server.js';

export interface HostedSyncOptions {
  /** `auto`: the server the record remembers, else standalone; `server`: serverUrl; `off`: none. */
  mode: 'auto' | 'server' | 'off';
  serverUrl?: string | undefined;
  enrollmentCode?: string | undefined;
  intervalMs?: number | undefined;
  /** The embedded server's data directory; default `server/` beside the record. */
  serverDataDir?: string | undefined;
}

export interface SyncedActions {
  actions: BenchActions;
  /** The job commands (destructive ones take the device's lease at the server). */
  hostJobs: HostJobs;
  sync: OpenedSync;
  /** The embedded server when standalone. */
  embedded: EmbeddedServer | null;
  stop(): Promise<void>;
}

/** True when the record was last synced with a shared server (not an embedded one). */
function remembersSharedServer(actions: BenchActions): boolean {
  const state = openSyncStore(actions.store).state();
  return state.token !== null && state.serverUrl !== null && state.benchId !== STANDALONE_BENCH_ID;
}

export async function openSyncedActions(
  registry: RegistryLike,
  lockdown: ImobiledeviceLockdown,
  options: ActionsOptions,
  sync: HostedSyncOptions & { benchName: string },
  services?: DeviceServices,
): Promise<SyncedActions> {
  const actions = openActions(registry, lockdown, options, services);
  let embedded: EmbeddedServer | null = null;
  try {
    const deps = { store: actions.store, engine: actions.engine, catalog: actions.catalog, devices: tetheredDevices(registry) };
    const common = { benchName: sync.benchName, intervalMs: sync.intervalMs };
    let opened: OpenedSync;
    if (sync.mode === 'off') {
      opened = await openSync(deps, { ...common, mode: 'off' });
    } else if (sync.mode === 'server' || remembersSharedServer(actions)) {
      opened = await openSync(deps, { ...common, mode: 'server', serverUrl: sync.serverUrl, enrollmentCode: sync.enrollmentCode });
    } else {
      // The record's directory holds the embedded server's data too: one bench lock guards both.
      embedded = await startEmbeddedServer({ dataDir: sync.serverDataDir ?? path.join(path.dirname(actions.store.path), 'server'), benchName: sync.benchName });
      opened = await openSync(deps, { ...common, mode: 'standalone', serverUrl: embedded.url, standaloneToken: embedded.benchToken, standaloneBenchId: embedded.benchId });
    }
    const server = embedded;
    return {
      actions,
      hostJobs: opened.hostJobs,
      sync: opened,
      embedded: server,
      async stop() {
        await opened.stop();
        await actions.stop();
        await server?.close();
      },
    };
  } catch (error) {
    await embedded?.close();
    await actions.stop();
    throw error;
  }
}
