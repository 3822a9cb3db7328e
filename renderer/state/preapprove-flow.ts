/**
 * "Add to pre-approved list…" for tethered devices: who the devices are for
 * (ownership, user email and name) → `preapproved.add` → per device queued for
 * the server or refused with why. The host reads each device's serial number
 * and platform itself; the panel only sends UDIDs.
 */
import type { ApiError, Ownership, Result } from '../../core/contract/index.js';

export interface PreapproveTarget {
  readonly udid: string;
  readonly label: string;
}

export interface PreapproveDraft {
  readonly targets: readonly PreapproveTarget[];
  readonly excluded: readonly { readonly label: string; readonly reason: string }[];
  readonly ownership: Ownership | null;
  readonly email: string;
  readonly name: string;
  readonly error: ApiError | null;
}

export type PreapproveFlow =
  | { readonly stage: 'closed' }
  | { readonly stage: 'composing' | 'sending'; readonly draft: PreapproveDraft }
  | { readonly stage: 'done'; readonly draft: PreapproveDraft; readonly result: Result<'preapproved.add'> };

export const CLOSED_PREAPPROVE: PreapproveFlow = { stage: 'closed' };

export type PreapproveAction =
  | { type: 'preapprove-open'; targets: readonly PreapproveTarget[]; excluded: PreapproveDraft['excluded'] }
  | { type: 'preapprove-edit'; change: Partial<Pick<PreapproveDraft, 'ownership' | 'email' | 'name'>> }
  | { type: 'preapprove-sending' }
  | { type: 'preapprove-answered'; result: { ok: true; value: Result<'preapproved.add'> } | { ok: false; error: ApiError } }
  | { type: 'preapprove-close' };

/** Roughly an email: the server checks it properly; this only catches a name typed in the wrong box. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function preapproveBlocker(flow: PreapproveFlow): string | null {
  if (flow.stage === 'sending') return 'Sending…';
  if (flow.stage !== 'composing') return null;
  const { draft } = flow;
  if (draft.targets.length === 0) return 'None of the selected devices is ready: pre-approving reads its serial number from the device.';
  if (draft.ownership === null) return 'Choose corporate or personal.';
  if (!EMAIL.test(draft.email.trim())) return 'Enter the user\'s email address.';
  if (draft.name.trim() === '') return 'Enter the user\'s name.';
  return null;
}

export function reducePreapprove(flow: PreapproveFlow, action: PreapproveAction): PreapproveFlow {
  switch (action.type) {
    case 'preapprove-open':
      if (flow.stage === 'sending') return flow;
      return { stage: 'composing', draft: { targets: action.targets, excluded: action.excluded, ownership: null, email: '', name: '', error: null } };
    case 'preapprove-edit':
      return flow.stage === 'composing' ? { stage: 'composing', draft: { ...flow.draft, ...action.change } } : flow;
    case 'preapprove-sending':
      return flow.stage === 'composing' && preapproveBlocker(flow) === null ? { stage: 'sending', draft: { ...flow.draft, error: null } } : flow;
    case 'preapprove-answered':
      if (flow.stage !== 'sending') return flow;
      return action.result.ok ? { stage: 'done', draft: flow.draft, result: action.result.value } : { stage: 'composing', draft: { ...flow.draft, error: action.result.error } };
    case 'preapprove-close':
      return flow.stage === 'sending' ? flow : CLOSED_PREAPPROVE;
  }
}
