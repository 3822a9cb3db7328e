/**
 * The bench's copy of the inventory as the Inventory and Pre-approved views
 * show it: one list per view (its search, the pages loaded so far, the total
 * the host counted), every record seen so far by serial number (the
 * deprovision panel reads a tethered device's ownership from it), the rows
 * selected in the Inventory view, and the history open in the side panel.
 *
 * `inventory.changed` updates the lists in place: a record that changed is
 * replaced, one that no longer matches the list's search leaves it, one that
 * now matches joins it at the top. So an open view follows the other benches
 * without searching again.
 *
 * The Pre-approved view has no method of its own: it searches the inventory
 * and keeps the records with `preapproved` set (whatever their status, since
 * a pre-approved device stays on the list once enrolled).
 */
import type { ApiError, DeviceStatus, HistoryEntry, InventoryDevice } from '../../core/contract/index.js';

export type InventoryListId = 'inventory' | 'preapproved';

export interface InventoryQuery {
  /** Part of a serial number (case-sensitive), UDID, email, user or device name. */
  readonly text: string;
  /** Empty: every status. */
  readonly statuses: readonly DeviceStatus[];
}

export interface InventoryList {
  readonly query: InventoryQuery;
  /** The records shown, in the host's order, pages appended as they load. */
  readonly devices: readonly InventoryDevice[];
  /** Records the host matched (before the pre-approved filter). */
  readonly total: number;
  /** Records fetched so far: where the next page starts. */
  readonly fetched: number;
  readonly phase: 'idle' | 'loading' | 'ready' | 'failed';
  readonly error: ApiError | null;
  /** Bumped by every new search, so the answer to an older one is dropped. */
  readonly seq: number;
}

export type HistoryPanel =
  | { readonly serialNumber: string; readonly phase: 'loading' }
  | { readonly serialNumber: string; readonly phase: 'ready'; readonly entries: readonly HistoryEntry[] }
  | { readonly serialNumber: string; readonly phase: 'failed'; readonly error: ApiError };

export interface InventoryState {
  readonly lists: Readonly<Record<InventoryListId, InventoryList>>;
  /** Every record seen (searches and events), by serial number. */
  readonly known: Readonly<Record<string, InventoryDevice>>;
  /** Serial numbers selected in the Inventory view. */
  readonly selected: Readonly<Record<string, true>>;
  readonly history: HistoryPanel | null;
}

const EMPTY_LIST: InventoryList = { query: { text: '', statuses: [] }, devices: [], total: 0, fetched: 0, phase: 'idle', error: null, seq: 0 };

export const INITIAL_INVENTORY: InventoryState = { lists: { inventory: EMPTY_LIST, preapproved: EMPTY_LIST }, known: {}, selected: {}, history: null };

/** Rows per inventory.search call (the contract allows up to 500). */
export const INVENTORY_PAGE = 200;

export type InventoryAction =
  | { type: 'inventory-search'; list: InventoryListId; query: InventoryQuery }
  /** The answer to a page of the list's current search (`seq`); offset 0 replaces what was loaded. */
  | { type: 'inventory-page'; list: InventoryListId; seq: number; offset: number; total: number; devices: readonly InventoryDevice[] }
  | { type: 'inventory-page-requested'; list: InventoryListId }
  | { type: 'inventory-failed'; list: InventoryListId; seq: number; error: ApiError }
  | { type: 'inventory-changed'; devices: readonly InventoryDevice[]; removed: readonly string[] }
  | { type: 'inventory-known'; devices: readonly InventoryDevice[] }
  | { type: 'inventory-toggle'; serialNumber: string }
  | { type: 'inventory-select-none' }
  | { type: 'history-open'; serialNumber: string }
  | { type: 'history-answered'; serialNumber: string; result: { ok: true; entries: readonly HistoryEntry[] } | { ok: false; error: ApiError } }
  | { type: 'history-close' };

const contains = (value: string | null, part: string): boolean => value !== null && value.toLowerCase().includes(part.toLowerCase());

/**
 * Whether a record belongs in a list, the way the host's search decides: serial numbers
 * are compared case-sensitively (C02XK1 and c02xk1 are two devices), names and emails not.
 */
export function matchesList(device: InventoryDevice, list: InventoryListId, query: InventoryQuery): boolean {
  if (list === 'preapproved' && !device.preapproved) return false;
  if (query.statuses.length > 0 && !query.statuses.includes(device.status)) return false;
  const text = query.text.trim();
  if (text === '') return true;
  return device.serialNumber.includes(text) || contains(device.udid, text) || contains(device.userEmail, text) || contains(device.userName, text) || contains(device.deviceName, text);
}

/** Whether another page waits past what is loaded. */
export function hasMore(list: InventoryList): boolean {
  return list.phase === 'ready' && list.fetched < list.total;
}

function remember(known: InventoryState['known'], devices: readonly InventoryDevice[], removed: readonly string[] = []): InventoryState['known'] {
  if (devices.length === 0 && removed.length === 0) return known;
  const next: Record<string, InventoryDevice> = { ...known };
  for (const device of devices) {
    const before = next[device.serialNumber];
    // An older copy (a search answered after an event) never overwrites a newer one.
    if (before === undefined || before.revision <= device.revision) next[device.serialNumber] = device;
  }
  for (const serial of removed) delete next[serial];
  return next;
}

function applyChange(list: InventoryList, id: InventoryListId, changed: ReadonlyMap<string, InventoryDevice>, removed: ReadonlySet<string>): InventoryList {
  if (list.phase === 'idle') return list;
  let total = list.total;
  const seen = new Set<string>();
  const kept: InventoryDevice[] = [];
  for (const device of list.devices) {
    seen.add(device.serialNumber);
    if (removed.has(device.serialNumber)) {
      total--;
      continue;
    }
    const next = changed.get(device.serialNumber);
    if (next === undefined) kept.push(device);
    else if (matchesList(next, id, list.query)) kept.push(next.revision >= device.revision ? next : device);
    else total--;
  }
  const added = [...changed.values()].filter((device) => !seen.has(device.serialNumber) && matchesList(device, id, list.query));
  return { ...list, devices: [...added, ...kept], total: Math.max(0, total + added.length) };
}

function withList(state: InventoryState, id: InventoryListId, list: InventoryList): InventoryState {
  return { ...state, lists: { ...state.lists, [id]: list } };
}

export function reduceInventory(state: InventoryState, action: InventoryAction): InventoryState {
  switch (action.type) {
    case 'inventory-search': {
      const list = state.lists[action.list];
      return withList(state, action.list, { ...list, query: action.query, phase: 'loading', error: null, seq: list.seq + 1 });
    }
    case 'inventory-page-requested': {
      const list = state.lists[action.list];
      return list.phase === 'ready' ? withList(state, action.list, { ...list, phase: 'loading' }) : state;
    }
    case 'inventory-page': {
      const list = state.lists[action.list];
      if (action.seq !== list.seq) return state;
      const shown = action.devices.filter((device) => action.list === 'inventory' || device.preapproved);
      const devices = action.offset === 0 ? shown : [...list.devices, ...shown];
      const next: InventoryList = { ...list, devices, total: action.total, fetched: action.offset + action.devices.length, phase: 'ready', error: null };
      return { ...withList(state, action.list, next), known: remember(state.known, action.devices) };
    }
    case 'inventory-failed': {
      const list = state.lists[action.list];
      if (action.seq !== list.seq) return state;
      return withList(state, action.list, { ...list, phase: 'failed', error: action.error });
    }
    case 'inventory-changed': {
      const changed = new Map(action.devices.map((device) => [device.serialNumber, device]));
      const removed = new Set(action.removed);
      const selected = action.removed.some((serial) => state.selected[serial]) ? Object.fromEntries(Object.keys(state.selected).filter((serial) => !removed.has(serial)).map((serial) => [serial, true as const])) : state.selected;
      return {
        ...state,
        lists: { inventory: applyChange(state.lists.inventory, 'inventory', changed, removed), preapproved: applyChange(state.lists.preapproved, 'preapproved', changed, removed) },
        known: remember(state.known, action.devices, action.removed),
        selected,
      };
    }
    case 'inventory-known':
      return { ...state, known: remember(state.known, action.devices) };
    case 'inventory-toggle': {
      if (state.selected[action.serialNumber]) {
        const { [action.serialNumber]: _gone, ...rest } = state.selected;
        return { ...state, selected: rest };
      }
      return { ...state, selected: { ...state.selected, [action.serialNumber]: true } };
    }
    case 'inventory-select-none':
      return Object.keys(state.selected).length === 0 ? state : { ...state, selected: {} };
    case 'history-open':
      return { ...state, history: { serialNumber: action.serialNumber, phase: 'loading' } };
    case 'history-answered':
      if (state.history?.serialNumber !== action.serialNumber) return state;
      return {
        ...state,
        history: action.result.ok ? { serialNumber: action.serialNumber, phase: 'ready', entries: action.result.entries } : { serialNumber: action.serialNumber, phase: 'failed', error: action.result.error },
      };
    case 'history-close':
      return state.history === null ? state : { ...state, history: null };
  }
}

/** "Deprovision pending → In stock": what the status column says while a wipe waits to be confirmed. */
export function statusText(device: InventoryDevice, labels: Readonly<Record<DeviceStatus, string>>): string {
  const pending = device.pendingDeprovision;
  if (pending === null) return labels[device.status];
  return `Deprovision pending → ${labels[pending.toStatus]}`;
}
