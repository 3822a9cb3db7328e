/**
 * Composition of a hosted bench, shared by `benchline serve` and the Electron
 * device process: openBench (real USB or `simulate`) under a supervisor that
 * waits for usbmuxd, and a BenchHost over it.
 */
import { hostname } from 'node:os';
import { openBench, type BenchOptions } from '../cli/compose.js';
import { formatMuxAddress, parseMuxAddress } from '../../native/usbmuxd/protocol.js';
import { BenchHost, type BenchHostOptions } from './bench-host.js';
import type { ActionsOptions, BenchActions } from '../cli/actions.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { SupervisedRegistry, type OpenedBench } from './supervisor.js';
import { openSyncedActions, type HostedSyncOptions, type SyncedActions } from './synced-actions.js';

export interface HostedBench {
  host: BenchHost;
  /** Bench actions (jobs, store), when opened with `actions`. */
  actions: BenchActions | null;
  stop(): Promise<void>;
}

export interface HostedBenchOptions extends Pick<BenchOptions, 'simulate' | 'seed'> {
  benchName?: string;
  /** Replaces openBench (tests). */
  open?: () => Promise<OpenedBench>;
  onRetryError?: (error: unknown) => void;
  hostOptions?: Pick<BenchHostOptions, 'statusTicker' | 'onListenerError'>;
  /** Open bench actions (store, job engine) with these settings; without, the bench only identifies devices. */
  actions?: Omit<ActionsOptions, 'simulated'>;
  /** The central server (with `actions`): default the one the record remembers, else the embedded one (standalone). */
  sync?: HostedSyncOptions;
  /** Where notices go (e.g. "standalone: embedded server at …"); default stderr. */
  notice?: (line: string) => void;
}

async function openDefault(options: HostedBenchOptions, lockdown: ImobiledeviceLockdown | undefined): Promise<OpenedBench> {
  const bench = await openBench({ simulate: options.simulate, seed: options.seed, ...(lockdown ? { lockdown } : {}) });
  return {
    registry: bench.registry,
    // openBench points USBMUXD_SOCKET_ADDRESS at the bench it opened (the simulator's, when simulating).
    muxAddress: bench.simulator?.address ?? formatMuxAddress(parseMuxAddress(process.env.USBMUXD_SOCKET_ADDRESS)),
    stop: () => bench.stop(),
  };
}

/** Opens the bench (or starts waiting for usbmuxd) and starts the host. Throws only for failures retrying cannot fix. */
export async function openHostedBench(options: HostedBenchOptions = {}): Promise<HostedBench> {
  // One lockdown for every (re)opening of the bench, so the device services bound to it stay valid.
  const lockdown = options.actions ? new ImobiledeviceLockdown() : undefined;
  const registry = new SupervisedRegistry({
    open: options.open ?? (() => openDefault(options, lockdown)),
    muxAddress: formatMuxAddress(parseMuxAddress(process.env.USBMUXD_SOCKET_ADDRESS)),
    onRetryError: options.onRetryError,
  });
  let actions: BenchActions | null = null;
  let synced: SyncedActions | null = null;
  const benchName = options.benchName ?? hostname();
  if (options.actions && lockdown) {
    try {
      synced = await openSyncedActions(registry, lockdown, { ...options.actions, simulated: options.simulate !== undefined }, { ...(options.sync ?? { mode: 'auto' }), benchName });
      actions = synced.actions;
    } catch (error) {
      await lockdown.close();
      throw error;
    }
  }
  const host = new BenchHost({
    registry,
    ...(synced ? { jobs: synced.hostJobs, sync: synced.sync.hostSync } : {}),
    simulated: options.simulate !== undefined,
    muxAddress: () => registry.muxAddress,
    benchName,
    ...options.hostOptions,
  });
  // Subscribe before the first open, so the devices it finds reach the host as events too.
  host.start();
  const stopActions = async (): Promise<void> => {
    await synced?.stop();
    await lockdown?.close();
  };
  try {
    await registry.start();
  } catch (error) {
    host.stop();
    await stopActions();
    throw error;
  }
  return {
    host,
    actions,
    stop: async () => {
      host.stop();
      // Jobs first: they stop waiting on devices, then the devices go.
      await actions?.engine.stop();
      await registry.stop();
      await stopActions();
    },
  };
}
