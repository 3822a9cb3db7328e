/**
 * "Add to pre-approved list…" for the selected tethered devices: ownership,
 * the user's email and name → one `preapproved.add`; then per device whether
 * it is queued for the server or refused, with why and what to do.
 */
import { useId } from 'react';
import { OWNERSHIPS } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { preapproveBlocker } from '../../state/preapprove-flow.js';
import { ACTIONS_BUTTON_ID } from '../actions/ActionsMenu.js';
import { ExcludedDevices } from '../actions/ExcludedDevices.js';
import { RefusalRow } from '../actions/RefusalRow.js';
import { closeOnEscape, PanelError, useHeadingFocus } from '../panel/PanelParts.js';
import { ReturnFocus } from '../panel/ReturnFocus.js';

export function PreapprovePanel() {
  const flow = useBench((state) => state.server.preapprove);
  const actions = useActions();
  const commands = useServerCommands();
  const headingId = useId();
  const blockerId = useId();
  const radioName = useId();
  const headingRef = useHeadingFocus(flow.stage === 'composing' || flow.stage === 'done' ? flow.stage : null);
  if (flow.stage === 'closed') return null;
  const { draft } = flow;
  const blocker = preapproveBlocker(flow);
  const editable = flow.stage === 'composing';
  const close = () => actions.server({ type: 'preapprove-close' });
  const labelOf = (udid: string) => draft.targets.find((target) => target.udid === udid)?.label ?? udid;
  return (
    <section
      className="flow-panel"
      aria-labelledby={headingId}
      data-testid="preapprove-panel"
      data-stage={flow.stage}
      onKeyDown={closeOnEscape(flow.stage === 'sending' ? null : close)}
    >
      <ReturnFocus to={ACTIONS_BUTTON_ID} />
      <header className="panel-header">
        <p className="panel-eyebrow">Pre-approve {draft.targets.length} device{draft.targets.length === 1 ? '' : 's'}</p>
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className="panel-title">
          {flow.stage === 'done' ? 'Added to the pre-approved list' : 'Add to pre-approved list'}
        </h2>
      </header>
      <div className="panel-body">
        {flow.stage !== 'done' ? (
          <>
            <ul className="planned-devices" data-testid="preapprove-devices" data-count={draft.targets.length}>
              {draft.targets.map((target) => (
                <li key={target.udid} className="planned-device">
                  {target.label}
                </li>
              ))}
            </ul>
            <ExcludedDevices excluded={draft.excluded} />
            <fieldset className="reasons" disabled={!editable}>
              <legend>Ownership</legend>
              {OWNERSHIPS.map((ownership) => (
                <label key={ownership} className="reason">
                  <input type="radio" name={radioName} checked={draft.ownership === ownership} onChange={() => actions.server({ type: 'preapprove-edit', change: { ownership } })} data-testid="preapprove-ownership" data-ownership={ownership} />
                  {ownership === 'corporate' ? 'Corporate' : 'Personal'}
                </label>
              ))}
            </fieldset>
            <label className="field">
              <span>User's email</span>
              <input type="email" value={draft.email} disabled={!editable} onChange={(event) => actions.server({ type: 'preapprove-edit', change: { email: event.target.value } })} autoComplete="off" data-testid="preapprove-email" />
            </label>
            <label className="field">
              <span>User's name</span>
              <input type="text" value={draft.name} disabled={!editable} onChange={(event) => actions.server({ type: 'preapprove-edit', change: { name: event.target.value } })} autoComplete="off" data-testid="preapprove-name" />
            </label>
            <PanelError error={draft.error} testId="preapprove-error" />
          </>
        ) : (
          <div role="status" data-testid="preapprove-result" data-queued={flow.result.queued.length} data-refused={flow.result.refused.length}>
            <p>
              {flow.result.queued.length} queued for the server{flow.result.refused.length > 0 ? `, ${flow.result.refused.length} refused` : ''}.
            </p>
            <ul className="jobs">
              {flow.result.queued.map((item) => (
                <li key={item.udid} className="job tone-ok" data-testid="preapprove-queued" data-serial={item.serialNumber}>
                  <div className="job-head">
                    <span className="job-device">{labelOf(item.udid)}</span>
                    <span className="badge">Queued</span>
                  </div>
                </li>
              ))}
              {flow.result.refused.map((item) => (
                <RefusalRow key={item.udid} label={labelOf(item.udid)} badge="Refused" refusal={item} data-testid="preapprove-refused" data-code={item.code} />
              ))}
            </ul>
          </div>
        )}
      </div>
      <footer className="panel-footer">
        {blocker !== null && flow.stage === 'composing' ? (
          <p id={blockerId} className="panel-blocker" data-testid="preapprove-blocker">
            {blocker}
          </p>
        ) : null}
        <div className="panel-buttons">
          {flow.stage === 'done' ? (
            <>
              <span className="toolbar-spacer" />
              <button type="button" className="button button-primary" onClick={close} data-testid="preapprove-ok">
                OK
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button" onClick={close} disabled={flow.stage === 'sending'} data-testid="preapprove-cancel">
                Cancel
              </button>
              <span className="toolbar-spacer" />
              <button type="button" className="button button-primary" onClick={() => void commands.sendPreapprove()} disabled={blocker !== null} aria-describedby={blocker === null ? undefined : blockerId} data-testid="preapprove-send">
                {flow.stage === 'sending' ? 'Adding…' : `Add ${draft.targets.length} device${draft.targets.length === 1 ? '' : 's'}`}
              </button>
            </>
          )}
        </div>
      </footer>
    </section>
  );
}
