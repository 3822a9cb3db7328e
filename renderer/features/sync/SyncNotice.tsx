/**
 * Under the header while the bench works without its server, or a round or
 * "Sync now" went wrong: what happened, what to do, and that nothing is lost.
 * Calm on purpose: a technician carries on working while it shows. Below it,
 * the list of what the server refused, when opened from "n rejected".
 */
import { useBench } from '../../app/store-context.js';
import { offlineNote, rejectedNote } from '../../state/sync-view.js';
import { RejectionsPanel } from './RejectionsPanel.js';

export function SyncNotice() {
  const sync = useBench((state) => state.server.sync);
  if (sync.availability.kind !== 'ready') return null;
  const { status } = sync.availability;
  const offline = offlineNote(status);
  const rejected = rejectedNote(status);
  const error = sync.nowError ?? status.lastError;
  const notice = offline !== null || rejected !== null || error !== null;
  return (
    <>
      {notice ? <Notice offline={offline} rejected={rejected} error={error} /> : null}
      <RejectionsPanel />
    </>
  );
}

function Notice({ offline, rejected, error }: { offline: string | null; rejected: string | null; error: { message: string; hint: string } | null }) {
  return (
    <div className={offline === null ? 'sync-notice' : 'sync-notice is-offline'} data-testid="sync-notice">
      {offline ? <p data-testid="sync-offline">{offline}</p> : null}
      {error ? (
        <p data-testid="sync-error">
          <strong>{error.message}</strong> <span className="tile-label">What to do</span> {error.hint}
        </p>
      ) : null}
      {rejected ? <p data-testid="sync-rejected-note">{rejected}</p> : null}
    </div>
  );
}
