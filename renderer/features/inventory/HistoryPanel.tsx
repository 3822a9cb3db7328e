/** A device's history from the server, in the side panel: who did what and how its status moved. Offline: why not, and what to do. */
import { DEVICE_STATUS_LABELS } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import { clockOf } from '../../state/sync-view.js';
import { closeOnEscape, useHeadingFocus } from '../panel/PanelParts.js';

export function HistoryPanel() {
  const history = useBench((state) => state.server.inventory.history);
  const actions = useActions();
  const headingRef = useHeadingFocus(history?.serialNumber ?? null);
  if (history === null) return null;
  const close = () => actions.server({ type: 'history-close' });
  return (
    <section
      className="flow-panel"
      aria-label={`History of ${history.serialNumber}`}
      data-testid="history-panel"
      data-serial={history.serialNumber}
      data-phase={history.phase}
      onKeyDown={closeOnEscape(close)}
    >
      <header className="panel-header">
        <p className="panel-eyebrow">History</p>
        <h2 ref={headingRef} tabIndex={-1} className="panel-title">
          {history.serialNumber}
        </h2>
      </header>
      <div className="panel-body">
        {history.phase === 'loading' ? <p className="muted">Asking the server…</p> : null}
        {history.phase === 'failed' ? (
          <div className="panel-error" role="alert" data-testid="history-error" data-code={history.error.code}>
            <strong>{history.error.message}</strong> {history.error.hint}
          </div>
        ) : null}
        {history.phase === 'ready' ? (
          history.entries.length === 0 ? (
            <p className="muted">No history yet.</p>
          ) : (
            <ol className="history" data-testid="history-entries">
              {[...history.entries].reverse().map((entry, index) => (
                <li key={`${entry.at}-${index}`} className="history-entry" data-testid="history-entry" data-kind={entry.kind}>
                  <div className="history-head">
                    <strong>{entry.kind.replaceAll('-', ' ')}</strong>
                    <time dateTime={entry.at} className="muted">
                      {new Date(entry.at).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' })} {clockOf(entry.at)}
                    </time>
                  </div>
                  {entry.toStatus ? (
                    <div>
                      {entry.fromStatus ? `${DEVICE_STATUS_LABELS[entry.fromStatus]} → ` : ''}
                      {DEVICE_STATUS_LABELS[entry.toStatus]}
                    </div>
                  ) : null}
                  <div className="muted">{entry.actor}</div>
                  {entry.detail ? <div>{entry.detail}</div> : null}
                </li>
              ))}
            </ol>
          )
        ) : null}
      </div>
      <footer className="panel-footer">
        <div className="panel-buttons">
          <span className="toolbar-spacer" />
          <button type="button" className="button" onClick={close} data-testid="history-close">
            Close
          </button>
        </div>
      </footer>
    </section>
  );
}
