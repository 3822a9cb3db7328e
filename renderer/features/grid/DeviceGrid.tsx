/**
 * The tiles, virtualised by rows: the grid is its own scroll box, cut into
 * rows of as many tiles as its width holds (layout.ts), and only the rows in
 * view, plus a couple either side, are mounted. A busy bench (256 devices,
 * each changing ten times a second) then costs a tile's render only for the
 * tiles a technician can see; the others cost the store update alone.
 *
 * The grid subscribes to the ordered list of shown ids, which keeps its
 * identity while only device details change, so a battery tick re-renders
 * one tile and never the grid. Rows are measured (tiles in a row share the
 * tallest one's height, and a state change can make a tile taller); the
 * ResizeObserver behind that fires only when a row's size really changes.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import { useActions, useBench, useBenchStore } from '../../app/store-context.js';
import { deviceDomId, handleSelectionKey } from '../selection/keys.js';
import { DeviceTile } from './DeviceTile.js';
import { columnsFor, idsInRow, rowCountFor, rowOfIndex, tileLayoutFor } from './layout.js';

/** Space above the first row and below the last: the page's padding, laid out by the virtualiser along with the rows. */
const PADDING_TOP = 16;
const PADDING_BOTTOM = 24;
/** Rows mounted beyond those in view, each way: an arrow key or a short scroll lands on tiles that already exist. */
const OVERSCAN_ROWS = 2;

/**
 * The width the rows have, following resizes; null until first measured. The
 * first measurement is rendered synchronously (flushSync) inside the
 * observer's callback, which runs before the browser paints: no frame ever
 * shows the grid laid out for a width it does not have.
 */
function useWidth(ref: RefObject<HTMLElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    let last: number | null = null;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[entries.length - 1];
      // The body also grows and shrinks in height as rows are measured: only a new width is news.
      if (entry === undefined || entry.contentRect.width === last) return;
      last = entry.contentRect.width;
      flushSync(() => setWidth(last));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

interface RowProps {
  /** Every shown id, in order; the row takes its own slice (an array whose identity holds while the order does). */
  readonly ids: readonly string[];
  readonly row: number;
  readonly columns: number;
  readonly gap: number;
  readonly top: number;
  readonly measure: (element: HTMLElement | null) => void;
}

const GridRow = memo(function GridRow({ ids, row, columns, gap, top, measure }: RowProps) {
  const first = row * columns;
  // Equal columns, as many as the width holds: what auto-fill made of the single grid this replaced. Placed with
  // top rather than a transform so that a row at a fractional offset is snapped to pixels exactly as the single
  // grid's rows were (a transform drew them up to a pixel off); rows move only when one above changes height.
  const style: CSSProperties = { top, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, columnGap: gap };
  return (
    <div ref={measure} data-index={row} className="grid-row" role="none" style={style}>
      {idsInRow(ids, row, columns).map((id, offset) => (
        <DeviceTile key={id} id={id} position={first + offset + 1} setSize={ids.length} />
      ))}
    </div>
  );
});

export function DeviceGrid() {
  const store = useBenchStore();
  const ids = useBench(store.visible.ids);
  const focus = useBench((state) => state.selection.focus);
  const highlight = useBench((state) => state.highlight);
  const actions = useActions();
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);

  const { compact, layout } = tileLayoutFor(ids.length);
  const width = useWidth(bodyRef);
  const columns = columnsFor(width ?? 0, layout);
  // No rows until the width is known: rows laid out for a guessed width would be measured and scrolled to in vain.
  const rowCount = width === null ? 0 : rowCountFor(ids.length, columns);

  // The compiler rule warns that useVirtualizer cannot be auto-memoised; this project does not run the
  // React Compiler, and the rows and tiles below are memoised by hand.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => layout.estimatedRowHeight,
    overscan: OVERSCAN_ROWS,
    gap: layout.gap,
    paddingStart: PADDING_TOP,
    paddingEnd: PADDING_BOTTOM,
    // Home and End (and any row brought into view) show the page's padding too, not a tile cut at the edge.
    scrollPaddingStart: PADDING_TOP,
    scrollPaddingEnd: PADDING_BOTTOM,
    // Unrounded: rows are often a fraction of a pixel tall (13 px text at 1.4), and rounding each one would
    // creep the rows below a pixel or more away from where the browser's own grid put them.
    measureElement: (element, entry) => entry?.borderBoxSize[0]?.blockSize ?? element.getBoundingClientRect().height,
  });
  const items = virtualizer.getVirtualItems();

  // A new scan brings its device into view, centred; a new keyboard or mouse focus only as far as needed.
  // Neither follows a device that merely moves in the order (a battery-sorted grid would never rest).
  const focusRow = focus === null || rowCount === 0 ? -1 : rowOfIndex(ids.indexOf(focus), columns);
  const highlightRow = highlight === null || rowCount === 0 ? -1 : rowOfIndex(ids.indexOf(highlight.id), columns);
  const highlightSeq = highlight?.seq ?? 0;
  // A grid just mounted (back from the table, or shown by a scan that cleared a search matching nothing) brings
  // the focused tile into view, centred if it is the scanned one; an older scan the focus has since left is not
  // scrolled back to.
  const scrolledFor = useRef<{ seq: number; focus: string | null }>({ seq: highlight !== null && highlight.id !== focus ? highlightSeq : 0, focus: null });
  useEffect(() => {
    const done = scrolledFor.current;
    if (highlightSeq !== done.seq && highlightRow >= 0) {
      done.seq = highlightSeq;
      // A scan focuses its device too; an instant "as far as needed" scroll for that would cut the centring short.
      done.focus = focus;
      virtualizer.scrollToIndex(highlightRow, { align: 'center', behavior: 'smooth' });
    } else if (focus !== done.focus && focusRow >= 0) {
      done.focus = focus;
      virtualizer.scrollToIndex(focusRow, { align: 'auto' });
    }
  }, [highlightSeq, highlightRow, focus, focusRow, virtualizer]);

  // The focused tile is named only while it is mounted: an id that resolves to nothing would mislead a screen reader.
  const focusMounted = focusRow >= 0 && items.some((item) => item.index === focusRow);
  return (
    <div
      ref={scrollRef}
      className={`device-grid${compact ? ' is-compact' : ''}`}
      role="listbox"
      aria-label="Devices on the bench"
      aria-multiselectable="true"
      aria-activedescendant={focusMounted ? deviceDomId('tile', focus!) : undefined}
      tabIndex={0}
      data-testid="device-grid"
      onKeyDown={(event) => handleSelectionKey(event, actions, 'grid', () => columns)}
    >
      <div ref={bodyRef} className="grid-body" role="none" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => (
          <GridRow key={item.key} ids={ids} row={item.index} columns={columns} gap={layout.gap} top={item.start} measure={virtualizer.measureElement} />
        ))}
      </div>
    </div>
  );
}
