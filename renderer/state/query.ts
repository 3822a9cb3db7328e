/**
 * The devices the technician sees, in the order they see them: state filter,
 * then search, then sort. Derived, never stored, so it cannot disagree with
 * the device map; memoised on its inputs so the many components asking for it
 * during one render share one computation.
 */
import type { Device } from '../../core/contract/index.js';
import { compareOn, isMissing } from './columns.js';
import type { DeviceMap } from './devices.js';
import { matchesSearch, parseSearch, type SearchQuery } from './search.js';
import type { BenchState, FilterState, SortState } from './types.js';

export function matchesFilter(device: Device, filter: FilterState, query: SearchQuery): boolean {
  if (filter.states.length > 0 && !filter.states.includes(device.state)) return false;
  return matchesSearch(device, query);
}

export function sortDevices(devices: readonly Device[], sort: SortState): Device[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...devices].sort((a, b) => {
    // Devices without a value go last in either direction: a blank row at the top helps nobody.
    const missingA = isMissing(sort.column, a);
    const missingB = isMissing(sort.column, b);
    if (missingA !== missingB) return missingA ? 1 : -1;
    const order = missingA ? 0 : sign * compareOn(sort.column, a, b);
    if (order !== 0) return order;
    // Ties fall back to the slot, then the id, so equal rows never swap places between updates.
    const bySlot = compareOn('slot', a, b);
    if (bySlot !== 0 && !isMissing('slot', a) && !isMissing('slot', b)) return bySlot;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export function visibleDevicesOf(devices: DeviceMap, filter: FilterState, search: string, sort: SortState): Device[] {
  const query = parseSearch(search);
  const shown = Object.values(devices).filter((device) => matchesFilter(device, filter, query));
  return sortDevices(shown, sort);
}

interface Memo {
  devices: DeviceMap;
  filter: FilterState;
  search: string;
  sort: SortState;
  result: readonly Device[];
  ids: readonly string[];
}

/**
 * One memo per store: the inputs are compared by reference, which the
 * reducers guarantee change only when their content does.
 */
export function createVisibleQuery(): { devices: (state: BenchState) => readonly Device[]; ids: (state: BenchState) => readonly string[] } {
  let memo: Memo | null = null;
  const compute = (state: BenchState): Memo => {
    if (memo && memo.devices === state.devices && memo.filter === state.filter && memo.search === state.search && memo.sort === state.sort) return memo;
    const result = visibleDevicesOf(state.devices, state.filter, state.search, state.sort);
    const ids = result.map((device) => device.id);
    // Keep the previous id array when the order did not change, so subscribers to the order do not re-render.
    const sameIds = memo !== null && memo.ids.length === ids.length && memo.ids.every((id, index) => id === ids[index]);
    memo = { devices: state.devices, filter: state.filter, search: state.search, sort: state.sort, result, ids: sameIds && memo ? memo.ids : ids };
    return memo;
  };
  return { devices: (state) => compute(state).result, ids: (state) => compute(state).ids };
}

/** How many of the selected devices are on the bench now (departed ids stay selected but are not counted). */
export function presentSelectedCount(state: BenchState): number {
  let count = 0;
  for (const id in state.selection.ids) if (state.devices[id] !== undefined) count++;
  return count;
}
