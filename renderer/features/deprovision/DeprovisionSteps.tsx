/** The contents of each deprovision step (seeds 000-002); the footer is DeprovisionPanel's. */
import { useId } from 'react';
import { DEPROVISION_REASONS, DEPROVISION_REASON_LABELS, WIPE_KINDS } from '../../../core/contract/index.js';
import { useActions } from '../../app/store-context.js';
import { ExcludedDevices } from '../actions/ExcludedDevices.js';
import { PanelError } from '../panel/PanelParts.js';
import { TechnicianForm } from '../technician/TechnicianForm.js';
import { DEPROVISION_ACKNOWLEDGEMENT, DEPROVISION_WARNING, WIPE_LABELS, type DeprovisionDraft, type PlannedDeprovision } from '../../state/deprovision-flow.js';

/** Each device with what will happen to it: "(corporate) → Full wipe, In stock". */
export function DeprovisionDevices({ draft, plan }: { draft: DeprovisionDraft; plan: readonly PlannedDeprovision[] }) {
  return (
    <>
      <h3 className="panel-subheading">
        {plan.length} device{plan.length === 1 ? '' : 's'}
      </h3>
      {plan.length > 0 ? (
        <ul className="planned-devices" data-testid="deprovision-devices" data-count={plan.length}>
          {plan.map((device) => (
            <li key={device.serialNumber} className="planned-device" data-testid="deprovision-device" data-serial={device.serialNumber} data-wipe={device.wipe ?? ''} data-to-status={device.toStatus ?? ''}>
              <span>{device.label}</span>
              <span className={device.pending || device.ownership === null ? 'excluded-reason' : 'muted'} data-testid="deprovision-outcome">
                {device.outcome}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <ExcludedDevices excluded={draft.excluded} testId="deprovision-excluded" />
    </>
  );
}

export function AcknowledgeStep({ draft, plan }: { draft: DeprovisionDraft; plan: readonly PlannedDeprovision[] }) {
  const actions = useActions();
  return (
    <>
      <p className="acknowledgement is-destructive" data-testid="deprovision-warning">
        <strong>Acknowledge device deprovisioning.</strong> {DEPROVISION_WARNING}
      </p>
      <DeprovisionDevices draft={draft} plan={plan} />
      {plan.length > 0 ? (
        <label className="acknowledge-check">
          <input type="checkbox" checked={draft.acknowledged} onChange={(event) => actions.server({ type: 'deprovision-acknowledge', acknowledged: event.target.checked })} data-testid="deprovision-acknowledge" />
          <span>{DEPROVISION_ACKNOWLEDGEMENT}</span>
        </label>
      ) : null}
    </>
  );
}

export function ReasonStep({ draft, plan }: { draft: DeprovisionDraft; plan: readonly PlannedDeprovision[] }) {
  const actions = useActions();
  const reasonName = useId();
  const wipeName = useId();
  const noteId = useId();
  return (
    <>
      <fieldset className="reasons" data-testid="deprovision-reasons">
        <legend>Why are these devices leaving management?</legend>
        {DEPROVISION_REASONS.map((reason) => (
          <label key={reason} className="reason">
            <input type="radio" name={reasonName} checked={draft.reason === reason} onChange={() => actions.server({ type: 'deprovision-reason', reason })} data-testid="deprovision-reason" data-reason={reason} />
            {DEPROVISION_REASON_LABELS[reason]}
          </label>
        ))}
      </fieldset>
      {draft.reason === 'other' ? (
        <>
          <fieldset className="reasons" data-testid="deprovision-wipes">
            <legend>Wipe</legend>
            {WIPE_KINDS.map((wipe) => (
              <label key={wipe} className="reason">
                <input type="radio" name={wipeName} checked={draft.wipe === wipe} onChange={() => actions.server({ type: 'deprovision-wipe', wipe })} data-testid="deprovision-wipe" data-wipe={wipe} />
                {WIPE_LABELS[wipe]}
              </label>
            ))}
          </fieldset>
          <label className="field" htmlFor={noteId}>
            <span>Note (why)</span>
          </label>
          <textarea id={noteId} className="field-input" rows={2} maxLength={500} value={draft.note} onChange={(event) => actions.server({ type: 'deprovision-note', note: event.target.value })} data-testid="deprovision-note" />
        </>
      ) : null}
      <label className="check">
        <input type="checkbox" checked={draft.requestInfo} onChange={(event) => actions.server({ type: 'deprovision-request-info', requestInfo: event.target.checked })} data-testid="deprovision-request-info" />
        Request device information before unenrolling
      </label>
      <DeprovisionDevices draft={draft} plan={plan} />
    </>
  );
}

export function ReviewStep({ draft, plan, technician }: { draft: DeprovisionDraft; plan: readonly PlannedDeprovision[]; technician: string | null }) {
  return (
    <>
      {technician === null ? <TechnicianForm autoFocus /> : null}
      <dl className="review" data-testid="deprovision-review">
        <dt>Action</dt>
        <dd>
          Deprovision <span className="destructive-mark">Wipes devices</span>
        </dd>
        <dt>Reason</dt>
        <dd>{draft.reason ? DEPROVISION_REASON_LABELS[draft.reason] : '—'}</dd>
        {draft.reason === 'other' ? (
          <>
            <dt>Wipe</dt>
            <dd>{draft.wipe ? WIPE_LABELS[draft.wipe] : '—'}</dd>
            <dt>Note</dt>
            <dd>{draft.note}</dd>
          </>
        ) : null}
        <dt>Device information</dt>
        <dd>{draft.requestInfo ? 'Requested before unenrolling' : 'Not requested'}</dd>
        <dt>Technician</dt>
        <dd>{technician ?? '—'}</dd>
      </dl>
      <DeprovisionDevices draft={draft} plan={plan} />
      <p className="review-note">
        Nothing has been sent yet. <strong>Execute</strong> deprovisions {plan.length} device{plan.length === 1 ? '' : 's'}: tethered ones are wiped here, the others when they next check in. It cannot be undone.
      </p>
      <PanelError error={draft.error} testId="deprovision-error" />
    </>
  );
}
