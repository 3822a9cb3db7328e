/** How many records a list holds, and why it holds none (still loading, nothing matches, the host refused the search). */
import { useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import type { InventoryListId } from '../../state/inventory.js';

export function ListState({ list: id, noun }: { list: InventoryListId; noun: string }) {
  const list = useBench((state) => state.server.inventory.lists[id]);
  const commands = useServerCommands();
  const shown = list.devices.length;
  // The pre-approved list filters what the search returned, so its own total is what has been loaded.
  const count = id === 'inventory' ? list.total : shown;
  const more = list.fetched < list.total;
  return (
    <div className="list-state" data-testid={`${id}-count`} data-count={count} data-phase={list.phase}>
      {list.phase === 'failed' && list.error ? (
        <p className="panel-error" role="alert" data-testid={`${id}-error`}>
          <strong>{list.error.message}</strong> {list.error.hint}{' '}
          <button type="button" className="button button-small" onClick={() => void commands.search(id, list.query)}>
            Try again
          </button>
        </p>
      ) : list.phase === 'loading' && shown === 0 ? (
        <p className="muted">Loading…</p>
      ) : list.phase !== 'idle' && shown === 0 ? (
        <p className="muted" data-testid={`${id}-empty`}>
          {list.query.text === '' && list.query.statuses.length === 0 ? `No ${noun}s yet.` : `No ${noun} matches this search.`}
        </p>
      ) : (
        <p className="muted">
          {count} {noun}
          {count === 1 ? '' : 's'}
          {id === 'preapproved' && more ? ` among the first ${list.fetched} of ${list.total} records (scroll for more)` : ''}
        </p>
      )}
    </div>
  );
}
