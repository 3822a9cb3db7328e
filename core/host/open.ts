/**
 * Composition of a hosted bench, shared by `benchline serve` and the Electron
 * device process: openBench (real USB or `simulate`) under a supervisor that
 * waits for usbmuxd, and a BenchHost over it.
 */
import { hostname } from 'node:os';
import { openBench, type BenchOptions } from '../cli/compose.js';
import { formatMuxAddress, parseMuxAddress } from '../../native/usbmuxd/protocol.js';
import { BenchHost, type BenchHostOptions } from './bench-host.js';
import { SupervisedRegistry, type OpenedBench } from './supervisor.js';

export interface HostedBench {
  host: BenchHost;
  stop(): Promise<void>;
}

export interface HostedBenchOptions extends Pick<BenchOptions, 'simulate' | 'seed'> {
  benchName?: string;
  /** Replaces openBench (tests). */
  open?: () => Promise<OpenedBench>;
  onRetryError?: (error: unknown) => void;
  hostOptions?: Pick<BenchHostOptions, 'statusTicker' | 'onListenerError'>;
}

async function openDefault(options: HostedBenchOptions): Promise<OpenedBench> {
  const bench = await openBench({ simulate: options.simulate, seed: options.seed });
  return {
    registry: bench.registry,
    // openBench points USBMUXD_SOCKET_ADDRESS at the bench it opened (the simulator's, when simulating).
    muxAddress: bench.simulator?.address ?? formatMuxAddress(parseMuxAddress(process.env.USBMUXD_SOCKET_ADDRESS)),
    stop: () => bench.stop(),
  };
}

/** Opens the bench (or starts waiting for usbmuxd) and starts the host. Throws only for failures retrying cannot fix. */
export async function openHostedBench(options: HostedBenchOptions = {}): Promise<HostedBench> {
  const registry = new SupervisedRegistry({
    open: options.open ?? (() => openDefault(options)),
    muxAddress: formatMuxAddress(parseMuxAddress(process.env.USBMUXD_SOCKET_ADDRESS)),
    onRetryError: options.onRetryError,
  });
  const host = new BenchHost({
    registry,
    simulated: options.simulate !== undefined,
    muxAddress: () => registry.muxAddress,
    benchName: options.benchName ?? hostname(),
    ...options.hostOptions,
  });
  // Subscribe before the first open, so the devices it finds reach the host as events too.
  host.start();
  try {
    await registry.start();
  } catch (error) {
    host.stop();
    throw error;
  }
  return {
    host,
    stop: async () => {
      host.stop();
      await registry.stop();
    },
  };
}
