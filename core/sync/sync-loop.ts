/**
 * Rounds of sync with the central server. A round pushes every pending outbox
 * entry in order, in batches, then pulls changes from the cursor until there
 * are no more. Rounds run every `intervalMs`, soon after something is queued
 * (debounced), and on `runNow()`; one at a time. After a failed round the next
 * waits longer (doubling up to MAX_BACKOFF_MS).
 *
 * Nothing is ever dropped: a push that fails leaves its entries pending; a
 * batch sent again after its answer was lost is answered `duplicate` by the
 * server (the idempotency keys), which counts as sent. Only entries the
 * server rejects for good stop being sent, and keep the reason.
 */
import { MAX_PULL_LIMIT, MAX_PUSH_BATCH, type SyncEvent } from '../contract/server-wire.js';
import type { SyncStatus } from '../contract/sync.js';
import type { InventoryChanges, OutboxEntry, SyncStore } from '../store/sync-store.js';
import { ServerCallError, type ServerClient } from './server-client.js';

export const DEFAULT_INTERVAL_MS = 10_000;
export const ENQUEUE_DEBOUNCE_MS = 200;
export const MAX_BACKOFF_MS = 60_000;

/** A one-shot delay (core/host/ports.ts has the same shape): returns the cancel function. */
export type Scheduler = (run: () => void, ms: number) => () => void;

export const timeoutScheduler: Scheduler = (run, ms) => {
  const timer = setTimeout(run, ms);
  // Sync alone must never keep a process alive.
  timer.unref();
  return () => clearTimeout(timer);
};

/** What a round needs of the server (a ServerClient; tests hand in a fake). */
export type SyncServer = Pick<ServerClient, 'push' | 'pull' | 'device'>;

/** The server's error code for a cursor past its last change (server/sync/pull.ts). */
const CURSOR_AHEAD = 'cursor-ahead';

export interface SyncLoopOptions {
  store: SyncStore;
  /** The server to talk to now; null when none is configured (mode off). */
  client: () => SyncServer | null;
  mode: SyncStatus['mode'];
  intervalMs?: number;
  scheduler?: Scheduler;
  now?: () => Date;
  pushBatch?: number;
  pullLimit?: number;
  onStatus: (status: SyncStatus) => void;
  onInventory: (changes: InventoryChanges) => void;
}

/** The device a pre-approve or deprovision made here changed in the copy (optimistically). */
function locallyChanged(entry: OutboxEntry): string | null {
  if (entry.body.type === 'device.preapprove') return entry.body.device.serialNumber;
  if (entry.body.type === 'device.deprovision') return entry.body.request.serialNumbers[0] ?? null;
  return null;
}

function toEvent(entry: OutboxEntry): SyncEvent {
  return { key: entry.key, occurredAt: entry.occurredAt, technician: entry.technician, body: entry.body };
}

/** What the status shows for a failed round. */
export function problemOf(error: unknown): { message: string; hint: string } {
  if (error instanceof ServerCallError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error), hint: 'Sync will try again. If this keeps happening, report it with the log.' };
}

export class SyncLoop {
  private connected = false;
  private syncing = false;
  private failures = 0;
  private running: Promise<void> | null = null;
  private lastEmitted = '';
  private cancelTimer: (() => void) | null = null;
  private timerDueAt = Infinity;
  private stopped = true;
  private readonly now: () => Date;
  private readonly scheduler: Scheduler;
  private readonly intervalMs: number;

  constructor(private readonly options: SyncLoopOptions) {
    this.now = options.now ?? (() => new Date());
    this.scheduler = options.scheduler ?? timeoutScheduler;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  status(): SyncStatus {
    const state = this.options.store.state();
    const counts = this.options.store.counts();
    return {
      mode: this.options.mode,
      serverUrl: this.options.mode === 'off' ? null : state.serverUrl,
      connected: this.connected,
      syncing: this.syncing,
      lastSyncAt: state.lastSyncAt,
      lastAttemptAt: state.lastAttemptAt,
      pending: counts.pending,
      rejected: counts.rejected,
      lastError: state.lastError,
    };
  }

  /** Starts rounds: the first one soon, then every intervalMs. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.running;
  }

  /** Something was queued: run a round soon (but not before a failed round's backoff ends). */
  kick(): void {
    this.emitStatus();
    if (this.stopped) return;
    this.schedule(Math.max(ENQUEUE_DEBOUNCE_MS, this.failures > 0 ? this.backoffMs() : 0), true);
  }

  /** Runs a round that starts after this call (waiting for the one running, if any); resolves when it is over, never throws. */
  async runNow(): Promise<SyncStatus> {
    if (this.running) await this.running;
    // Callers that waited together share the next round.
    await (this.running ?? this.round());
    return this.status();
  }

  private backoffMs(): number {
    return Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.max(0, this.failures - 1));
  }

  /** Plans the next round in `ms`; `sooner` only moves an earlier-planned round, never delays it. */
  private schedule(ms: number, sooner = false): void {
    if (this.stopped) return;
    const dueAt = Date.now() + ms;
    if (sooner && dueAt >= this.timerDueAt) return;
    this.cancelTimer?.();
    this.timerDueAt = dueAt;
    this.cancelTimer = this.scheduler(() => {
      this.cancelTimer = null;
      this.timerDueAt = Infinity;
      void this.runNow();
    }, ms);
  }

  private round(): Promise<void> {
    const run = this.execute().finally(() => {
      this.running = null;
      this.schedule(this.failures > 0 ? this.backoffMs() : this.intervalMs);
    });
    this.running = run;
    return run;
  }

  private async execute(): Promise<void> {
    const client = this.options.client();
    if (!client) return; // mode off: the outbox fills and waits for a server
    const attemptAt = this.now().toISOString();
    this.syncing = true;
    this.emitStatus();
    try {
      const rejected = await this.pushAll(client);
      const pulled = await this.pullAll(client);
      await this.refresh(client, rejected, pulled);
      this.failures = 0;
      this.connected = true;
      this.options.store.noteRound({ attemptAt, syncAt: this.now().toISOString(), error: null });
    } catch (error) {
      this.failures += 1;
      this.connected = false;
      this.options.store.noteRound({ attemptAt, error: problemOf(error) });
    } finally {
      this.syncing = false;
      this.emitStatus();
    }
  }

  /** Pushes until nothing is pending; answers the devices whose change made here the server rejected. */
  private async pushAll(client: SyncServer): Promise<Set<string>> {
    const batchSize = Math.min(this.options.pushBatch ?? MAX_PUSH_BATCH, MAX_PUSH_BATCH);
    const rejected = new Set<string>();
    for (;;) {
      const batch = this.options.store.pending(batchSize);
      if (batch.length === 0) return rejected;
      let result;
      try {
        result = await client.push(batch.map(toEvent));
      } catch (error) {
        this.options.store.recordPushFailure(batch.map((entry) => entry.key), problemOf(error).message);
        throw error;
      }
      const keys = new Set(batch.map((entry) => entry.key));
      const outcomes = result.outcomes
        .filter((outcome) => keys.has(outcome.key))
        .map((outcome) => ({
          key: outcome.key,
          // A duplicate repeats the first answer: with an error, the first answer was a rejection.
          result: outcome.status === 'rejected' || (outcome.status === 'duplicate' && outcome.error !== null)
            ? (outcome.error ?? { code: 'rejected', message: 'The server rejected this event without a reason.', hint: 'Report it with the server log.' })
            : ('sent' as const),
        }));
      this.options.store.recordPush(outcomes, this.now().toISOString());
      for (const outcome of outcomes) {
        const entry = batch.find((candidate) => candidate.key === outcome.key);
        const serial = entry && outcome.result !== 'sent' ? locallyChanged(entry) : null;
        if (serial !== null) rejected.add(serial);
      }
      if (outcomes.length < batch.length) {
        // The server skipped some entries: they stay pending; stop rather than resend them in a loop.
        throw new ServerCallError('invalid-response', 'ServerResponseInvalid', `The server answered for ${outcomes.length} of ${batch.length} events pushed.`, 'The others stay queued and are sent again next round. Check that bench and server run the same version.');
      }
      this.emitStatus();
    }
  }

  /**
   * Pulls pages until there are no more; each page is announced as it is applied (an
   * inventory.changed per page: a first pull of a large inventory never builds one huge
   * event). Answers the serial numbers the pull changed or removed.
   */
  private async pullAll(client: SyncServer): Promise<Set<string>> {
    const limit = Math.min(this.options.pullLimit ?? MAX_PULL_LIMIT, MAX_PULL_LIMIT);
    const touched = new Set<string>();
    // Serial numbers of a copy dropped because the server's data was replaced: those the fresh pull does not bring back are gone.
    let forgotten: string[] | null = null;
    for (;;) {
      let page: Awaited<ReturnType<SyncServer['pull']>>;
      try {
        page = await client.pull(this.options.store.state().cursor, limit);
      } catch (error) {
        // The server answers cursor-ahead when its data was restored from a backup or replaced
        // (a standalone bench whose server/ directory was removed): reload from the start, once.
        if (forgotten !== null || !(error instanceof ServerCallError) || error.code !== CURSOR_AHEAD) throw error;
        forgotten = this.options.store.resetCopy();
        continue;
      }
      const applied = this.options.store.applyChanges(page.changes, page.cursor);
      for (const device of applied.devices) touched.add(device.serialNumber);
      for (const serial of applied.removed) touched.add(serial);
      if (applied.devices.length > 0 || applied.removed.length > 0) this.options.onInventory(applied);
      if (!page.more || page.changes.length === 0) break;
    }
    if (forgotten !== null) {
      const removed = forgotten.filter((serial) => !touched.has(serial));
      for (const serial of removed) touched.add(serial);
      if (removed.length > 0) this.options.onInventory({ devices: [], removed });
    }
    return touched;
  }

  /**
   * A change made here that the server rejected may have left the copy showing what never
   * happened (a deprovision refused because another bench got there first): take the
   * server's record of those devices, unless the pull just brought it.
   */
  private async refresh(client: SyncServer, serials: ReadonlySet<string>, pulled: ReadonlySet<string>): Promise<void> {
    const changes: InventoryChanges = { devices: [], removed: [] };
    for (const serial of serials) {
      if (pulled.has(serial)) continue;
      const device = await client.device(serial);
      this.options.store.refreshInventory(serial, device);
      if (device) changes.devices.push(device);
      else changes.removed.push(serial);
    }
    if (changes.devices.length > 0 || changes.removed.length > 0) this.options.onInventory(changes);
  }

  /** Announces the status when it differs from the last one announced. */
  private emitStatus(): void {
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.lastEmitted) return;
    this.lastEmitted = text;
    this.options.onStatus(status);
  }
}
