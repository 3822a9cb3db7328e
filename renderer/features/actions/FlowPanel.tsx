/**
 * The action panel while an action is being composed: a heading that says
 * which step of how many, the step's contents, and Back / Cancel / Next or
 * Execute. Focus moves to the heading on every step, so a keyboard or screen
 * reader user starts each step at its top; Escape is Cancel.
 */
import { useEffect, useId, useMemo } from 'react';
import { useCommands } from '../../app/commands-context.js';
import { useActions, useBench } from '../../app/store-context.js';
import { blockerOf, planOf, type ActionDraft, type ActionPlan, type FlowStep } from '../../state/action-flow.js';
import { workflowById } from '../../state/jobs.js';
import type { BenchStoreState } from '../../state/store.js';
import { closeOnEscape, StepsHeader, useHeadingFocus } from '../panel/PanelParts.js';
import { ACTIONS_BUTTON_ID } from './ActionsMenu.js';
import { AcknowledgeStep, ReasonStep, ReviewStep, TechnicianStep } from './FlowSteps.js';

const STEP_TITLES: Readonly<Record<FlowStep, string>> = {
  technician: 'Who is at the bench',
  acknowledge: 'What will happen',
  reason: 'Reason',
  review: 'Review and execute',
};

const EMPTY_PLAN: ActionPlan = { included: [], excluded: [] };

const draftOf = (state: BenchStoreState): ActionDraft | null => (state.flow.stage === 'closed' ? null : state.flow.draft);

export function FlowPanel() {
  const draft = useBench(draftOf);
  const sending = useBench((state) => state.flow.stage === 'sending');
  const workflow = useBench((state) => (draft === null ? null : workflowById(state.jobs, draft.workflowId)));
  // The plan follows the devices as they change (one locking drops out of it).
  const devices = useBench((state) => state.devices);
  const jobs = useBench((state) => state.jobs);
  const plan = useMemo(() => (draft === null ? EMPTY_PLAN : planOf(draft, { devices, jobs })), [draft, devices, jobs]);
  const blocker = useBench(blockerOf);
  const actions = useActions();
  const commands = useCommands();
  const headingId = useId();
  const blockerId = useId();

  const step = draft?.step ?? null;
  useEffect(
    () => () => {
      // Cancel removes the button that had the focus: give it back to Actions rather than leave it nowhere.
      requestAnimationFrame(() => {
        if (document.activeElement === null || document.activeElement === document.body) document.getElementById(ACTIONS_BUTTON_ID)?.focus();
      });
    },
    [],
  );
  // Not on the technician step: its name field takes the focus there.
  const headingRef = useHeadingFocus(step === 'technician' ? null : step);

  if (draft === null || workflow === null) return null;
  const index = draft.steps.indexOf(draft.step);
  const onReview = draft.step === 'review';
  const onKeyDown = closeOnEscape(sending ? null : () => actions.cancelAction());

  return (
    <section className="flow-panel" aria-labelledby={headingId} onKeyDown={onKeyDown} data-testid="action-panel" data-step={draft.step} data-workflow={workflow.id}>
      <StepsHeader what={workflow.name} title={STEP_TITLES[draft.step]} steps={draft.steps} current={draft.step} headingId={headingId} headingRef={headingRef} />
      <div className="panel-body">
        {draft.step === 'technician' ? <TechnicianStep /> : null}
        {draft.step === 'acknowledge' ? <AcknowledgeStep workflow={workflow} draft={draft} plan={plan} /> : null}
        {draft.step === 'reason' ? <ReasonStep workflow={workflow} draft={draft} plan={plan} /> : null}
        {onReview ? <ReviewStep workflow={workflow} draft={draft} plan={plan} /> : null}
      </div>
      <footer className="panel-footer">
        {blocker !== null && !sending ? (
          <p id={blockerId} className="panel-blocker" data-testid="action-blocker">
            {blocker}
          </p>
        ) : null}
        <div className="panel-buttons">
          <button type="button" className="button" onClick={() => actions.previousStep()} disabled={index === 0 || sending} data-testid="action-back">
            Back
          </button>
          <button type="button" className="button" onClick={() => actions.cancelAction()} disabled={sending} data-testid="action-cancel">
            Cancel
          </button>
          <span className="toolbar-spacer" />
          {onReview ? (
            <button
              type="button"
              className={workflow.destructive ? 'button button-danger' : 'button button-primary'}
              onClick={() => void commands.execute()}
              disabled={blocker !== null}
              aria-describedby={blocker === null ? undefined : blockerId}
              data-testid="action-execute"
            >
              {sending ? 'Starting…' : `Execute on ${plan.included.length} device${plan.included.length === 1 ? '' : 's'}`}
            </button>
          ) : (
            <button
              type="button"
              className="button button-primary"
              onClick={() => actions.nextStep()}
              disabled={blocker !== null}
              aria-describedby={blocker === null ? undefined : blockerId}
              data-testid="action-next"
            >
              Next
            </button>
          )}
        </div>
      </footer>
    </section>
  );
}
