/**
 * The bench's link to the central server as the header shows it: which
 * server (or the embedded one), whether the last round reached it, when it
 * last did, what is still waiting to go, and what went wrong with what to do.
 * Offline is a normal way to work (the outbox keeps everything), so the words
 * say that rather than sound an alarm.
 */
import type { ApiError, SyncStatus } from '../../core/contract/index.js';

/** loading: not asked yet; ready: the host answered sync.status; unavailable: it refused (no server at all, an older host). */
export type SyncAvailability = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly status: SyncStatus } | { readonly kind: 'unavailable'; readonly error: ApiError };

export interface SyncView {
  readonly availability: SyncAvailability;
  /** "Sync now" was pressed and has not been answered. */
  readonly requesting: boolean;
  /** Why the last "Sync now" was refused (the status's lastError covers failed rounds). */
  readonly nowError: ApiError | null;
}

export const INITIAL_SYNC: SyncView = { availability: { kind: 'loading' }, requesting: false, nowError: null };

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
  return `The server refused ${status.rejected} change${status.rejected === 1 ? '' : 's'} from this bench for good; they will not be retried. ${status.lastError ? `Last reason: ${status.lastError.message}` : 'Ask an administrator to check the bench\'s outbox.'}`;
}

export type SyncAction =
  | { type: 'sync-status'; status: SyncStatus }
  | { type: 'sync-unavailable'; error: ApiError }
  | { type: 'sync-now-requested' }
  | { type: 'sync-now-answered'; result: { ok: true; status: SyncStatus } | { ok: false; error: ApiError } };

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
        ? { availability: { kind: 'ready', status: action.result.status }, requesting: false, nowError: null }
        : { ...view, requesting: false, nowError: action.result.error };
  }
}
