/**
 * The device attributes a technician can see, sort and choose as table
 * columns. One list drives sorting (here, pure) and the table's headers and
 * cells (features/table), so a column cannot be sortable in one place and
 * missing in the other.
 */
import type { Device } from '../../core/contract/index.js';
import { STATE_LOOK, deviceTitle, ecidHex, osLabel, storageLabel } from './device-view.js';

export const COLUMN_IDS = [
  'slot',
  'name',
  'model',
  'productType',
  'os',
  'serial',
  'udid',
  'ecid',
  'imei',
  'battery',
  'state',
  'instruction',
  'activation',
  'storage',
  'connection',
  'attachedAt',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnSpec {
  readonly id: ColumnId;
  readonly label: string;
  /** The text a cell shows; null is shown as a dash and sorts last. */
  readonly text: (device: Device) => string | null;
  /** Ascending order for values that are not plain text (numbers, slots, urgency). */
  readonly compare?: (a: Device, b: Device) => number;
  readonly defaultVisible: boolean;
  /** Width in pixels in the table; the table is a fixed grid so virtualised rows line up. */
  readonly width: number;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The sorter puts devices without a value last before comparing, so a comparator only meets real values. */
const byNumber = (pick: (device: Device) => number | null) => (a: Device, b: Device): number => (pick(a) ?? 0) - (pick(b) ?? 0);

function batteryText(device: Device): string | null {
  if (device.batteryLevel === null) return null;
  return `${device.batteryLevel}%${device.batteryCharging ? ' ⚡' : ''}`;
}

export const COLUMNS: readonly ColumnSpec[] = [
  { id: 'slot', label: 'Slot', text: (d) => d.slot, defaultVisible: true, width: 80 },
  { id: 'name', label: 'Name', text: deviceTitle, defaultVisible: true, width: 180 },
  { id: 'model', label: 'Model', text: (d) => d.marketingName, defaultVisible: true, width: 170 },
  { id: 'productType', label: 'Product type', text: (d) => d.productType, defaultVisible: false, width: 120 },
  {
    id: 'os',
    label: 'OS',
    text: osLabel,
    // Versions compare numerically part by part: 9.3.5 < 17.6.1.
    compare: (a, b) => collator.compare(a.productVersion ?? '', b.productVersion ?? ''),
    defaultVisible: true,
    width: 180,
  },
  { id: 'serial', label: 'Serial', text: (d) => d.serialNumber, defaultVisible: true, width: 130 },
  { id: 'udid', label: 'UDID', text: (d) => d.udid, defaultVisible: false, width: 320 },
  {
    id: 'ecid',
    label: 'ECID',
    text: (d) => (d.ecid === null ? null : ecidHex(d.ecid)),
    compare: (a, b) => compareBigIntStrings(a.ecid, b.ecid),
    defaultVisible: false,
    width: 170,
  },
  { id: 'imei', label: 'IMEI', text: (d) => d.imei, defaultVisible: false, width: 150 },
  { id: 'battery', label: 'Battery', text: batteryText, compare: byNumber((d) => d.batteryLevel), defaultVisible: true, width: 105 },
  {
    id: 'state',
    label: 'State',
    text: (d) => STATE_LOOK[d.state].badge,
    compare: (a, b) => STATE_LOOK[a.state].urgency - STATE_LOOK[b.state].urgency,
    defaultVisible: true,
    width: 190,
  },
  { id: 'instruction', label: 'What to do', text: (d) => d.instruction, defaultVisible: true, width: 360 },
  { id: 'activation', label: 'Activation', text: (d) => d.activationState, defaultVisible: false, width: 120 },
  {
    id: 'storage',
    label: 'Storage',
    text: (d) => storageLabel(d.totalDiskCapacity),
    compare: byNumber((d) => d.totalDiskCapacity),
    defaultVisible: false,
    width: 90,
  },
  { id: 'connection', label: 'Connection', text: (d) => d.connectionType ?? (d.mode === 'normal' ? null : 'usb'), defaultVisible: false, width: 100 },
  { id: 'attachedAt', label: 'Plugged in', text: (d) => (d.attachedAt === null ? null : timeOfDay(d.attachedAt)), compare: (a, b) => (a.attachedAt ?? '').localeCompare(b.attachedAt ?? ''), defaultVisible: false, width: 100 },
];

export const COLUMN_BY_ID: Readonly<Record<ColumnId, ColumnSpec>> = Object.fromEntries(COLUMNS.map((column) => [column.id, column])) as Record<ColumnId, ColumnSpec>;

export const DEFAULT_VISIBLE_COLUMNS: readonly ColumnId[] = COLUMNS.filter((column) => column.defaultVisible).map((column) => column.id);

export function isColumnId(value: unknown): value is ColumnId {
  return typeof value === 'string' && (COLUMN_IDS as readonly string[]).includes(value);
}

/** Ascending comparison on one column; missing values are reported as such so the sorter can put them last. */
export function compareOn(column: ColumnId, a: Device, b: Device): number {
  const spec = COLUMN_BY_ID[column];
  if (spec.compare) return spec.compare(a, b);
  return collator.compare(spec.text(a) ?? '', spec.text(b) ?? '');
}

/** Whether the column has no value for this device (such rows sort last whatever the direction). */
export function isMissing(column: ColumnId, device: Device): boolean {
  return COLUMN_BY_ID[column].text(device) === null;
}

function compareBigIntStrings(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null || !/^\d+$/.test(a)) return -1;
  if (b === null || !/^\d+$/.test(b)) return 1;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function timeOfDay(iso: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
