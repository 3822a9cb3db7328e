import { describe, expect, it } from 'vitest';
import { EMPTY_SELECTION, clickSelect, moveSelection, selectAll, selectNone, toggleFocused } from '../../renderer/state/selection.js';
import type { SelectionState } from '../../renderer/state/types.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { presentSelectedCount } from '../../renderer/state/query.js';
import { READY_STATUS, device, removed } from './renderer-fixtures.js';

const ORDER = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const plain = { range: false, toggle: false };
const shift = { range: true, toggle: false };
const ctrl = { range: false, toggle: true };
const selected = (selection: SelectionState) => Object.keys(selection.ids).sort();

function clicks(...steps: [string, typeof plain][]): SelectionState {
  return steps.reduce((selection, [id, modifiers]) => clickSelect(selection, id, modifiers, ORDER), EMPTY_SELECTION);
}

describe('selecting devices with the mouse', () => {
  it('a click selects one device and only that one', () => {
    expect(selected(clicks(['c', plain]))).toEqual(['c']);
    expect(selected(clicks(['c', plain], ['e', plain]))).toEqual(['e']);
  });

  it('shift-click selects the range from the last clicked device, in either direction', () => {
    expect(selected(clicks(['c', plain], ['f', shift]))).toEqual(['c', 'd', 'e', 'f']);
    expect(selected(clicks(['f', plain], ['c', shift]))).toEqual(['c', 'd', 'e', 'f']);
  });

  it('a second shift-click re-draws the range from the same anchor instead of adding to it', () => {
    expect(selected(clicks(['c', plain], ['g', shift], ['d', shift]))).toEqual(['c', 'd']);
  });

  it('ctrl/cmd-click adds and removes single devices, and moves the anchor', () => {
    expect(selected(clicks(['a', plain], ['c', ctrl], ['e', ctrl]))).toEqual(['a', 'c', 'e']);
    expect(selected(clicks(['a', plain], ['c', ctrl], ['a', ctrl]))).toEqual(['c']);
    // The anchor is now c: shift-click to e selects c..e.
    expect(selected(clicks(['a', plain], ['c', ctrl], ['e', shift]))).toEqual(['c', 'd', 'e']);
  });

  it('ctrl+shift-click adds a range to what is already selected', () => {
    expect(selected(clicks(['a', plain], ['f', ctrl], ['h', { range: true, toggle: true }]))).toEqual(['a', 'f', 'g', 'h']);
  });

  it('shift-click without an anchor, or with the anchor filtered away, selects just the clicked device', () => {
    expect(selected(clicks(['d', shift]))).toEqual(['d']);
    const hidden: SelectionState = { ids: { z: true }, anchor: 'z', focus: 'z' };
    expect(selected(clickSelect(hidden, 'd', shift, ORDER))).toEqual(['d']);
  });

  it('select all takes every shown device; select none clears', () => {
    const all = selectAll(clicks(['c', plain]), ORDER);
    expect(selected(all)).toEqual(ORDER);
    expect(selected(selectNone(all))).toEqual([]);
  });
});

describe('selecting devices with the keyboard', () => {
  const grid = { extend: false, focusOnly: false, columns: 3 };
  const at = (focus: string): SelectionState => ({ ids: { [focus]: true }, anchor: focus, focus });

  it('arrows move the selection; up and down move a whole grid row', () => {
    expect(moveSelection(at('b'), 'next', grid, ORDER).focus).toBe('c');
    expect(moveSelection(at('b'), 'previous', grid, ORDER).focus).toBe('a');
    expect(moveSelection(at('b'), 'down', grid, ORDER).focus).toBe('e');
    expect(moveSelection(at('e'), 'up', grid, ORDER).focus).toBe('b');
    expect(selected(moveSelection(at('b'), 'down', grid, ORDER))).toEqual(['e']);
  });

  it('stops at the edges instead of wrapping', () => {
    expect(moveSelection(at('a'), 'previous', grid, ORDER).focus).toBe('a');
    expect(moveSelection(at('b'), 'up', grid, ORDER).focus).toBe('b');
    expect(moveSelection(at('h'), 'next', grid, ORDER).focus).toBe('h');
    // g + 3 is past the end: stay in the last row.
    expect(moveSelection(at('g'), 'down', grid, ORDER).focus).toBe('g');
  });

  it('Home and End jump to the first and last device; with nothing focused, any arrow starts at the first', () => {
    expect(moveSelection(at('d'), 'first', grid, ORDER).focus).toBe('a');
    expect(moveSelection(at('d'), 'last', grid, ORDER).focus).toBe('h');
    expect(moveSelection(EMPTY_SELECTION, 'down', grid, ORDER).focus).toBe('a');
  });

  it('shift+arrows extend the selection from the anchor', () => {
    const once = moveSelection(at('c'), 'next', { ...grid, extend: true }, ORDER);
    const twice = moveSelection(once, 'down', { ...grid, extend: true }, ORDER);
    expect(selected(twice)).toEqual(['c', 'd', 'e', 'f', 'g']);
    const back = moveSelection(twice, 'first', { ...grid, extend: true }, ORDER);
    expect(selected(back)).toEqual(['a', 'b', 'c']);
  });

  it('ctrl+arrows move the focus only, and space then toggles the focused device', () => {
    const moved = moveSelection(at('a'), 'next', { ...grid, focusOnly: true }, ORDER);
    expect(selected(moved)).toEqual(['a']);
    expect(moved.focus).toBe('b');
    const toggled = toggleFocused(moved, ORDER);
    expect(selected(toggled)).toEqual(['a', 'b']);
    expect(selected(toggleFocused(toggled, ORDER))).toEqual(['a']);
  });
});

describe('selection in the store works over the devices as shown', () => {
  it('ranges follow the current sort and filter, and counts ignore devices that left', () => {
    const devices = ['1-1', '1-2', '1-3', '1-4'].map((slot) => device({ slot }));
    const store = createBenchStore('websocket');
    const { actions } = store.getState();
    actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, devices, []);
    actions.sortBy('slot');
    actions.sortBy('slot'); // descending: 1-4, 1-3, 1-2, 1-1
    actions.click(devices[3]!.id, plain);
    actions.click(devices[2]!.id, shift);
    expect(Object.keys(store.getState().selection.ids).sort()).toEqual([devices[2]!.id, devices[3]!.id].sort());
    actions.selectAll();
    expect(Object.keys(store.getState().selection.ids)).toHaveLength(4);
    actions.applyEvents([removed(devices[1]!)]);
    expect(presentSelectedCount(store.getState())).toBe(3);
    actions.setSearch(devices[0]!.serialNumber!);
    actions.selectAll();
    expect(Object.keys(store.getState().selection.ids)).toEqual([devices[0]!.id]);
  });
});
