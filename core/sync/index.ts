/**
 * The bench's link to the central server (issue #5 part 7), opened by the
 * host composition in one call: `openSync` enrolls (when given a code),
 * starts the sync rounds, and returns the HostSync the host serves, the job
 * commands with device leases (use them instead of the plain createHostJobs),
 * and the lease port.
 *
 * Modes: `server` (a central server), `standalone` (the embedded server in
 * this process, at a URL and token the composition obtained), `off` (no
 * server: methods that need one refuse NoServer; the outbox still fills, so
 * configuring a server later sends everything).
 */
import { HostRefusal } from '../host/envelopes.js';
import type { JobEngine } from '../jobs/engine.js';
import { createHostJobs, type BenchJobs } from '../jobs/host-jobs.js';
import { openSyncStore, type SyncStore } from '../store/sync-store.js';
import type { BenchStore } from '../store/types.js';
import type { WorkflowCatalog } from '../workflows/catalog.js';
import { BenchSync } from './bench-sync.js';
import type { TetheredDevices } from './devices.js';
import { serverLeases, uncheckedLeases, type DeviceLeases } from './leases.js';
import { ServerCallError, ServerClient } from './server-client.js';
import { SyncLoop, type Scheduler } from './sync-loop.js';

export { BenchSync, WIPE_WORKFLOWS } from './bench-sync.js';
export { tetheredDevices, type TetheredDevice, type TetheredDevices } from './devices.js';
export { LEASE_TTL_SECONDS, serverLeases, uncheckedLeases, type DeviceLeases, type LeaseOutcome } from './leases.js';
export { ServerCallError, ServerClient, type ServerCallErrorKind } from './server-client.js';
export { DEFAULT_INTERVAL_MS, MAX_BACKOFF_MS, SyncLoop, timeoutScheduler, type Scheduler } from './sync-loop.js';

export interface SyncOptions {
  mode: 'server' | 'standalone' | 'off';
  /** The server's URL; may be omitted when the store already holds one (enrolled before). */
  serverUrl?: string | undefined;
  /** A one-time code (POST /benches/enrollment-codes) to enroll this bench with; used once. */
  enrollmentCode?: string | undefined;
  benchName: string;
  /** Between rounds; default 10 s. */
  intervalMs?: number | undefined;
  /** Standalone: a bench token the composition obtained from the embedded server (instead of a code), and that bench's id. */
  standaloneToken?: string | undefined;
  standaloneBenchId?: string | undefined;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number | undefined;
}

export interface SyncDeps {
  store: BenchStore;
  engine: JobEngine;
  catalog: WorkflowCatalog;
  devices: TetheredDevices;
  now?: () => Date;
  /** Timers of the rounds (tests). */
  scheduler?: Scheduler;
  /** Lease renewal (tests); see HostJobsOptions.every. */
  every?: (ms: number, renew: () => void) => () => void;
}

export interface OpenedSync {
  hostSync: BenchSync;
  /** The job commands, destructive ones taking the device's lease: serve these as HostJobs. */
  hostJobs: BenchJobs;
  leases: DeviceLeases;
  syncStore: SyncStore;
  /** Stops the rounds (waits for one running); the store stays open (its owner closes it). */
  stop(): Promise<void>;
}

/** Setup problems openSync cannot work around: thrown as HostRefusal (code, message, hint). */
function setupError(code: string, message: string, hint: string): HostRefusal {
  return new HostRefusal(code, message, hint);
}

/**
 * Exchanges a one-time enrollment code for this bench's token (POST /benches/enroll) and
 * stores the server, token and bench id. Throws HostRefusal: EnrollmentRefused for a code
 * used, expired or unknown; the server's failure otherwise.
 */
export async function enrollBench(syncStore: SyncStore, url: string, code: string, options: { timeoutMs?: number | undefined } = {}): Promise<void> {
  const stored = syncStore.state();
  try {
    const enrolled = await new ServerClient({ url, token: null, timeoutMs: options.timeoutMs }).enroll(code);
    syncStore.enroll({ serverUrl: url, benchId: enrolled.bench.id, benchName: enrolled.bench.name, token: enrolled.token });
  } catch (error) {
    if (error instanceof ServerCallError && error.kind === 'unauthorized') {
      const already = stored.token && stored.serverUrl === url ? ` This bench is already enrolled there as ${stored.benchName ?? stored.benchId}: start it without the enrollment code to use that enrollment.` : '';
      throw setupError('EnrollmentRefused', `The server at ${url} refused the enrollment code: it was used already, expired or never existed.${already}`, 'Ask an admin for a new code (POST /benches/enrollment-codes); a code enrolls one bench, once.');
    }
    if (error instanceof ServerCallError) throw setupError(error.code, `This bench cannot enroll: ${error.message}`, error.kind === 'unreachable' ? 'Check the URL and that the server is running, then start again: enrolling needs the server once.' : error.hint);
    throw error;
  }
}

async function enroll(syncStore: SyncStore, options: SyncOptions, timeoutMs: number | undefined): Promise<void> {
  const stored = syncStore.state();
  const url = options.serverUrl ?? stored.serverUrl;
  if (options.mode === 'off') return;
  if (!url) throw setupError('NoServer', `Sync mode "${options.mode}" needs the server's URL, and this bench has never enrolled at one.`, 'Give the server URL and an enrollment code (benchline serve --server-url <url> --enrollment-code <code>).');
  if (options.standaloneToken) {
    syncStore.enroll({ serverUrl: url, benchId: options.standaloneBenchId ?? stored.benchId ?? 'standalone', benchName: options.benchName, token: options.standaloneToken });
    return;
  }
  if (options.enrollmentCode) {
    await enrollBench(syncStore, url, options.enrollmentCode, { timeoutMs });
    return;
  }
  if (!stored.token || stored.serverUrl === null) {
    throw setupError('NotEnrolled', `This bench is not enrolled at ${url}.`, 'Ask an admin for an enrollment code (POST /benches/enrollment-codes) and start with --enrollment-code <code>.');
  }
  // Enrolled before; the URL may have moved (the same server behind a new address).
  if (stored.serverUrl !== url) syncStore.enroll({ serverUrl: url, benchId: stored.benchId ?? 'unknown', benchName: stored.benchName ?? options.benchName, token: stored.token });
}

export async function openSync(deps: SyncDeps, options: SyncOptions): Promise<OpenedSync> {
  const syncStore = openSyncStore(deps.store);
  await enroll(syncStore, options, options.timeoutMs);
  let cachedClient: ServerClient | null = null;
  const client = (): ServerClient | null => {
    if (options.mode === 'off') return null;
    const state = syncStore.state();
    if (!state.serverUrl || !state.token) return null;
    if (!cachedClient || cachedClient.url !== state.serverUrl.replace(/\/+$/, '')) cachedClient = new ServerClient({ url: state.serverUrl, token: state.token, timeoutMs: options.timeoutMs });
    return cachedClient;
  };
  const leases = options.mode === 'off' ? uncheckedLeases : serverLeases(client);
  const hostJobs = createHostJobs(deps.engine, deps.store, deps.catalog, {
    leases,
    serialOf: (udid) => deps.devices.byUdid(udid)?.serialNumber ?? deps.store.device(udid)?.serialNumber ?? null,
    ...(deps.every ? { every: deps.every } : {}),
  });
  let hostSync: BenchSync | null = null;
  const loop = new SyncLoop({
    store: syncStore,
    client,
    mode: options.mode,
    intervalMs: options.intervalMs,
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    onStatus: (status) => hostSync?.emitStatus(status),
    onInventory: (changes) => hostSync?.emitInventory(changes),
  });
  hostSync = new BenchSync({ store: deps.store, syncStore, loop, client, jobs: hostJobs, catalog: deps.catalog, devices: deps.devices, benchName: options.benchName, ...(deps.now ? { now: deps.now } : {}) });
  const sync = hostSync;
  sync.recoverHeld();
  // Jobs resumed after a restart hold their device's lease again (without blocking the start on the server).
  // Best effort, like every lease: a failure here (the store closing during a quick stop) must not surface.
  hostJobs.holdActiveLeases().catch(() => undefined);
  // A job that finished queues its event in a trigger: send it soon.
  const jobs = deps.engine.onChange((job) => {
    if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') loop.kick();
  });
  const observed = deps.devices.onReady?.((device) => sync.noteDevice(device));
  loop.start();
  return {
    hostSync: sync,
    hostJobs,
    leases,
    syncStore,
    async stop() {
      observed?.close();
      jobs.close();
      await loop.stop();
    },
  };
}
