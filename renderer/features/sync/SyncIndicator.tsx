/**
 * The header's sync state, always in sight: where the bench syncs to, whether
 * the last round got through, when, what is still waiting, and "Sync now".
 * Offline reads as a state of work, not a failure: the outbox keeps everything.
 */
import { useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { syncHeadline } from '../../state/sync-view.js';
import { REJECTED_BUTTON_ID } from './RejectionsPanel.js';

export function SyncIndicator() {
  const sync = useBench((state) => state.server.sync);
  const commands = useServerCommands();
  const { availability } = sync;
  if (availability.kind === 'loading') {
    return (
      <span className="sync tone-off" data-testid="sync-status" data-mode="">
        <span className="sync-dot" aria-hidden="true" />
        Sync…
      </span>
    );
  }
  if (availability.kind === 'unavailable') {
    return (
      <span className="sync tone-off" data-testid="sync-status" data-mode="unavailable" title={`${availability.error.message} ${availability.error.hint}`}>
        <span className="sync-dot" aria-hidden="true" />
        No central server
      </span>
    );
  }
  const { status } = availability;
  const headline = syncHeadline(status);
  return (
    <span
      className={`sync tone-${headline.tone}`}
      data-testid="sync-status"
      data-mode={status.mode}
      data-connected={status.connected}
      data-pending={status.pending}
      data-rejected={status.rejected}
      role="status"
      aria-label={`Sync: ${headline.where}, ${headline.state}, ${headline.last}, ${headline.pending}${headline.rejected ? `, ${headline.rejected}` : ''}`}
    >
      <span className="sync-dot" aria-hidden="true" />
      <span className="sync-where" data-testid="sync-where">
        {headline.where}
      </span>
      {/* "Synced" is what the green dot says; the words are kept for offline and syncing, where they matter. */}
      <span className={headline.tone === 'ok' ? 'sync-state visually-hidden' : 'sync-state'} data-testid="sync-state">
        {headline.state}
      </span>
      <span className="sync-last" data-testid="sync-last">
        {headline.last}
      </span>
      <span className="sync-pending" data-testid="sync-pending">
        {headline.pending}
      </span>
      {headline.rejected ? (
        <button
          type="button"
          id={REJECTED_BUTTON_ID}
          className="sync-rejected"
          onClick={() => void commands.openRejections()}
          aria-expanded={sync.rejections.open}
          title="See which changes the server refused, and why"
          data-testid="sync-rejected"
        >
          {headline.rejected}
        </button>
      ) : null}
      <button type="button" className="button button-small" onClick={() => void commands.syncNow()} disabled={sync.requesting || status.mode === 'off'} data-testid="sync-now">
        {sync.requesting ? 'Syncing…' : 'Sync now'}
      </button>
    </span>
  );
}
