/**
 * The action panel as a pure state machine: selected devices → a workflow →
 * "what will happen" (the acknowledgement, ticked for destructive workflows)
 * → a reason (when the workflow has reasons) → review → Execute. Back and
 * Cancel work at every step until Execute, and nothing reaches the host
 * before it: the only way out towards `jobs.start` is the `flow-sending`
 * transition, which happens once per review (a second Execute finds the flow
 * already sending, so the same command is never sent twice).
 *
 * Which devices take part is decided when the panel opens: the selected
 * devices that are ready and not already running a job. The others are shown
 * with the reason and left out, because a technician who selects twenty
 * phones and finds one locked expects the nineteen to go ahead, and the one to
 * be pointed out. A device that stops being ready before Execute drops out
 * (with its reason); one that becomes ready is not added: nobody acknowledged
 * erasing it.
 */
import type { ApiError, Device, Job, JobRefusal, WorkflowSummary } from '../../core/contract/index.js';
import { STATE_LOOK, deviceTitle } from './device-view.js';
import { activeJobOf, isActiveJob, workflowById, type JobsState } from './jobs.js';
import { runningShare } from './job-view.js';
import { sortDevices } from './query.js';

export type FlowStep = 'technician' | 'acknowledge' | 'reason' | 'review';

export interface ActionDraft {
  readonly workflowId: string;
  /** Every selected device when the panel opened, in slot order. */
  readonly candidateIds: readonly string[];
  /** The candidates that could run the workflow then: the most that will be sent. */
  readonly targetIds: readonly string[];
  readonly steps: readonly FlowStep[];
  readonly step: FlowStep;
  readonly acknowledged: boolean;
  readonly reason: string | null;
  /** Why the last Execute did not start anything (the panel stays on review). */
  readonly error: ApiError | null;
}

export type ActionFlow =
  | { readonly stage: 'closed' }
  | { readonly stage: 'composing'; readonly draft: ActionDraft }
  /** Execute was pressed: jobs.start is on its way. */
  | { readonly stage: 'sending'; readonly draft: ActionDraft };

export const CLOSED_FLOW: ActionFlow = { stage: 'closed' };

/** One Execute's batch as this window follows it, until the technician dismisses its summary. */
export interface Run {
  readonly batchId: string;
  readonly workflowName: string;
  readonly jobIds: readonly string[];
  readonly refused: readonly JobRefusal[];
  /** UDID → how the device was named when sent (a refused or erased device may be gone or renamed since). */
  readonly labels: Readonly<Record<string, string>>;
}

export type FlowAction =
  | { type: 'flow-open'; workflowId: string }
  | { type: 'flow-acknowledge'; acknowledged: boolean }
  | { type: 'flow-reason'; reason: string }
  | { type: 'flow-next' }
  | { type: 'flow-back' }
  | { type: 'flow-cancel' }
  | { type: 'flow-sending' }
  | { type: 'flow-started'; batchId: string; jobs: readonly Job[]; refused: readonly JobRefusal[] }
  | { type: 'flow-start-failed'; error: ApiError }
  | { type: 'run-dismiss'; batchId: string };

/** What the flow reads from the rest of the state. */
export interface FlowContext {
  readonly devices: Readonly<Record<string, Device>>;
  readonly selection: { readonly ids: Readonly<Record<string, true>> };
  readonly jobs: JobsState;
  readonly flow: ActionFlow;
  readonly runs: readonly Run[];
}

/** Why a device cannot take part in a workflow now; null when it can. */
export function exclusionReason(device: Device | undefined, jobs: JobsState): string | null {
  if (device === undefined || device.state === 'detached') return 'Unplugged.';
  const running = activeJobOf(jobs, device.udid);
  // Sending a command to a device already working on one can leave it half done: one at a time.
  if (running !== null) return `Already running ${running.workflowName}: wait for it to finish.`;
  if (device.state !== 'ready') return `${STATE_LOOK[device.state].badge}: ${device.instruction}`;
  if (device.udid === null) return 'The bench does not know its UDID yet: wait for it to be read.';
  return null;
}

/** "Front desk iPhone · F17SERIAL001": how a device is named in the panel. */
export function deviceLabel(device: Device): string {
  const id = device.serialNumber ?? device.udid ?? device.id;
  return `${deviceTitle(device)} · ${id}`;
}

export interface PlannedDevice {
  readonly id: string;
  readonly device: Device | undefined;
  /** Null for a device that takes part. */
  readonly reason: string | null;
}

export interface ActionPlan {
  readonly included: readonly (PlannedDevice & { readonly device: Device })[];
  readonly excluded: readonly PlannedDevice[];
}

export function planOf(draft: ActionDraft, context: Pick<FlowContext, 'devices' | 'jobs'>): ActionPlan {
  const included: (PlannedDevice & { device: Device })[] = [];
  const excluded: PlannedDevice[] = [];
  for (const id of draft.candidateIds) {
    const device = context.devices[id];
    const reason = exclusionReason(device, context.jobs);
    if (draft.targetIds.includes(id)) {
      if (reason === null && device !== undefined) included.push({ id, device, reason });
      else excluded.push({ id, device, reason: reason ?? 'No longer available.' });
    } else {
      excluded.push({ id, device, reason: reason ?? 'Became ready after the action was chosen: start again to include it.' });
    }
  }
  return { included, excluded };
}

function stepsFor(workflow: WorkflowSummary, technicianKnown: boolean): FlowStep[] {
  const steps: FlowStep[] = technicianKnown ? [] : ['technician'];
  steps.push('acknowledge');
  if (workflow.reasons.length > 0) steps.push('reason');
  steps.push('review');
  return steps;
}

/** What stops the technician from going past the current step, in words; null when nothing does. */
export function blockerOf(context: FlowContext): string | null {
  const { flow } = context;
  if (flow.stage !== 'composing') return flow.stage === 'sending' ? 'Starting…' : 'No action chosen.';
  const { draft } = flow;
  const workflow = workflowById(context.jobs, draft.workflowId);
  if (workflow === null) return 'This action is no longer offered by the bench.';
  switch (draft.step) {
    case 'technician':
      return context.jobs.technician === null ? 'Enter your name first: it is recorded with every action.' : null;
    case 'acknowledge':
    case 'review': {
      if (planOf(draft, context).included.length === 0) return `None of the selected devices can run ${workflow.name} now.`;
      if (workflow.destructive && !draft.acknowledged) return 'Tick the box to acknowledge what will happen.';
      if (draft.step === 'review' && workflow.reasons.length > 0 && draft.reason === null) return 'Pick a reason.';
      if (draft.step === 'review' && context.jobs.technician === null) return 'Enter your name first: it is recorded with every action.';
      return null;
    }
    case 'reason':
      return draft.reason === null ? 'Pick a reason.' : null;
  }
}

function open(context: FlowContext, workflowId: string): ActionFlow {
  const workflow = workflowById(context.jobs, workflowId);
  if (workflow === null || context.flow.stage === 'sending') return context.flow;
  const selected = Object.keys(context.selection.ids)
    .map((id) => context.devices[id])
    .filter((device): device is Device => device !== undefined);
  if (selected.length === 0) return context.flow;
  const candidates = sortDevices(selected, { column: 'slot', direction: 'asc' });
  const steps = stepsFor(workflow, context.jobs.technician !== null);
  return {
    stage: 'composing',
    draft: {
      workflowId,
      candidateIds: candidates.map((device) => device.id),
      targetIds: candidates.filter((device) => exclusionReason(device, context.jobs) === null).map((device) => device.id),
      steps,
      step: steps[0]!,
      acknowledged: false,
      reason: null,
      error: null,
    },
  };
}

function withDraft(flow: ActionFlow, change: (draft: ActionDraft) => ActionDraft): ActionFlow {
  return flow.stage === 'composing' ? { stage: 'composing', draft: change(flow.draft) } : flow;
}

function moveStep(flow: ActionFlow, by: 1 | -1): ActionFlow {
  return withDraft(flow, (draft) => {
    const next = draft.steps[draft.steps.indexOf(draft.step) + by];
    return next === undefined ? draft : { ...draft, step: next, error: null };
  });
}

function labelsOf(draft: ActionDraft, devices: Readonly<Record<string, Device>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const id of draft.candidateIds) {
    const device = devices[id];
    if (device?.udid) labels[device.udid] = deviceLabel(device);
  }
  return labels;
}

/** The flow's part of the state: the panel and the runs it started. */
export function reduceFlow(context: FlowContext, action: FlowAction): Pick<FlowContext, 'flow' | 'runs'> {
  const { flow, runs } = context;
  switch (action.type) {
    case 'flow-open':
      return { flow: open(context, action.workflowId), runs };
    case 'flow-acknowledge':
      return { flow: withDraft(flow, (draft) => ({ ...draft, acknowledged: action.acknowledged })), runs };
    case 'flow-reason':
      return { flow: withDraft(flow, (draft) => ({ ...draft, reason: action.reason })), runs };
    case 'flow-next':
      return { flow: blockerOf(context) === null ? moveStep(flow, 1) : flow, runs };
    case 'flow-back':
      return { flow: moveStep(flow, -1), runs };
    case 'flow-cancel':
      // Once Execute was pressed there is nothing left to cancel here: the jobs have their own Cancel.
      return { flow: flow.stage === 'composing' ? CLOSED_FLOW : flow, runs };
    case 'flow-sending':
      if (flow.stage !== 'composing' || flow.draft.step !== 'review' || blockerOf(context) !== null) return { flow, runs };
      return { flow: { stage: 'sending', draft: { ...flow.draft, error: null } }, runs };
    case 'flow-started': {
      if (flow.stage !== 'sending') return { flow, runs };
      const workflow = workflowById(context.jobs, flow.draft.workflowId);
      const run: Run = {
        batchId: action.batchId,
        workflowName: workflow?.name ?? flow.draft.workflowId,
        jobIds: action.jobs.map((job) => job.id),
        refused: action.refused,
        labels: labelsOf(flow.draft, context.devices),
      };
      return { flow: CLOSED_FLOW, runs: [run, ...runs.filter((other) => other.batchId !== action.batchId)] };
    }
    case 'flow-start-failed':
      return { flow: flow.stage === 'sending' ? { stage: 'composing', draft: { ...flow.draft, error: action.error } } : flow, runs };
    case 'run-dismiss':
      return { flow, runs: runs.filter((run) => run.batchId !== action.batchId) };
  }
}

export interface RunSummary {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly active: number;
  /** Devices the host started nothing on. */
  readonly refused: number;
  readonly finished: boolean;
  /** Finished steps over all steps of the run's jobs, 0..1. */
  readonly progress: number;
  /** The share of the run's bar its running steps will fill (job-view.ts runningShare, averaged). */
  readonly running: number;
}

export function summaryOf(run: Run, jobs: JobsState): RunSummary {
  let succeeded = 0;
  let failed = 0;
  let cancelled = 0;
  let active = 0;
  let progress = 0;
  let running = 0;
  for (const id of run.jobIds) {
    const job = jobs.byId[id];
    running += job === undefined ? 0 : runningShare(job);
    if (job === undefined || isActiveJob(job)) active++;
    else if (job.state === 'succeeded') succeeded++;
    else if (job.state === 'failed') failed++;
    else cancelled++;
    progress += job === undefined ? 0 : isActiveJob(job) ? job.progress : 1;
  }
  const total = run.jobIds.length;
  return { total, succeeded, failed, cancelled, active, refused: run.refused.length, finished: active === 0, progress: total === 0 ? 1 : progress / total, running: total === 0 ? 0 : running / total };
}

/** "4 succeeded, 1 failed" (and the cancelled and not-started, when there are any). */
export function summaryText(summary: RunSummary): string {
  const parts = [`${summary.succeeded} succeeded`, `${summary.failed} failed`];
  if (summary.cancelled > 0) parts.push(`${summary.cancelled} cancelled`);
  if (summary.refused > 0) parts.push(`${summary.refused} not started`);
  return parts.join(', ');
}

/** The words at the end of a run: what a technician reads from across the bench. */
export function completionMessage(run: Run, summary: RunSummary): string {
  if (!summary.finished) return '';
  if (summary.failed === 0 && summary.cancelled === 0 && summary.refused === 0 && summary.total > 0) return `${run.workflowName} completed successfully on ${summary.total} device${summary.total === 1 ? '' : 's'}.`;
  if (summary.succeeded === 0) return `${run.workflowName} did not complete on any device.`;
  return `${run.workflowName} finished: ${summaryText(summary)}.`;
}

/** The job a device's tile shows: the one running now, else its outcome in a run the technician has not dismissed yet. */
export function tileJobOf(context: Pick<FlowContext, 'jobs' | 'runs'>, udid: string | null): Job | null {
  if (udid === null) return null;
  const id = context.jobs.latestByUdid[udid];
  const job = id === undefined ? undefined : context.jobs.byId[id];
  if (job === undefined) return null;
  if (isActiveJob(job)) return job;
  return context.runs.some((run) => run.jobIds.includes(job.id)) ? job : null;
}
