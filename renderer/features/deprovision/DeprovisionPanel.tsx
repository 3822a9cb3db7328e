/**
 * The deprovision side panel (seeds 000-002): acknowledge → reason → review →
 * Execute, with Back and Cancel until Execute (Escape is Cancel); then the run
 * (DeprovisionRunCard). Same layout and keyboard behaviour as the actions panel.
 */
import { useId, useMemo } from 'react';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { DEPROVISION_STEPS, deprovisionBlocker, planDeprovision, type DeprovisionStep } from '../../state/deprovision-flow.js';
import { ACTIONS_BUTTON_ID } from '../actions/ActionsMenu.js';
import { closeOnEscape, StepsHeader, useHeadingFocus } from '../panel/PanelParts.js';
import { INVENTORY_DEPROVISION_ID, ReturnFocus } from '../panel/ReturnFocus.js';
import { DeprovisionRunCard } from './DeprovisionRunCard.js';
import { AcknowledgeStep, ReasonStep, ReviewStep } from './DeprovisionSteps.js';

const onReviewStep = (step: DeprovisionStep): boolean => step === 'review';

const TITLES: Readonly<Record<DeprovisionStep, string>> = { acknowledge: 'Acknowledge', reason: 'Reason', review: 'Review and execute' };

export function DeprovisionPanel() {
  const flow = useBench((state) => state.server.deprovision);
  const known = useBench((state) => state.server.inventory.known);
  const technician = useBench((state) => state.jobs.technician);
  const actions = useActions();
  const commands = useServerCommands();
  const headingId = useId();
  const blockerId = useId();
  const draft = flow.stage === 'composing' || flow.stage === 'sending' ? flow.draft : null;
  const plan = useMemo(() => (draft === null ? [] : planDeprovision(draft, known)), [draft, known]);
  const headingRef = useHeadingFocus(draft?.step ?? null);
  if (flow.stage === 'run') return <DeprovisionRunCard run={flow.run} returnTo={flow.run.source === 'inventory' ? INVENTORY_DEPROVISION_ID : ACTIONS_BUTTON_ID} />;
  if (draft === null) return null;
  const sending = flow.stage === 'sending';
  const index = DEPROVISION_STEPS.indexOf(draft.step);
  // The wipe jobs record who ran them, as every bench action does: the name is asked for on review when unknown.
  const blocker = deprovisionBlocker(flow) ?? (onReviewStep(draft.step) && technician === null ? 'Enter your name first: it is recorded with every action.' : null);
  const onReview = draft.step === 'review';
  return (
    <section
      className="flow-panel"
      aria-labelledby={headingId}
      data-testid="deprovision-panel"
      data-step={draft.step}
      data-source={draft.source}
      onKeyDown={closeOnEscape(sending ? null : () => actions.server({ type: 'deprovision-cancel' }))}
    >
      <ReturnFocus to={draft.source === 'inventory' ? INVENTORY_DEPROVISION_ID : ACTIONS_BUTTON_ID} />
      <StepsHeader what="Deprovision" title={TITLES[draft.step]} steps={DEPROVISION_STEPS} current={draft.step} headingId={headingId} headingRef={headingRef} />
      <div className="panel-body">
        {draft.step === 'acknowledge' ? <AcknowledgeStep draft={draft} plan={plan} /> : null}
        {draft.step === 'reason' ? <ReasonStep draft={draft} plan={plan} /> : null}
        {onReview ? <ReviewStep draft={draft} plan={plan} technician={technician} /> : null}
      </div>
      <footer className="panel-footer">
        {blocker !== null && !sending ? (
          <p id={blockerId} className="panel-blocker" data-testid="deprovision-blocker">
            {blocker}
          </p>
        ) : null}
        <div className="panel-buttons">
          <button type="button" className="button" onClick={() => actions.server({ type: 'deprovision-back' })} disabled={index === 0 || sending} data-testid="deprovision-back">
            Back
          </button>
          <button type="button" className="button" onClick={() => actions.server({ type: 'deprovision-cancel' })} disabled={sending} data-testid="deprovision-cancel">
            Cancel
          </button>
          <span className="toolbar-spacer" />
          {onReview ? (
            <button type="button" className="button button-danger" onClick={() => void commands.executeDeprovision()} disabled={blocker !== null} aria-describedby={blocker === null ? undefined : blockerId} data-testid="deprovision-execute">
              {sending ? 'Sending…' : 'Execute'}
            </button>
          ) : (
            <button type="button" className="button button-primary" onClick={() => actions.server({ type: 'deprovision-next' })} disabled={blocker !== null} aria-describedby={blocker === null ? undefined : blockerId} data-testid="deprovision-next">
              Next
            </button>
          )}
        </div>
      </footer>
    </section>
  );
}
