/**
 * Selection as in Finder or Apple Configurator: click selects one,
 * shift-click selects the range from the anchor, ctrl/cmd-click toggles one,
 * arrows move (shift extends, ctrl moves focus only), space toggles the
 * focused device. Every range is taken over `order`, the devices as the
 * technician currently sees them (filtered and sorted).
 */
import type { SelectionState } from './types.js';

export const EMPTY_SELECTION: SelectionState = { ids: {}, anchor: null, focus: null };

export interface ClickModifiers {
  /** Shift: select the range from the anchor. */
  readonly range: boolean;
  /** Ctrl (Cmd on a Mac): add to or remove from the selection. */
  readonly toggle: boolean;
}

export type Move = 'previous' | 'next' | 'up' | 'down' | 'first' | 'last';

export interface MoveOptions {
  /** Shift: extend the selection from the anchor to the new focus. */
  readonly extend: boolean;
  /** Ctrl/Cmd: move the focus without changing the selection. */
  readonly focusOnly: boolean;
  /** Tiles per grid row (1 in the table), for up and down. */
  readonly columns: number;
}

function only(id: string): Record<string, true> {
  return { [id]: true };
}

function rangeOf(order: readonly string[], from: string, to: string): string[] | null {
  const a = order.indexOf(from);
  const b = order.indexOf(to);
  if (a < 0 || b < 0) return null;
  return order.slice(Math.min(a, b), Math.max(a, b) + 1);
}

export function clickSelect(selection: SelectionState, id: string, modifiers: ClickModifiers, order: readonly string[]): SelectionState {
  if (modifiers.range && selection.anchor !== null) {
    const range = rangeOf(order, selection.anchor, id);
    if (range) {
      const ids: Record<string, true> = modifiers.toggle ? { ...selection.ids } : {};
      for (const member of range) ids[member] = true;
      return { ids, anchor: selection.anchor, focus: id };
    }
  }
  if (modifiers.toggle) {
    const ids = { ...selection.ids };
    if (ids[id]) delete ids[id];
    else ids[id] = true;
    return { ids, anchor: id, focus: id };
  }
  return { ids: only(id), anchor: id, focus: id };
}

export function selectAll(selection: SelectionState, order: readonly string[]): SelectionState {
  const ids: Record<string, true> = {};
  for (const id of order) ids[id] = true;
  return { ...selection, ids };
}

export function selectNone(selection: SelectionState): SelectionState {
  return { ...selection, ids: {}, anchor: selection.focus };
}

function targetIndex(current: number, move: Move, count: number, columns: number): number {
  const step = Math.max(1, columns);
  switch (move) {
    case 'first':
      return 0;
    case 'last':
      return count - 1;
    case 'previous':
      return current < 0 ? 0 : Math.max(0, current - 1);
    case 'next':
      return current < 0 ? 0 : Math.min(count - 1, current + 1);
    // Up and down stay put at the first or last row rather than wrapping, as in a grid of icons.
    case 'up':
      return current < 0 ? 0 : current - step >= 0 ? current - step : current;
    case 'down':
      return current < 0 ? 0 : current + step < count ? current + step : current;
  }
}

export function moveSelection(selection: SelectionState, move: Move, options: MoveOptions, order: readonly string[]): SelectionState {
  if (order.length === 0) return selection;
  const current = selection.focus === null ? -1 : order.indexOf(selection.focus);
  const focus = order[targetIndex(current, move, order.length, options.columns)]!;
  if (options.focusOnly) return { ...selection, focus };
  if (options.extend) {
    const anchor = selection.anchor !== null && order.includes(selection.anchor) ? selection.anchor : (selection.focus ?? focus);
    const range = rangeOf(order, anchor, focus) ?? [focus];
    const ids: Record<string, true> = {};
    for (const member of range) ids[member] = true;
    return { ids, anchor, focus };
  }
  return { ids: only(focus), anchor: focus, focus };
}

/** Space: adds the focused device to the selection or takes it out. */
export function toggleFocused(selection: SelectionState, order: readonly string[]): SelectionState {
  const focus = selection.focus !== null && order.includes(selection.focus) ? selection.focus : order[0];
  if (focus === undefined) return selection;
  return { ...clickSelect(selection, focus, { range: false, toggle: true }, order), focus };
}

/** Follows ids the host re-keyed, so a selected device stays selected when its id changes. */
export function renameInSelection(selection: SelectionState, renames: ReadonlyMap<string, string>): SelectionState {
  if (renames.size === 0) return selection;
  const rename = (id: string | null): string | null => (id === null ? null : (renames.get(id) ?? id));
  let ids = selection.ids;
  for (const [from, to] of renames) {
    if (!ids[from]) continue;
    if (ids === selection.ids) ids = { ...ids };
    const copy = ids as Record<string, true>;
    delete copy[from];
    copy[to] = true;
  }
  const anchor = rename(selection.anchor);
  const focus = rename(selection.focus);
  if (ids === selection.ids && anchor === selection.anchor && focus === selection.focus) return selection;
  return { ids, anchor, focus };
}
