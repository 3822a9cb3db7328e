/** Formats device records for people (text) and for scripts (json, csv). */
import { stringify } from 'csv-stringify/sync';
import type { DeviceRecord } from '../devices/identity.js';

export const FORMATS = ['text', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** The documented JSON fields, in the order scripts see them; the rest of the record follows. */
export const DOCUMENTED_FIELDS = [
  'udid',
  'ecid',
  'serialNumber',
  'productType',
  'marketingName',
  'productVersion',
  'buildVersion',
  'deviceName',
  'deviceClass',
  'imei',
  'batteryLevel',
  'batteryCharging',
  'activationState',
  'state',
  'instruction',
  'slot',
  'locationId',
] as const satisfies readonly (keyof DeviceRecord)[];

export const EXTRA_FIELDS = [
  'hardwareModel',
  'wifiAddress',
  'passwordProtected',
  'totalDiskCapacity',
  'totalDataAvailable',
  'mode',
  'connectionType',
  'flapping',
  'errorCode',
  'errorMessage',
  'id',
  'attachedAt',
  'updatedAt',
] as const satisfies readonly (keyof DeviceRecord)[];

export type FieldName = (typeof DOCUMENTED_FIELDS)[number] | (typeof EXTRA_FIELDS)[number];
export const ALL_FIELDS: readonly FieldName[] = [...DOCUMENTED_FIELDS, ...EXTRA_FIELDS];

/** Accepts a field name in any case ("SerialNumber", "serialnumber" → "serialNumber"). */
export function resolveField(name: string): FieldName | undefined {
  const lower = name.toLowerCase();
  return ALL_FIELDS.find((field) => field.toLowerCase() === lower);
}

export function pick(record: DeviceRecord, fields: readonly FieldName[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = record[field];
  return out;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function toCsv(records: readonly DeviceRecord[], fields: readonly FieldName[]): string {
  return stringify(
    records.map((record) => fields.map((field) => record[field] ?? '')),
    { header: true, columns: [...fields], cast: { boolean: (value) => String(value) } },
  );
}

function battery(record: DeviceRecord): string {
  if (record.batteryLevel === null) return '';
  return `${record.batteryLevel}%${record.batteryCharging ? ' charging' : ''}`;
}

const TEXT_COLUMNS: readonly [string, (record: DeviceRecord) => string][] = [
  ['SLOT', (r) => r.slot ?? ''],
  ['STATE', (r) => r.state + (r.flapping ? ' (flapping port)' : '')],
  ['NAME', (r) => r.deviceName ?? ''],
  ['MODEL', (r) => r.marketingName ?? r.productType ?? ''],
  ['OS', (r) => r.productVersion ?? ''],
  ['SERIAL', (r) => r.serialNumber ?? ''],
  ['BATTERY', battery],
  ['UDID', (r) => r.udid ?? ''],
  ['ECID', (r) => r.ecid ?? ''],
];

/** A padded table; non-ready devices get their instruction on the line below. */
export function toTextTable(records: readonly DeviceRecord[]): string {
  if (records.length === 0) return 'No devices connected. Plug a device in (and tap "Trust" on it if asked).\n';
  const rows = records.map((record) => TEXT_COLUMNS.map(([, get]) => get(record)));
  const widths = TEXT_COLUMNS.map(([title], i) => Math.max(title.length, ...rows.map((row) => [...row[i]!].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd();
  const out = [line(TEXT_COLUMNS.map(([title]) => title))];
  records.forEach((record, i) => {
    out.push(line(rows[i]!));
    if (record.state !== 'ready') out.push(`  → ${record.instruction}`);
  });
  return out.join('\n') + '\n';
}

/** `get` in text form: "key: value" lines, like ideviceinfo. */
export function toKeyValueText(record: DeviceRecord, fields: readonly FieldName[]): string {
  return fields.map((field) => `${field}: ${record[field] ?? ''}`).join('\n') + '\n';
}
