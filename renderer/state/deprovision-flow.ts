/**
 * Deprovisioning (seeds 000-002) as a pure state machine: the devices (tethered
 * ones by serial number, or rows picked in the Inventory view) → acknowledge
 * "This action removes licenses…" → a reason (Other: the wipe and a note),
 * optionally "request device information" → review → Execute, which sends one
 * `deprovision.start`. Back and Cancel work until Execute; Execute moves the
 * flow to `sending` once, so a double click sends nothing twice.
 *
 * What happens to each device is shown before Execute with the same rules the
 * server applies (core/contract/deprovision-rules.ts) and the device's
 * ownership from the bench's copy of the inventory.
 *
 * After Execute the panel follows the run: devices tethered here are wiped by a
 * job (its progress, as in the actions panel); the rest wait for the server to
 * take the request. The server has it once a sync status seen after Execute
 * shows nothing pending: statuses arrive in the order the host produced them,
 * so one that comes after the answer counts the new outbox entries.
 */
import {
  DEPROVISION_REASON_LABELS,
  DEVICE_STATUS_LABELS,
  statusAfterDeprovision,
  wipeFor,
  type ApiError,
  type DeprovisionReason,
  type DeviceStatus,
  type InventoryDevice,
  type Ownership,
  type Result,
  type SyncStatus,
  type WipeKind,
} from '../../core/contract/index.js';
import { isActiveJob, type JobsState } from './jobs.js';

export type DeprovisionStep = 'acknowledge' | 'reason' | 'review';
export const DEPROVISION_STEPS: readonly DeprovisionStep[] = ['acknowledge', 'reason', 'review'];

/** Seed 001's warning and checkbox, word for word (its typo fixed). */
export const DEPROVISION_WARNING = 'This action removes licenses and devices that would have to be re-enrolled.';
export const DEPROVISION_ACKNOWLEDGEMENT = 'I acknowledge the need to wipe and re-enroll these devices for future management';

export const WIPE_LABELS: Readonly<Record<WipeKind, string>> = { full: 'Full wipe', 'corporate-data': 'Corporate data only' };

export interface DeprovisionTarget {
  readonly serialNumber: string;
  /** "Front desk iPhone · F17…" for tethered devices, the serial number otherwise. */
  readonly label: string;
  readonly tethered: boolean;
}

export interface DeprovisionDraft {
  readonly source: 'bench' | 'inventory';
  readonly targets: readonly DeprovisionTarget[];
  /** Selected devices that cannot be deprovisioned, with why (no serial number read yet). */
  readonly excluded: readonly { readonly label: string; readonly reason: string }[];
  readonly step: DeprovisionStep;
  readonly acknowledged: boolean;
  readonly reason: DeprovisionReason | null;
  /** Chosen with reason Other only. */
  readonly wipe: WipeKind | null;
  readonly note: string;
  readonly requestInfo: boolean;
  /** Why the last Execute was refused as a whole (the panel stays on review). */
  readonly error: ApiError | null;
}

export type StartDeprovisionResult = Result<'deprovision.start'>;

export interface DeprovisionRun {
  readonly source: DeprovisionDraft['source'];
  readonly reason: DeprovisionReason;
  readonly labels: Readonly<Record<string, string>>;
  readonly started: StartDeprovisionResult['started'];
  readonly refused: StartDeprovisionResult['refused'];
  /** A sync status after Execute showed nothing pending: the server has the requests. */
  readonly delivered: boolean;
}

export type DeprovisionFlow =
  | { readonly stage: 'closed' }
  | { readonly stage: 'composing' | 'sending'; readonly draft: DeprovisionDraft }
  | { readonly stage: 'run'; readonly run: DeprovisionRun };

export const CLOSED_DEPROVISION: DeprovisionFlow = { stage: 'closed' };

export type DeprovisionAction =
  | { type: 'deprovision-open'; source: DeprovisionDraft['source']; targets: readonly DeprovisionTarget[]; excluded: DeprovisionDraft['excluded'] }
  | { type: 'deprovision-acknowledge'; acknowledged: boolean }
  | { type: 'deprovision-reason'; reason: DeprovisionReason }
  | { type: 'deprovision-wipe'; wipe: WipeKind }
  | { type: 'deprovision-note'; note: string }
  | { type: 'deprovision-request-info'; requestInfo: boolean }
  | { type: 'deprovision-next' }
  | { type: 'deprovision-back' }
  | { type: 'deprovision-cancel' }
  | { type: 'deprovision-sending' }
  | { type: 'deprovision-started'; result: StartDeprovisionResult }
  | { type: 'deprovision-failed'; error: ApiError }
  | { type: 'deprovision-dismiss' };

export interface PlannedDeprovision {
  readonly serialNumber: string;
  readonly label: string;
  readonly ownership: Ownership | null;
  /** Null while the reason (or, for Other, the wipe) is not chosen, or the ownership is unknown. */
  readonly wipe: WipeKind | null;
  readonly toStatus: DeviceStatus | null;
  /** "(corporate) → Full wipe, In stock", or why it is not known yet. */
  readonly outcome: string;
  /** A deprovision already waits for this device: the server refuses a second one. */
  readonly pending: boolean;
}

/** What Execute will do to each device, by the rules the server applies. */
export function planDeprovision(draft: DeprovisionDraft, known: Readonly<Record<string, InventoryDevice>>): PlannedDeprovision[] {
  return draft.targets.map((target) => {
    const record = known[target.serialNumber];
    const ownership = record?.ownership ?? null;
    const pending = record?.pendingDeprovision != null;
    if (ownership === null) {
      return { ...target, ownership, wipe: null, toStatus: null, pending, outcome: 'Not in this bench\'s copy of the inventory yet: the server decides by its ownership.' };
    }
    const wipe = draft.reason === null ? null : wipeFor(draft.reason, ownership, draft.wipe ?? undefined);
    const toStatus = draft.reason === null ? null : statusAfterDeprovision(draft.reason, ownership);
    const what = wipe === null || toStatus === null ? (draft.reason === null ? 'pick a reason to see what happens' : 'choose the wipe') : `${WIPE_LABELS[wipe]}, ${DEVICE_STATUS_LABELS[toStatus]}`;
    const outcome = pending ? `(${ownership}) A deprovision is already pending: the server will refuse a second one.` : `(${ownership}) → ${what}`;
    return { serialNumber: target.serialNumber, label: target.label, ownership, wipe, toStatus, pending, outcome };
  });
}

/** What stops the technician from going past the current step, in words; null when nothing does. */
export function deprovisionBlocker(flow: DeprovisionFlow): string | null {
  if (flow.stage === 'sending') return 'Sending…';
  if (flow.stage !== 'composing') return null;
  const { draft } = flow;
  if (draft.targets.length === 0) return 'None of the selected devices has a serial number: nothing can be deprovisioned.';
  if (!draft.acknowledged) return 'Tick the box to acknowledge that these devices will be wiped and must be re-enrolled.';
  if (draft.step === 'acknowledge') return null;
  if (draft.reason === null) return 'Pick a reason.';
  if (draft.reason === 'other') {
    if (draft.wipe === null) return 'Choose the wipe: Full wipe or Corporate data only.';
    if (draft.note.trim() === '') return 'Say why in the note: it is kept with the device\'s history.';
  }
  return null;
}

function withDraft(flow: DeprovisionFlow, change: (draft: DeprovisionDraft) => DeprovisionDraft): DeprovisionFlow {
  return flow.stage === 'composing' ? { stage: 'composing', draft: change(flow.draft) } : flow;
}

function move(flow: DeprovisionFlow, by: 1 | -1): DeprovisionFlow {
  return withDraft(flow, (draft) => {
    const next = DEPROVISION_STEPS[DEPROVISION_STEPS.indexOf(draft.step) + by];
    return next === undefined ? draft : { ...draft, step: next, error: null };
  });
}

export function reduceDeprovision(flow: DeprovisionFlow, action: DeprovisionAction): DeprovisionFlow {
  switch (action.type) {
    case 'deprovision-open':
      // One deprovisioning at a time: a run under way or a request in flight keeps the panel.
      if (flow.stage === 'sending' || flow.stage === 'run') return flow;
      return {
        stage: 'composing',
        draft: { source: action.source, targets: action.targets, excluded: action.excluded, step: 'acknowledge', acknowledged: false, reason: null, wipe: null, note: '', requestInfo: false, error: null },
      };
    case 'deprovision-acknowledge':
      return withDraft(flow, (draft) => ({ ...draft, acknowledged: action.acknowledged }));
    case 'deprovision-reason':
      return withDraft(flow, (draft) => ({ ...draft, reason: action.reason }));
    case 'deprovision-wipe':
      return withDraft(flow, (draft) => ({ ...draft, wipe: action.wipe }));
    case 'deprovision-note':
      return withDraft(flow, (draft) => ({ ...draft, note: action.note.slice(0, 500) }));
    case 'deprovision-request-info':
      return withDraft(flow, (draft) => ({ ...draft, requestInfo: action.requestInfo }));
    case 'deprovision-next':
      return deprovisionBlocker(flow) === null ? move(flow, 1) : flow;
    case 'deprovision-back':
      return move(flow, -1);
    case 'deprovision-cancel':
      return flow.stage === 'composing' ? CLOSED_DEPROVISION : flow;
    case 'deprovision-sending':
      if (flow.stage !== 'composing' || flow.draft.step !== 'review' || deprovisionBlocker(flow) !== null) return flow;
      return { stage: 'sending', draft: { ...flow.draft, error: null } };
    case 'deprovision-started': {
      if (flow.stage !== 'sending') return flow;
      const labels = Object.fromEntries(flow.draft.targets.map((target) => [target.serialNumber, target.label]));
      return { stage: 'run', run: { source: flow.draft.source, reason: flow.draft.reason ?? 'other', labels, started: action.result.started, refused: action.result.refused, delivered: action.result.started.length === 0 } };
    }
    case 'deprovision-failed':
      return flow.stage === 'sending' ? { stage: 'composing', draft: { ...flow.draft, error: action.error } } : flow;
    case 'deprovision-dismiss':
      return flow.stage === 'run' ? CLOSED_DEPROVISION : flow;
  }
}

/** A sync status seen after Execute: nothing pending means the server has the run's requests. */
export function deprovisionSeesSync(flow: DeprovisionFlow, status: SyncStatus): DeprovisionFlow {
  if (flow.stage !== 'run' || flow.run.delivered || status.pending > 0 || status.syncing) return flow;
  return { stage: 'run', run: { ...flow.run, delivered: true } };
}

export interface DeprovisionRunSummary {
  readonly total: number;
  readonly wiping: number;
  readonly wiped: number;
  readonly wipeFailed: number;
  readonly refused: number;
  /** The server has the requests (or there were none to send). */
  readonly finishedServer: boolean;
  readonly finished: boolean;
}

export function deprovisionRunSummary(run: DeprovisionRun, jobs: JobsState | null): DeprovisionRunSummary {
  let wiping = 0;
  let wiped = 0;
  let wipeFailed = 0;
  for (const item of run.started) {
    if (item.jobId === null) continue;
    const job = jobs?.byId[item.jobId];
    if (job === undefined || isActiveJob(job)) wiping++;
    else if (job.state === 'succeeded') wiped++;
    else wipeFailed++;
  }
  const total = run.started.length + run.refused.length;
  return { total, wiping, wiped, wipeFailed, refused: run.refused.length, finishedServer: run.delivered, finished: run.delivered && wiping === 0 };
}

/** The words at the end: seed 001's "Completed successfully", or what did not go through. */
export function deprovisionCompletion(run: DeprovisionRun, summary: DeprovisionRunSummary): string {
  if (!summary.finished) return '';
  const started = run.started.length;
  if (summary.refused === 0 && summary.wipeFailed === 0) return `Completed successfully: ${started} device${started === 1 ? '' : 's'} deprovisioned (${DEPROVISION_REASON_LABELS[run.reason]}).`;
  const parts: string[] = [];
  if (started - summary.wipeFailed > 0) parts.push(`${started - summary.wipeFailed} deprovisioned`);
  if (summary.wipeFailed > 0) parts.push(`${summary.wipeFailed} not wiped`);
  if (summary.refused > 0) parts.push(`${summary.refused} refused`);
  return `Deprovision finished: ${parts.join(', ')}.`;
}
