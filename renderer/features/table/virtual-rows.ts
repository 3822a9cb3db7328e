/**
 * The windowing both tables (the bench's devices, the server's inventory and
 * pre-approved list) use: only the rows in view and a margin are rendered,
 * each row being as tall as `.row` and the sticky `.table-header` above them
 * in the same scroll box (app.css).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RefObject } from 'react';

/** `.row`'s height in app.css. */
export const ROW_HEIGHT = 40;
/** `.table-header`'s height in app.css: the rows start below it. */
export const HEADER_HEIGHT = 38;

/** The virtualizer over `rows` (keyed by row id, so a row keeps its element when the order changes) in `scrollRef`. */
export function useRowVirtualizer(rows: readonly { readonly id: string }[], scrollRef: RefObject<HTMLDivElement | null>) {
  // The compiler rule warns that useVirtualizer cannot be auto-memoised; this project does not run the
  // React Compiler, and the tables memoise their rows by hand instead.
  // eslint-disable-next-line react-hooks/incompatible-library
  return useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
  });
}
