/**
 * What the server refused for good, opened from "n rejected" in the sync
 * state: each change with what it asked for, the server's reason and what to
 * do. "Dismiss" acknowledges the ones shown: they stop counting but stay
 * listed (the bench keeps them, and the dismissal is audited). Refreshed when
 * the count changes while open, so a new refusal does not go unseen.
 */
import { useEffect, useId, useRef } from 'react';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { rejectionOrigin, rejectionsToDismiss } from '../../state/sync-view.js';
import type { SyncRejection } from '../../../core/contract/index.js';
import { closeOnEscape, useHeadingFocus } from '../panel/PanelParts.js';
import { ReturnFocus } from '../panel/ReturnFocus.js';

export const REJECTED_BUTTON_ID = 'sync-rejected-button';

function RejectionItem({ rejection }: { rejection: SyncRejection }) {
  const dismissed = rejection.acknowledgedAt !== null;
  return (
    <li className={dismissed ? 'rejection is-dismissed' : 'rejection'} data-testid="rejection" data-key={rejection.key} data-dismissed={dismissed}>
      <strong className="rejection-summary">{rejection.summary}</strong>
      <span className="rejection-origin">
        {rejectionOrigin(rejection)}
        {dismissed ? ' · dismissed' : ''}
      </span>
      <p className="rejection-message">{rejection.message}</p>
      <p className="rejection-hint">
        <span className="tile-label">What to do</span> {rejection.hint}
      </p>
    </li>
  );
}

export function RejectionsPanel() {
  const view = useBench((state) => state.server.sync.rejections);
  const rejected = useBench((state) => (state.server.sync.availability.kind === 'ready' ? state.server.sync.availability.status.rejected : 0));
  const actions = useActions();
  const commands = useServerCommands();
  const headingId = useId();
  const { open } = view;
  const headingRef = useHeadingFocus(open ? 'open' : null);
  // A refusal that arrives while the list is open is added to it.
  const lastCount = useRef(rejected);
  useEffect(() => {
    if (open && rejected > lastCount.current && !view.dismissing) void commands.openRejections();
    lastCount.current = rejected;
  }, [open, rejected, view.dismissing, commands]);
  if (!open) return null;
  const close = () => actions.server({ type: 'rejections-close' });
  const toDismiss = rejectionsToDismiss(view).length;
  const current = view.rejections.filter((rejection) => rejection.acknowledgedAt === null);
  const dismissed = view.rejections.filter((rejection) => rejection.acknowledgedAt !== null);
  return (
    <section
      className="flow-panel rejections-panel"
      aria-labelledby={headingId}
      data-testid="rejections-panel"
      data-phase={view.phase}
      onKeyDown={closeOnEscape(close)}
    >
      <ReturnFocus to={REJECTED_BUTTON_ID} />
      <header className="panel-header">
        <p className="panel-eyebrow">Refused by the server for good; they are not sent again</p>
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className="panel-title">
          {current.length === 0 ? 'No changes to review' : `${current.length} change${current.length === 1 ? '' : 's'} refused by the server`}
        </h2>
      </header>
      <div className="panel-body">
        {view.phase === 'loading' ? <p>Reading the bench's outbox…</p> : null}
        {view.error ? (
          <p className="panel-error" role="alert" data-testid="rejections-error">
            <strong>{view.error.message}</strong> <span className="tile-label">What to do</span> {view.error.hint}
          </p>
        ) : null}
        {view.phase === 'ready' && current.length === 0 ? <p>Every refusal has been dismissed. They stay on record below.</p> : null}
        {current.length > 0 ? (
          <ul className="rejections" data-testid="rejections-current">
            {current.map((rejection) => (
              <RejectionItem key={rejection.key} rejection={rejection} />
            ))}
          </ul>
        ) : null}
        {dismissed.length > 0 ? (
          <details className="rejections-dismissed">
            <summary>Dismissed earlier ({dismissed.length})</summary>
            <ul className="rejections">
              {dismissed.map((rejection) => (
                <RejectionItem key={rejection.key} rejection={rejection} />
              ))}
            </ul>
          </details>
        ) : null}
      </div>
      <footer className="panel-footer panel-actions">
        <button type="button" className="button button-primary" onClick={() => void commands.dismissRejections()} disabled={toDismiss === 0 || view.dismissing} data-testid="rejections-dismiss">
          {view.dismissing ? 'Dismissing…' : toDismiss > 1 ? `Dismiss all ${toDismiss}` : 'Dismiss'}
        </button>{' '}
        <button type="button" className="button" onClick={close} data-testid="rejections-close">
          Close
        </button>
      </footer>
    </section>
  );
}
