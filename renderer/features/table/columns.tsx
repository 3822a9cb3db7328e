/**
 * The table's columns as TanStack Table definitions, built from the one
 * column list in state/columns.ts (labels, values, widths). Module-level
 * constants: TanStack rebuilds its column model whenever these change
 * identity.
 */
import { columnSizingFeature, columnVisibilityFeature, createColumnHelper, tableFeatures, type ColumnVisibilityState } from '@tanstack/react-table';
import type { Device } from '../../../core/contract/index.js';
import { COLUMNS, COLUMN_IDS, type ColumnId, type ColumnSpec } from '../../state/columns.js';
import { InstructionCell, StateOrJobCell } from '../actions/DeviceJobStatus.js';
import { BatteryGauge } from '../device/BatteryGauge.js';

export const tableFeaturesInUse = tableFeatures({ columnVisibilityFeature, columnSizingFeature });

const helper = createColumnHelper<typeof tableFeaturesInUse, Device>();

function defFor(spec: ColumnSpec) {
  return helper.accessor((device) => spec.text(device), {
    id: spec.id,
    header: spec.label,
    size: spec.width,
    minSize: 60,
    cell: (context) => {
      const device = context.row.original;
      switch (spec.id) {
        case 'state':
          // While a job runs on the device, its progress says more than the connection state.
          return <StateOrJobCell device={device} />;
        case 'battery':
          return <BatteryGauge level={device.batteryLevel} charging={device.batteryCharging} />;
        case 'instruction':
          return <InstructionCell device={device} />;
        case 'name':
          return (
            <span title={context.getValue() ?? undefined}>
              {device.flapping ? (
                <span className="flap-mark" data-testid="flapping-warning" title="This port keeps disconnecting. Try another cable or hub port.">
                  ⚠{' '}
                </span>
              ) : null}
              {context.getValue()}
            </span>
          );
        default: {
          const text = context.getValue();
          return text === null ? <span className="muted">—</span> : <span title={text}>{text}</span>;
        }
      }
    },
  });
}

export const tableColumns = helper.columns(COLUMNS.map(defFor));

/** The store keeps the visible columns as a list; TanStack wants every column's visibility spelled out. */
export function visibilityOf(visible: readonly ColumnId[]): ColumnVisibilityState {
  return Object.fromEntries(COLUMN_IDS.map((id) => [id, visible.includes(id)]));
}
