/**
 * The bench's link to the central server as the header shows it: which
 * server (or the embedded one), whether the last round reached it, when it
 * last did, what is still waiting to go, and what went wrong with what to do.
 * Offline is a normal way to work (the outbox keeps everything), so the words
 * say that rather than sound an alarm.
 */
import type { ApiError, SyncRejection, SyncStatus } from '../../core/contract/index.js';

/** loading: not asked yet; ready: the host answered sync.status; unavailable: it refused (no server at all, an older host). */
export type SyncAvailability = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly status: SyncStatus } | { readonly kind: 'unavailable'; readonly error: ApiError };

export interface SyncView {
  readonly availability: SyncAvailability;
  /** "Sync now" was pressed and has not been answered. */
  readonly requesting: boolean;
  /** Why the last "Sync now" was refused (the status's lastError covers failed rounds). */
  readonly nowError: ApiError | null;
  /** The list of what the server refused, opened from "n rejected". */
  readonly rejections: RejectionsView;
}

/**
 * What the server refused for good, as the bench keeps it (sync.rejections). `seq` counts the
 * requests for the list: an answer to an older one is ignored. `dismissing`: "Dismiss" was
 * pressed and not answered, so a double click sends it once.
 */
export interface RejectionsView {
  readonly open: boolean;
  readonly phase: 'loading' | 'ready' | 'failed';
  readonly seq: number;
  readonly rejections: readonly SyncRejection[];
  readonly error: ApiError | null;
  readonly dismissing: boolean;
}

export const CLOSED_REJECTIONS: RejectionsView = { open: false, phase: 'loading', seq: 0, rejections: [], error: null, dismissing: false };

export const INITIAL_SYNC: SyncView = { availability: { kind: 'loading' }, requesting: false, nowError: null, rejections: CLOSED_REJECTIONS };

/** How many rejections the panel asks for: more than a technician reads in one go. */
export const REJECTIONS_SHOWN = 100;

export type SyncTone = 'ok' | 'syncing' | 'offline' | 'off';

export interface SyncHeadline {
  readonly tone: SyncTone;
  /** "Standalone", "server.example.com", "No server". */
  readonly where: string;
  /** "Synced", "Syncing…", "Offline — working locally". */
  readonly state: string;
  /** "Last sync 12:03:10", "Never synced". */
  readonly last: string;
  /** "3 pending", "0 pending". */
  readonly pending: string;
  /** "1 rejected", or null when none. */
  readonly rejected: string | null;
}

/** "12:03:10" in the bench's local time: a technician compares it with the clock on the wall. */
export function clockOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

function whereOf(status: SyncStatus): string {
  if (status.mode === 'standalone') return 'Standalone';
  if (status.mode === 'off') return 'No server';
  if (status.serverUrl === null) return 'Server';
  try {
    return new URL(status.serverUrl).host;
  } catch {
    return status.serverUrl;
  }
}

export function syncHeadline(status: SyncStatus): SyncHeadline {
  const tone: SyncTone = status.mode === 'off' ? 'off' : status.syncing ? 'syncing' : status.connected ? 'ok' : 'offline';
  const state = tone === 'off' ? 'Sync off' : tone === 'syncing' ? 'Syncing…' : tone === 'ok' ? 'Synced' : 'Offline — working locally';
  return {
    tone,
    where: whereOf(status),
    state,
    last: status.lastSyncAt === null ? 'Never synced' : `Last sync ${clockOf(status.lastSyncAt)}`,
    pending: `${status.pending} pending`,
    rejected: status.rejected > 0 ? `${status.rejected} rejected` : null,
  };
}

/** The sentence under the headline while offline: nothing is lost, and when it goes. */
export function offlineNote(status: SyncStatus): string | null {
  if (status.mode === 'off' || status.connected) return null;
  const waiting = status.pending === 0 ? 'Nothing is waiting to be sent.' : `${status.pending} change${status.pending === 1 ? ' is' : 's are'} kept on this bench and will be sent when the server is back.`;
  return `The bench works on without the server. ${waiting}`;
}

/** Why entries were refused for good: the outbox keeps the reasons; the contract hands the window only the count. */
export function rejectedNote(status: SyncStatus): string | null {
  if (status.rejected === 0) return null;
  return `The server refused ${status.rejected} change${status.rejected === 1 ? '' : 's'} from this bench for good; they will not be retried. Open "${status.rejected} rejected" to see which and why.`;
}

/** The rejections not yet dismissed: what "Dismiss" acknowledges. */
export function rejectionsToDismiss(view: RejectionsView): string[] {
  return view.rejections.filter((rejection) => rejection.acknowledgedAt === null).map((rejection) => rejection.key);
}

/** "Queued 12:03:10 by Ana" (by the bench itself for reports it made on its own). */
export function rejectionOrigin(rejection: SyncRejection): string {
  return `Queued ${clockOf(rejection.occurredAt)} by ${rejection.technician ?? 'this bench'}`;
}

export type SyncAction =
  | { type: 'sync-status'; status: SyncStatus }
  | { type: 'sync-unavailable'; error: ApiError }
  | { type: 'sync-now-requested' }
  | { type: 'sync-now-answered'; result: { ok: true; status: SyncStatus } | { ok: false; error: ApiError } }
  | RejectionsAction;

/** `rejections-open` opens the list or asks for it again while open. */
export type RejectionsAction =
  | { type: 'rejections-open' }
  | { type: 'rejections-answered'; seq: number; result: { ok: true; rejections: readonly SyncRejection[] } | { ok: false; error: ApiError } }
  | { type: 'rejections-dismissing' }
  | { type: 'rejections-dismissed'; result: { ok: true; status: SyncStatus } | { ok: false; error: ApiError } }
  | { type: 'rejections-close' };

function reduceRejections(view: RejectionsView, action: Exclude<RejectionsAction, { type: 'rejections-dismissed' }>): RejectionsView {
  switch (action.type) {
    case 'rejections-open':
      // Kept while the list is asked for again, so it does not flicker empty.
      return { ...view, open: true, phase: view.open && view.phase === 'ready' ? 'ready' : 'loading', seq: view.seq + 1, error: null };
    case 'rejections-answered':
      if (!view.open || action.seq !== view.seq) return view;
      return action.result.ok ? { ...view, phase: 'ready', rejections: action.result.rejections, error: null } : { ...view, phase: 'failed', error: action.result.error };
    case 'rejections-dismissing':
      if (!view.open || view.phase !== 'ready' || view.dismissing || rejectionsToDismiss(view).length === 0) return view;
      return { ...view, dismissing: true, error: null };
    case 'rejections-close':
      return view.open ? { ...CLOSED_REJECTIONS, seq: view.seq } : view;
  }
}

export function reduceSync(view: SyncView, action: SyncAction): SyncView {
  switch (action.type) {
    case 'sync-status':
      return { ...view, availability: { kind: 'ready', status: action.status } };
    case 'sync-unavailable':
      return { ...view, availability: { kind: 'unavailable', error: action.error }, requesting: false };
    case 'sync-now-requested':
      return view.requesting ? view : { ...view, requesting: true, nowError: null };
    case 'sync-now-answered':
      return action.result.ok
        ? { ...view, availability: { kind: 'ready', status: action.result.status }, requesting: false, nowError: null }
        : { ...view, requesting: false, nowError: action.result.error };
    case 'rejections-dismissed':
      if (!view.rejections.dismissing) return view;
      return action.result.ok
        ? { ...view, availability: { kind: 'ready', status: action.result.status }, rejections: { ...view.rejections, dismissing: false } }
        : { ...view, rejections: { ...view.rejections, dismissing: false, error: action.result.error } };
    default: {
      const rejections = reduceRejections(view.rejections, action);
      return rejections === view.rejections ? view : { ...view, rejections };
    }
  }
}
