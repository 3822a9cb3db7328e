import { describe, expect, it } from 'vitest';
import { COMPACT_FROM, TILE_LAYOUT, columnsFor, idsInRow, rowCountFor, rowOfIndex, tileLayoutFor } from '../../renderer/features/grid/layout.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { READY_STATUS, device } from './renderer-fixtures.js';

/** The rows' width in a 1920-px window: the grid's 20 px padding either side. */
const FULL_HD = 1880;

describe('tiles per row, from the grid width', () => {
  it('fits as many tiles as their minimum width and the gaps allow, as the CSS grid did', () => {
    // 7 × 250 + 6 × 14 = 1834 fits in 1880; an eighth tile would need 2098.
    expect(columnsFor(FULL_HD, TILE_LAYOUT.regular)).toBe(7);
    // Dense tiles on a busy bench: 8 × 210 + 7 × 10 = 1750 fits, 9 would need 1970.
    expect(columnsFor(FULL_HD, TILE_LAYOUT.compact)).toBe(8);
  });

  it('adds a column exactly when it fits, not a pixel before', () => {
    const { minWidth, gap } = TILE_LAYOUT.regular;
    const fourFit = 4 * minWidth + 3 * gap;
    expect(columnsFor(fourFit - 1, TILE_LAYOUT.regular)).toBe(3);
    expect(columnsFor(fourFit, TILE_LAYOUT.regular)).toBe(4);
  });

  it('keeps one column in a window narrower than a tile, and before the width is known', () => {
    expect(columnsFor(180, TILE_LAYOUT.regular)).toBe(1);
    expect(columnsFor(0, TILE_LAYOUT.regular)).toBe(1);
    expect(columnsFor(Number.NaN, TILE_LAYOUT.compact)).toBe(1);
  });

  it('switches to dense tiles from the size of bench where sixty must fit on a monitor', () => {
    expect(tileLayoutFor(COMPACT_FROM - 1)).toEqual({ compact: false, layout: TILE_LAYOUT.regular });
    expect(tileLayoutFor(COMPACT_FROM)).toEqual({ compact: true, layout: TILE_LAYOUT.compact });
  });
});

describe('rows of tiles', () => {
  const idsOf = (count: number) => Array.from({ length: count }, (_, i) => `d${i}`);

  it('puts every shown device in exactly one row, in the order shown', () => {
    for (const count of [0, 1, 7, 8, 9, 255, 256]) {
      for (const columns of [1, 3, 7, 8]) {
        const ids = idsOf(count);
        const rows = Array.from({ length: rowCountFor(count, columns) }, (_, row) => idsInRow(ids, row, columns));
        expect(rows.flat()).toEqual(ids);
        expect(rows.every((row) => row.length > 0 && row.length <= columns)).toBe(true);
      }
    }
  });

  it('shows a small bench whole: eight devices are two rows on a full-HD grid', () => {
    const ids = idsOf(8);
    const columns = columnsFor(FULL_HD, tileLayoutFor(ids.length).layout);
    expect(rowCountFor(ids.length, columns)).toBe(2);
    expect(idsInRow(ids, 1, columns)).toEqual(['d7']);
  });

  it('finds the row to scroll to for a device, and none for a device not shown', () => {
    // 256 dense tiles, 8 a row: the 200th device (index 199) is in row 24 of 32.
    expect(rowCountFor(256, 8)).toBe(32);
    expect(rowOfIndex(199, 8)).toBe(24);
    expect(rowOfIndex(0, 8)).toBe(0);
    expect(rowOfIndex(-1, 8)).toBe(-1);
  });
});

describe('arrow keys in the grid as it is laid out', () => {
  it('moves down by one row of the tiles per row the width holds', () => {
    const devices = Array.from({ length: 30 }, () => device());
    const store = createBenchStore('mock');
    store.getState().actions.synced({ name: 'bench', contractVersion: 1 }, READY_STATUS, devices, []);
    const order = store.visible.ids(store.getState());
    const columns = columnsFor(FULL_HD, tileLayoutFor(order.length).layout);
    store.getState().actions.click(order[2]!, { range: false, toggle: false });
    store.getState().actions.move('down', false, false, columns);
    expect(store.getState().selection.focus).toBe(order[2 + 8]);
    store.getState().actions.move('up', false, false, columns);
    expect(store.getState().selection.focus).toBe(order[2]);
  });
});
