/**
 * The inventory records of one list (Inventory or Pre-approved) as a
 * virtualised table: only the rows in view exist, and the next page is asked
 * for when the last loaded rows scroll into view. TanStack Table supplies the
 * column model; the rows come from the store (state/inventory.ts).
 */
import { FlexRender, columnSizingFeature, columnVisibilityFeature, createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { memo, useEffect, useRef, type CSSProperties, type ReactNode } from 'react';
import { DEVICE_STATUS_LABELS, type InventoryDevice } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { hasMore, statusText, type InventoryListId } from '../../state/inventory.js';
import { clockOf } from '../../state/sync-view.js';
import { HEADER_HEIGHT, useRowVirtualizer } from '../table/virtual-rows.js';

const MIN_SHARE = 0.6;
const features = tableFeatures({ columnVisibilityFeature, columnSizingFeature });
const helper = createColumnHelper<typeof features, InventoryDevice>();

const dash = <span className="muted">—</span>;
const text = (value: string | null) => (value === null || value === '' ? dash : <span title={value}>{value}</span>);

/** "21 Nov 12:03:10": the day matters for a check-in. */
function dateTime(iso: string | null) {
  if (iso === null) return dash;
  const date = new Date(iso);
  return <time dateTime={iso}>{`${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${clockOf(iso)}`}</time>;
}

/** The serial number opens the device's history in the side panel. */
function SerialCell({ serialNumber }: { serialNumber: string }) {
  const commands = useServerCommands();
  return (
    <button type="button" className="serial-link" onClick={() => void commands.openHistory(serialNumber)} title={`History of ${serialNumber}`} data-testid="inventory-history">
      {serialNumber}
    </button>
  );
}

const columns = helper.columns([
  helper.accessor('serialNumber', { id: 'serial', header: 'Serial number', size: 160, cell: (context) => <SerialCell serialNumber={context.getValue()} /> }),
  helper.accessor((device) => device.deviceName ?? device.productType, {
    id: 'model',
    header: 'Device',
    size: 180,
    cell: (context) => {
      const device = context.row.original;
      return device.deviceName && device.productType ? <span title={`${device.deviceName} (${device.productType})`}>{device.deviceName} <span className="muted">{device.productType}</span></span> : text(context.getValue());
    },
  }),
  helper.accessor('platform', { id: 'platform', header: 'Platform', size: 80, cell: (context) => context.getValue() }),
  helper.accessor('ownership', { id: 'ownership', header: 'Ownership', size: 100, cell: (context) => <span data-testid="inventory-ownership">{context.getValue()}</span> }),
  helper.accessor((device) => device.userName ?? device.userEmail, {
    id: 'user',
    header: 'User',
    size: 180,
    cell: (context) => {
      const device = context.row.original;
      return device.userEmail ? <span title={device.userEmail}>{device.userName ?? device.userEmail}</span> : text(device.userName);
    },
  }),
  helper.accessor((device) => statusText(device, DEVICE_STATUS_LABELS), {
    id: 'status',
    header: 'Status',
    size: 210,
    cell: (context) => (
      <span className={context.row.original.pendingDeprovision ? 'badge tone-action' : 'badge'} data-testid="inventory-status" data-status={context.row.original.status} data-pending={context.row.original.pendingDeprovision !== null}>
        {context.getValue()}
      </span>
    ),
  }),
  helper.accessor('lastCheckInAt', { id: 'checkin', header: 'Last check-in', size: 150, cell: (context) => dateTime(context.getValue()) }),
]);

interface RowProps {
  readonly device: InventoryDevice;
  readonly selectable: boolean;
  readonly top: number;
  readonly template: string;
  readonly cells: readonly { id: string; node: ReactNode }[];
}

const InventoryRow = memo(function InventoryRow({ device, selectable, top, template, cells }: RowProps) {
  const selected = useBench((state) => state.server.inventory.selected[device.serialNumber] === true);
  const inHistory = useBench((state) => state.server.inventory.history?.serialNumber === device.serialNumber);
  const actions = useActions();
  const style: CSSProperties = { transform: `translateY(${top}px)`, gridTemplateColumns: template };
  return (
    <div
      role="row"
      aria-selected={selectable ? selected : undefined}
      className={['row', selected && 'is-selected', inHistory && 'is-focused'].filter(Boolean).join(' ')}
      style={style}
      data-testid="inventory-row"
      data-serial={device.serialNumber}
      data-status={device.status}
      data-selected={selected}
    >
      <div role="gridcell" className="cell cell-select">
        {selectable ? (
          <input type="checkbox" checked={selected} onChange={() => actions.server({ type: 'inventory-toggle', serialNumber: device.serialNumber })} aria-label={`Select ${device.serialNumber}`} data-testid="inventory-select" />
        ) : null}
      </div>
      {cells.map((cell) => (
        <div key={cell.id} role="gridcell" className={`cell cell-${cell.id}`}>
          {cell.node}
        </div>
      ))}
    </div>
  );
});

export function InventoryTable({ list: id, selectable, label }: { list: InventoryListId; selectable: boolean; label: string }) {
  const list = useBench((state) => state.server.inventory.lists[id]);
  const commands = useServerCommands();
  const table = useTable({ features, columns, data: list.devices as InventoryDevice[], getRowId: (device) => device.serialNumber });
  const rows = table.getRowModel().rows;
  const leaf = table.getVisibleLeafColumns();
  // Columns share the width in proportion to their sizes and shrink to 60% of them before the table scrolls sideways
  // (the side panel takes a third of the window while a flow is open).
  const template = ['44px', ...leaf.map((column) => `minmax(${Math.round(column.getSize() * MIN_SHARE)}px, ${column.getSize()}fr)`)].join(' ');
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows are memoised by hand (InventoryRow).
  const virtualizer = useRowVirtualizer(rows, scrollRef);
  const items = virtualizer.getVirtualItems();
  const lastShown = items.length === 0 ? -1 : items[items.length - 1]!.index;
  const more = hasMore(list);
  useEffect(() => {
    // The last loaded rows are in view: fetch the next page before the technician reaches the end.
    if (more && lastShown >= rows.length - 10) void commands.loadMore(id);
  }, [more, lastShown, rows.length, commands, id]);

  const totalWidth = 44 + leaf.reduce((sum, column) => sum + Math.round(column.getSize() * MIN_SHARE), 0);
  return (
    <div ref={scrollRef} className="table-scroll" role="grid" aria-label={label} aria-rowcount={list.total + 1} tabIndex={0} data-testid={`${id}-table`}>
      <div className="table-header" role="row" style={{ gridTemplateColumns: template, minWidth: totalWidth }}>
        <div role="columnheader" className="header-cell">
          <span className="visually-hidden">Selected</span>
        </div>
        {table.getHeaderGroups().flatMap((group) =>
          group.headers.map((header) => (
            <div key={header.id} role="columnheader" className="header-cell header-static">
              <FlexRender header={header} />
            </div>
          )),
        )}
      </div>
      <div className="table-body" style={{ height: virtualizer.getTotalSize(), minWidth: totalWidth }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (row === undefined) return null;
          const cells = row.getVisibleCells().map((cell) => ({ id: cell.column.id, node: <FlexRender cell={cell} /> }));
          return <InventoryRow key={row.id} device={row.original} selectable={selectable} top={item.start - HEADER_HEIGHT} template={template} cells={cells} />;
        })}
      </div>
    </div>
  );
}
