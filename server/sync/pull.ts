/** Changes since a bench's cursor, a page at a time (the inventory's change feed). */
import { MAX_PULL_LIMIT, type SyncPullResult } from '../../core/contract/server-wire.js';
import type { Queryable } from '../db/database.js';
import { changesSince } from '../inventory/service.js';

export async function pullChanges(q: Queryable, cursor: number, limit: number): Promise<SyncPullResult> {
  const { changes, more } = await changesSince(q, cursor, Math.min(limit, MAX_PULL_LIMIT));
  return { changes, more, cursor: changes.at(-1)?.seq ?? cursor };
}
