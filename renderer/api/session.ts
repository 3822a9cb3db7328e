/**
 * Keeps the store in step with the bench over a connection: on every (re)open
 * it says hello, fetches the status and the device list, then applies events.
 * The host delivers responses and events in the order it produced them
 * (core/contract/transport.ts), so a response already reflects every event
 * that arrived before it: events held while the picture is fetched are
 * dropped once the answer covering them arrives. Later events are batched per
 * frame, so sixty devices changing at once cost one render, not sixty.
 */
import { CONTRACT_VERSION, type ApiError, type BenchEvent, type BenchStatus, type Device, type Envelope } from '../../core/contract/index.js';
import { isJobEvent } from '../state/jobs.js';
import type { BenchInfo, ConnectionStatus, Transport } from '../state/types.js';
import type { BenchConnection } from './connection.js';

/** The store actions a session drives (a subset of BenchActions, so tests can pass a recorder). */
export interface SessionTarget {
  setConnection(connection: ConnectionStatus): void;
  setFatal(error: ApiError | null): void;
  synced(bench: BenchInfo, status: BenchStatus, devices: readonly Device[], pending: readonly BenchEvent[]): void;
  applyEvents(events: readonly BenchEvent[]): void;
}

/** Runs `flush` soon (the next animation frame in a browser). */
export type Scheduler = (flush: () => void) => void;

/** Events waiting for the next frame, handed over together (see frameBatcher). */
export interface FrameBatch<E> {
  push(event: E): void;
  /** Drops what is waiting: a snapshot just asked for supersedes it. */
  clear(): void;
  /** Nothing more is handed over, not even what is waiting. */
  stop(): void;
}

/** Collects events and hands them to `apply` once per frame, so sixty devices changing at once cost one render, not sixty. */
export function frameBatcher<E>(schedule: Scheduler, apply: (events: E[]) => void): FrameBatch<E> {
  let queued: E[] = [];
  let flushScheduled = false;
  let stopped = false;
  const flush = (): void => {
    flushScheduled = false;
    if (stopped || queued.length === 0) return;
    const events = queued;
    queued = [];
    apply(events);
  };
  return {
    push(event) {
      queued.push(event);
      if (!flushScheduled) {
        flushScheduled = true;
        schedule(flush);
      }
    },
    clear() {
      queued = [];
    },
    stop() {
      stopped = true;
    },
  };
}

/**
 * Unwraps the answer to one call of a sync: null when the sync is no longer
 * `current` (a newer one has started) or the call failed. A failure is
 * reported, unless the link merely dropped: the reconnection will sync again.
 */
export function answerOf<T>(current: boolean, result: Envelope<T>, report: (error: ApiError) => void): T | null {
  if (!current) return null;
  if (result.ok) return result.value;
  if (result.error.code !== 'Disconnected') report(result.error);
  return null;
}

export function contractMismatch(hostVersion: number): ApiError {
  return {
    code: 'ContractMismatch',
    message: `The bench speaks API version ${hostVersion}; this window speaks version ${CONTRACT_VERSION}.`,
    hint: 'Reload the page. If this stays, the app and the bench are different Benchline versions: update Benchline on this machine.',
  };
}

export function startSession(connection: BenchConnection, transport: Transport, target: SessionTarget, schedule: Scheduler): () => void {
  let syncing = false;
  /** Bumped on every open, so a sync overtaken by a reconnection drops its results. */
  let round = 0;
  let held: BenchEvent[] = [];
  const batch = frameBatcher<BenchEvent>(schedule, (events) => target.applyEvents(events));
  let stopped = false;

  /** The device service (Electron runs it in its own process) is down; when it returns, its bench starts afresh. */
  let serviceDown = false;

  const unsubscribeEvents = connection.subscribe((event) => {
    // Jobs have their own session (jobs-session.ts), so a host without a job engine never holds up the devices.
    if (isJobEvent(event)) return;
    if (event.event === 'bench.status') {
      const cameBack = serviceDown && event.data.service === undefined;
      serviceDown = event.data.service !== undefined;
      if (cameBack && !syncing) {
        // A restarted service has a new registry: the list must be fetched anew (the sync reads the status too).
        void sync();
        return;
      }
    }
    if (syncing) {
      held.push(event);
      return;
    }
    batch.push(event);
  });

  const take = <T>(mine: number, result: Envelope<T>): T | null => answerOf(mine === round, result, (error) => target.setFatal(error));

  const sync = async (): Promise<void> => {
    const mine = ++round;
    syncing = true;
    held = [];
    // Anything queued before this snapshot is older than it: the snapshot supersedes it.
    batch.clear();
    try {
      const hello = take(mine, await connection.call('bench.hello', { contractVersion: CONTRACT_VERSION }));
      if (hello === null) return;
      if (hello.contractVersion !== CONTRACT_VERSION) {
        target.setFatal(contractMismatch(hello.contractVersion));
        return;
      }
      const status = take(mine, await connection.call('bench.status', {}));
      if (status === null) return;
      serviceDown = status.service !== undefined;
      // Status events held so far predate the status just read; later ones are newer and stay.
      held = held.filter((event) => event.event !== 'bench.status');
      const devices = take(mine, await connection.call('devices.list', {}));
      if (devices === null) return;
      // Device events held so far are in the list; status events held since the status was read are newer than it.
      const pending = held.filter((event) => event.event === 'bench.status');
      held = [];
      target.synced({ name: hello.benchName, contractVersion: hello.contractVersion }, status, devices, pending);
    } finally {
      if (mine === round) syncing = false;
    }
  };

  const unsubscribeStatus = connection.onStatus((link) => {
    if (stopped) return;
    target.setConnection({ transport, phase: link.phase, attempt: link.attempt });
    if (link.phase === 'open') void sync();
    else round++; // a lost link abandons any sync in flight; the next open starts a new one
  });

  return () => {
    stopped = true;
    batch.stop();
    round++;
    unsubscribeEvents();
    unsubscribeStatus();
  };
}
