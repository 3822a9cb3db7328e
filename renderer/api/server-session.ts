/**
 * Keeps the store's server part in step with the bench: on every (re)open it
 * asks sync.status and searches the lists already shown again, then applies
 * `sync.changed` and `inventory.changed`, batched per frame. A host without a
 * server (NoServer, or an older host that does not know the methods) makes
 * the sync state "unavailable"; the bench view works as before.
 */
import type { BenchEvent, EventData, SyncStatus } from '../../core/contract/index.js';
import type { ServerAction } from '../state/server.js';
import type { BenchConnection } from './connection.js';
import { frameBatcher, type Scheduler } from './session.js';

export interface ServerSessionTarget {
  server(action: ServerAction): void;
}

export function startServerSession(connection: BenchConnection, target: ServerSessionTarget, schedule: Scheduler, refreshLists: () => void): () => void {
  let round = 0;
  let stopped = false;
  // Only the newest status matters; inventory changes are merged in order.
  const statuses = frameBatcher<SyncStatus>(schedule, (batch) => {
    const last = batch[batch.length - 1];
    if (last !== undefined) target.server({ type: 'sync-status', status: last });
  });
  const changes = frameBatcher<EventData<'inventory.changed'>>(schedule, (batch) => {
    for (const change of batch) target.server({ type: 'inventory-changed', devices: change.devices, removed: change.removed });
  });

  const sync = async (): Promise<void> => {
    const mine = ++round;
    const result = await connection.call('sync.status', {});
    if (mine !== round || stopped) return;
    if (result.ok) {
      // Statuses queued before this answer are older than it.
      statuses.clear();
      target.server({ type: 'sync-status', status: result.value });
    } else if (result.error.code !== 'Disconnected') {
      target.server({ type: 'sync-unavailable', error: result.error });
    }
    refreshLists();
  };

  const unsubscribeEvents = connection.subscribe((event: BenchEvent) => {
    if (event.event === 'sync.changed') statuses.push(event.data);
    else if (event.event === 'inventory.changed') changes.push(event.data);
  });
  const unsubscribeStatus = connection.onStatus((link) => {
    if (stopped) return;
    if (link.phase === 'open') void sync();
    else round++;
  });

  return () => {
    stopped = true;
    round++;
    statuses.stop();
    changes.stop();
    unsubscribeEvents();
    unsubscribeStatus();
  };
}
