/**
 * The contents of each step of the action panel. The footer (Back, Cancel,
 * Next/Execute) is the panel's; these only show and collect.
 */
import { useId } from 'react';
import type { WorkflowSummary } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import type { ActionDraft, ActionPlan } from '../../state/action-flow.js';
import { PanelError } from '../panel/PanelParts.js';
import { TechnicianForm } from '../technician/TechnicianForm.js';
import { PlannedDevices } from './PlannedDevices.js';

interface StepProps {
  readonly workflow: WorkflowSummary;
  readonly draft: ActionDraft;
  readonly plan: ActionPlan;
}

export function TechnicianStep() {
  return (
    <>
      <p>Enter your name before the first action: the bench records who ran every action on every device.</p>
      <TechnicianForm autoFocus />
    </>
  );
}

export function AcknowledgeStep({ workflow, draft, plan }: StepProps) {
  const actions = useActions();
  const count = plan.included.length;
  return (
    <>
      <p className={workflow.destructive ? 'acknowledgement is-destructive' : 'acknowledgement'} data-testid="action-acknowledgement">
        {workflow.acknowledgement}
      </p>
      <h3 className="panel-subheading">Steps</h3>
      <ol className="workflow-steps" data-testid="action-steps">
        {workflow.steps.map((step, index) => (
          <li key={`${step.kind}-${index}`}>{step.label}</li>
        ))}
      </ol>
      <PlannedDevices plan={plan} workflowName={workflow.name} />
      {workflow.destructive && count > 0 ? (
        <label className="acknowledge-check">
          <input type="checkbox" checked={draft.acknowledged} onChange={(event) => actions.acknowledge(event.target.checked)} data-testid="action-acknowledge" />
          <span>
            I acknowledge that {workflow.name} will permanently remove the data on {count === 1 ? 'this device' : `these ${count} devices`}, which will then have to be set up or enrolled again.
          </span>
        </label>
      ) : null}
    </>
  );
}

export function ReasonStep({ workflow, draft }: StepProps) {
  const actions = useActions();
  const name = useId();
  return (
    <fieldset className="reasons" data-testid="action-reasons">
      <legend>Why are you running {workflow.name}?</legend>
      {workflow.reasons.map((reason) => (
        <label key={reason.id} className="reason">
          <input type="radio" name={name} value={reason.id} checked={draft.reason === reason.id} onChange={() => actions.pickReason(reason.id)} data-testid="action-reason" data-reason={reason.id} />
          {reason.label}
        </label>
      ))}
    </fieldset>
  );
}

export function ReviewStep({ workflow, draft, plan }: StepProps) {
  const technician = useBench((state) => state.jobs.technician);
  const reason = workflow.reasons.find((candidate) => candidate.id === draft.reason);
  const count = plan.included.length;
  return (
    <>
      <dl className="review" data-testid="action-review">
        <dt>Action</dt>
        <dd>
          {workflow.name}
          {workflow.destructive ? <span className="destructive-mark">Erases data</span> : null}
        </dd>
        {reason ? (
          <>
            <dt>Reason</dt>
            <dd>{reason.label}</dd>
          </>
        ) : null}
        <dt>Technician</dt>
        <dd>{technician ?? '—'}</dd>
      </dl>
      <PlannedDevices plan={plan} workflowName={workflow.name} />
      <p className="review-note">
        Nothing has been sent yet. <strong>Execute</strong> starts {workflow.name} on {count} device{count === 1 ? '' : 's'}
        {workflow.destructive ? '; once a device is being erased it cannot be stopped.' : '.'}
      </p>
      <PanelError error={draft.error} testId="action-error" />
    </>
  );
}
