/** Inventory records, sync statuses and a recording API for the renderer's central-server tests. */
import type { Envelope, InventoryDevice, Method, Params, Result, SyncStatus } from '../../core/contract/index.js';
import { inventoryRecord } from '../../renderer/api/mock-server.js';
import { createServerCommands } from '../../renderer/api/server-commands.js';
import { createBenchStore } from '../../renderer/state/store.js';

/** An enrolled corporate iPhone's record (the dev mock's blank record with a model and OS version). */
export function record(serialNumber: string, overrides: Partial<InventoryDevice> = {}): InventoryDevice {
  return inventoryRecord(serialNumber, '2026-11-21T10:00:00.000Z', { productType: 'iPhone14,2', productVersion: '17.6.1', ...overrides });
}

export function syncStatus(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return { mode: 'standalone', serverUrl: null, connected: true, syncing: false, lastSyncAt: '2026-11-21T10:00:00.000Z', lastAttemptAt: '2026-11-21T10:00:00.000Z', pending: 0, rejected: 0, lastError: null, ...overrides };
}

type Answer = (params: unknown) => Envelope<unknown>;

/** A store with server commands over an API that records every call and answers from `answers` (or holds until released). */
export function serverBench() {
  const store = createBenchStore('websocket');
  const sent: { method: Method; params: unknown }[] = [];
  const answers: Partial<Record<Method, Answer>> = {};
  const held: (() => void)[] = [];
  let hold = false;
  const api = {
    call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
      sent.push({ method, params });
      const answer = answers[method];
      const envelope = (answer ? answer(params) : { ok: false, error: { code: 'NotAnswered', message: `${method} not answered`, hint: 'test' } }) as Envelope<Result<M>>;
      if (!hold) return Promise.resolve(envelope);
      return new Promise((resolve) => held.push(() => resolve(envelope)));
    },
  };
  const commands = createServerCommands(api, store);
  return {
    store,
    commands,
    sent,
    answers,
    server: () => store.getState().server,
    send: store.getState().actions.server,
    calls: (method: Method) => sent.filter((call) => call.method === method),
    holdAnswers: () => (hold = true),
    releaseAll: () => {
      hold = false;
      held.splice(0).forEach((release) => release());
    },
    /** Answers the held calls newest first: an older answer arrives last. */
    releaseNewestFirst: () => {
      hold = false;
      held.splice(0).reverse().forEach((release) => release());
    },
  };
}

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
