/** Fakes for the bench sync tests: a server with idempotent push and a change feed, and inventory records. */
import type { InventoryDevice, SyncChange, SyncEvent, SyncPullResult, SyncPushResult } from '../../core/contract/server-wire.js';
import { ServerCallError } from '../../core/sync/server-client.js';
import type { SyncServer } from '../../core/sync/sync-loop.js';

export function inventoryDevice(serialNumber: string, overrides: Partial<InventoryDevice> = {}): InventoryDevice {
  return {
    serialNumber,
    udid: null,
    ecid: null,
    productType: 'iPhone14,2',
    productVersion: '18.1',
    deviceName: null,
    platform: 'ios',
    ownership: 'corporate',
    userEmail: 'ana@example.com',
    userName: 'Ana Lima',
    status: 'enrolled',
    preapproved: true,
    enrolledAt: null,
    lastCheckInAt: null,
    purgeAfter: null,
    pendingDeprovision: null,
    revision: 1,
    updatedAt: '2026-11-21T08:00:00.000Z',
    ...overrides,
  };
}

export const unreachable = (): ServerCallError => new ServerCallError('unreachable', 'ServerUnreachable', 'The server at http://127.0.0.1:9 is not reachable (ECONNREFUSED).', 'Work continues offline; everything is kept and sent when it is back.');

/**
 * A server that applies each key once (later pushes of it answer `duplicate`), rejects the
 * keys in `rejectKeys`, and publishes `changes` in pages. `down` makes every call fail;
 * `loseAnswers` applies a push but fails before answering (the answer is lost on the way).
 */
export class FakeSyncServer implements SyncServer {
  readonly applied: SyncEvent[] = [];
  readonly receipts = new Map<string, { status: 'applied' | 'rejected'; error: { code: string; message: string; hint: string } | null }>();
  readonly rejectKeys = new Set<string>();
  changes: SyncChange[] = [];
  /** The server's records, as GET /inventory/:serialNumber answers them. */
  readonly records = new Map<string, InventoryDevice>();
  readonly deviceReads: string[] = [];
  down = false;
  /** Only pushes fail (pulls work). */
  pushDown = false;
  loseAnswers = 0;
  pushes = 0;
  pulls = 0;

  push(events: readonly SyncEvent[]): Promise<SyncPushResult> {
    this.pushes += 1;
    if (this.down || this.pushDown) return Promise.reject(unreachable());
    const outcomes = events.map((event) => {
      const receipt = this.receipts.get(event.key);
      if (receipt) return { key: event.key, status: 'duplicate' as const, error: receipt.error };
      if (this.rejectKeys.has(event.key)) {
        const error = { code: 'deprovision-pending', message: `Refused ${event.key}.`, hint: 'Wait.' };
        this.receipts.set(event.key, { status: 'rejected', error });
        return { key: event.key, status: 'rejected' as const, error };
      }
      this.applied.push(event);
      this.receipts.set(event.key, { status: 'applied', error: null });
      return { key: event.key, status: 'applied' as const, error: null };
    });
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      return Promise.reject(unreachable());
    }
    return Promise.resolve({ outcomes });
  }

  pull(cursor: number, limit: number): Promise<SyncPullResult> {
    this.pulls += 1;
    if (this.down) return Promise.reject(unreachable());
    const last = this.changes.at(-1)?.seq ?? 0;
    // As the server does when its data was restored or replaced (server/sync/pull.ts).
    if (cursor > last) return Promise.reject(new ServerCallError('refused', 'cursor-ahead', `The cursor ${cursor} is past the server's last change (${last}).`, 'Pull again from cursor 0.', 409));
    const after = this.changes.filter((change) => change.seq > cursor);
    const page = after.slice(0, limit);
    return Promise.resolve({ changes: page, cursor: page.at(-1)?.seq ?? cursor, more: after.length > page.length });
  }

  device(serialNumber: string): Promise<InventoryDevice | null> {
    this.deviceReads.push(serialNumber);
    if (this.down) return Promise.reject(unreachable());
    return Promise.resolve(this.records.get(serialNumber) ?? null);
  }

  /** Publishes a device record as the next change. */
  publish(device: InventoryDevice): void {
    this.changes.push({ seq: this.changes.length + 1, kind: 'device', device });
    this.records.set(device.serialNumber, device);
  }

  /** The server's data replaced (restored from an older backup, a new data directory): its change feed starts over. */
  replaceData(): void {
    this.changes = [];
    this.records.clear();
  }

  publishRemoved(serialNumber: string): void {
    this.changes.push({ seq: this.changes.length + 1, kind: 'device.removed', serialNumber });
  }
}

/** A scheduler whose timers fire only when the test says so. */
export class ManualScheduler {
  readonly timers: { run: () => void; ms: number; cancelled: boolean }[] = [];

  readonly schedule = (run: () => void, ms: number): (() => void) => {
    const timer = { run, ms, cancelled: false };
    this.timers.push(timer);
    return () => void (timer.cancelled = true);
  };

  /** The delay of the timer waiting now, if any. */
  get nextDelay(): number | null {
    return this.timers.filter((timer) => !timer.cancelled).at(-1)?.ms ?? null;
  }
}
