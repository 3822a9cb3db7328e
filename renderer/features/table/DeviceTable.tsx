/**
 * The table view: every device as a row, sortable by any column, columns
 * chosen by the technician, virtualised so 500+ rows scroll smoothly (only
 * the rows in view, plus a margin, exist in the DOM). Rows have a fixed
 * height: measuring rows would cost layout work on every update.
 *
 * Filtering and sorting happen in the store (state/query.ts, tested without
 * a DOM); TanStack Table supplies the column model: visibility, sizes,
 * headers and cells.
 */
import { FlexRender, useTable, type Row } from '@tanstack/react-table';
import { memo, useEffect, useMemo, useRef, type CSSProperties, type MouseEvent } from 'react';
import type { Device } from '../../../core/contract/index.js';
import { useActions, useBench, useBenchStore } from '../../app/store-context.js';
import { isColumnId } from '../../state/columns.js';
import { deviceDomId, handleSelectionKey } from '../selection/keys.js';
import { deviceTestAttributes } from '../device/test-attributes.js';
import { tableColumns, tableFeaturesInUse, visibilityOf } from './columns.js';
import { HEADER_HEIGHT, useRowVirtualizer } from './virtual-rows.js';


type DeviceRowModel = Row<typeof tableFeaturesInUse, Device>;

interface RowProps {
  readonly row: DeviceRowModel;
  readonly index: number;
  readonly top: number;
  /** Grid template of the visible columns; a new value means the columns changed. */
  readonly template: string;
}

const DeviceRow = memo(
  function DeviceRow({ row, index, top, template }: RowProps) {
    const id = row.id;
    const device = row.original;
    const selected = useBench((state) => state.selection.ids[id] === true);
    const focused = useBench((state) => state.selection.focus === id);
    const highlighted = useBench((state) => state.highlight?.id === id);
    const actions = useActions();
    const onClick = (event: MouseEvent) => actions.click(id, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey });
    const onMouseDown = (event: MouseEvent) => {
      if (event.shiftKey) event.preventDefault();
    };
    const style: CSSProperties = { transform: `translateY(${top}px)`, gridTemplateColumns: template };
    const classes = ['row', selected && 'is-selected', focused && 'is-focused', highlighted && 'is-highlighted'];
    return (
      <div
        id={deviceDomId('row', id)}
        role="row"
        aria-rowindex={index + 2}
        aria-selected={selected}
        className={classes.filter(Boolean).join(' ')}
        style={style}
        data-testid="device-row"
        {...deviceTestAttributes(device, { selected, highlighted })}
        onClick={onClick}
        onMouseDown={onMouseDown}
      >
        {row.getVisibleCells().map((cell) => (
          <div key={cell.id} role="gridcell" className={`cell cell-${cell.column.id}`}>
            <FlexRender cell={cell} />
          </div>
        ))}
      </div>
    );
  },
  // TanStack builds new row objects whenever the data changes; the device object is what says whether this row did.
  (before, after) =>
    before.row.original === after.row.original && before.index === after.index && before.top === after.top && before.template === after.template,
);

export function DeviceTable() {
  const store = useBenchStore();
  const data = useBench(store.visible.devices);
  const visibleColumns = useBench((state) => state.columns);
  const sort = useBench((state) => state.sort);
  const focus = useBench((state) => state.selection.focus);
  const search = useBench((state) => state.search);
  const filter = useBench((state) => state.filter);
  const highlight = useBench((state) => state.highlight);
  const actions = useActions();
  const columnVisibility = useMemo(() => visibilityOf(visibleColumns), [visibleColumns]);

  const table = useTable({
    features: tableFeaturesInUse,
    columns: tableColumns,
    data: data as Device[],
    getRowId: (device) => device.id,
    state: { columnVisibility },
  });
  const rows = table.getRowModel().rows;
  const leafColumns = table.getVisibleLeafColumns();
  const template = leafColumns.map((column) => `${column.getSize()}px`).join(' ');

  const scrollRef = useRef<HTMLDivElement>(null);
  // The rows below are memoised by hand on the device object.
  const virtualizer = useRowVirtualizer(rows, scrollRef);

  // A new scan brings its device into view, centred; a new keyboard focus only as far as needed.
  // Neither follows a device that merely moves in the order (a battery-sorted table would never rest).
  const highlightIndex = highlight === null ? -1 : rows.findIndex((row) => row.id === highlight.id);
  const highlightSeq = highlight?.seq ?? 0;
  const scrolledFor = useRef({ seq: 0, focus: null as string | null });
  useEffect(() => {
    if (highlightSeq === scrolledFor.current.seq || highlightIndex < 0) return;
    scrolledFor.current.seq = highlightSeq;
    virtualizer.scrollToIndex(highlightIndex, { align: 'center' });
  }, [highlightSeq, highlightIndex, virtualizer]);
  const focusIndex = focus === null ? -1 : rows.findIndex((row) => row.id === focus);
  useEffect(() => {
    if (focus === scrolledFor.current.focus || focusIndex < 0) return;
    scrolledFor.current.focus = focus;
    virtualizer.scrollToIndex(focusIndex, { align: 'auto' });
  }, [focus, focusIndex, virtualizer]);

  // A new search, filter or sort is a new list: start it from the top, not from where the old one was scrolled to.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [search, filter, sort]);

  const totalWidth = leafColumns.reduce((sum, column) => sum + column.getSize(), 0);
  // getTotalSize() is the rows' height alone (it leaves out the scroll margin the header takes).
  const innerStyle: CSSProperties = { height: virtualizer.getTotalSize(), minWidth: totalWidth };
  const headerStyle: CSSProperties = { gridTemplateColumns: template, minWidth: totalWidth };

  return (
    <div
      ref={scrollRef}
      className="table-scroll"
      role="grid"
      aria-label="Devices on the bench"
      aria-rowcount={rows.length + 1}
      aria-multiselectable="true"
      aria-activedescendant={focusIndex >= 0 ? deviceDomId('row', focus!) : undefined}
      tabIndex={0}
      data-testid="device-table"
      onKeyDown={(event) => handleSelectionKey(event, actions, 'table', () => 1)}
    >
      <div className="table-header" role="row" aria-rowindex={1} style={headerStyle}>
        {table.getHeaderGroups().flatMap((group) =>
          group.headers.map((header) => {
            const id = header.column.id;
            const sorted = isColumnId(id) && sort.column === id ? sort.direction : null;
            return (
              <div
                key={header.id}
                role="columnheader"
                aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                className="header-cell"
                data-testid="column-header"
                data-column={id}
              >
                <button type="button" className="header-button" onClick={() => isColumnId(id) && actions.sortBy(id)} title={`Sort by ${String(header.column.columnDef.header)}`}>
                  <FlexRender header={header} />
                  <span className="sort-mark" aria-hidden="true">
                    {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                  </span>
                </button>
              </div>
            );
          }),
        )}
      </div>
      <div className="table-body" style={innerStyle}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (row === undefined) return null;
          return <DeviceRow key={row.id} row={row} index={item.index} top={item.start - HEADER_HEIGHT} template={template} />;
        })}
      </div>
    </div>
  );
}
