/** Changes since a bench's cursor, a page at a time (the inventory's change feed). */
import { MAX_PULL_LIMIT, type SyncPullResult } from '../../core/contract/server-wire.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../errors.js';
import { changesSince } from '../inventory/service.js';

/** The last number the change feed handed out (0 before any). */
async function lastChange(q: Queryable): Promise<number> {
  const [row] = await q.query<{ last_value: string | number; is_called: boolean }>('SELECT last_value, is_called FROM inventory_change_seq');
  return row?.is_called ? Number(row.last_value) : 0;
}

export async function pullChanges(q: Queryable, cursor: number, limit: number): Promise<SyncPullResult> {
  const { changes, more } = await changesSince(q, cursor, Math.min(limit, MAX_PULL_LIMIT));
  // A cursor past anything this server handed out means its data was replaced (restored from a
  // backup, a new server): pulling on from there would silently miss everything until it caught up.
  if (changes.length === 0) {
    const last = await lastChange(q);
    if (cursor > last) {
      throw new ApiError(
        409,
        'cursor-ahead',
        `The cursor ${cursor} is past the server's last change (${last}): the server's data was restored or replaced since this bench last synced.`,
        "Pull again from cursor 0 to reload the server's list; the bench's own outbox is kept and still pushed.",
      );
    }
  }
  return { changes, more, cursor: changes.at(-1)?.seq ?? cursor };
}
