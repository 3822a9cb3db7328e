/** Which column holds which field: automatic from the header's labels, overridden by hand. */
import { FIELDS, FIELD_LABEL, MANDATORY_FIELDS, type PreapprovedField } from './fields.js';
import { PreapprovedCsvError } from './errors.js';

/**
 * Labels seen in the wild for each field, compared after `normalizeLabel` (so "Serial number",
 * "serial_number", "SerialNumber" and "SERIAL-NUMBER" are all "serialnumber").
 * "username" is deliberately absent: it is a display name in some exports and a login name in others.
 */
const ALIASES: Readonly<Record<PreapprovedField, readonly string[]>> = {
  name: ['name', 'displayname', 'fullname', 'employeename'],
  email: ['email', 'emailaddress', 'emailid', 'mail', 'useremail'],
  mobile: ['mobile', 'mobilenumber', 'mobilephone', 'mobileno', 'phone', 'phonenumber', 'cellphone', 'cell'],
  ownership: ['ownership', 'ownershiptype', 'deviceownership'],
  serialNumber: ['serialnumber', 'serial', 'serialno', 'deviceserial', 'deviceserialnumber', 'sn'],
  deviceName: ['devicename', 'device'],
  platform: ['platform', 'os', 'operatingsystem', 'deviceplatform'],
  samAccountName: ['samaccountname', 'samaccount', 'sam'],
  password: ['password', 'devicepassword', 'enrollmentpassword'],
};

const FIELD_BY_ALIAS = new Map<string, PreapprovedField>(
  FIELDS.flatMap((field) => ALIASES[field].map((alias) => [alias, field] as const)),
);

/** Lower case, letters and digits only: "E-mail " → "email", "Device_Name" → "devicename". */
export function normalizeLabel(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** A manual choice per field: a column index (0-based), a header label, or null for "no column". */
export type ManualMapping = Partial<Record<PreapprovedField, number | string | null>>;

export interface HeaderMapping {
  /** The header cells as read (trimmed). */
  header: string[];
  /** Field → column index (0-based) for every field that has a column. */
  columns: Partial<Record<PreapprovedField, number>>;
  /** Columns no field uses; their values are ignored. */
  unmapped: Array<{ index: number; label: string }>;
  /** Mandatory fields without a column: the file cannot be imported until they have one. */
  missing: PreapprovedField[];
  /** Fields that several columns looked like; none of them is used until a manual mapping picks one. */
  ambiguous: Array<{ field: PreapprovedField; indexes: number[] }>;
}

export function autoField(label: string): PreapprovedField | undefined {
  return FIELD_BY_ALIAS.get(normalizeLabel(label));
}

/** Maps header cells to fields; `manual` wins over the automatic choice field by field. */
export function mapHeader(headerCells: readonly string[], manual: ManualMapping = {}): HeaderMapping {
  const header = headerCells.map((cell) => cell.trim());
  const candidates = new Map<PreapprovedField, number[]>();
  header.forEach((label, index) => {
    const field = autoField(label);
    if (field) candidates.set(field, [...(candidates.get(field) ?? []), index]);
  });

  const columns: Partial<Record<PreapprovedField, number>> = {};
  const ambiguous: HeaderMapping['ambiguous'] = [];
  for (const [field, indexes] of candidates) {
    // Two "Email" columns: guessing which is right would silently import the wrong one.
    if (indexes.length === 1) columns[field] = indexes[0]!;
    else ambiguous.push({ field, indexes });
  }

  const manualColumns = new Map<number, PreapprovedField>();
  for (const [key, choice] of Object.entries(manual)) {
    const field = key as PreapprovedField;
    if (!(FIELDS as readonly string[]).includes(key)) throw new PreapprovedCsvError('bad-mapping', `the mapping names an unknown field "${key}" (fields: ${FIELDS.join(', ')})`);
    if (choice === undefined) continue;
    if (choice === null) {
      delete columns[field];
      continue;
    }
    const index = resolveColumn(header, field, choice);
    const taken = manualColumns.get(index);
    if (taken) throw new PreapprovedCsvError('bad-mapping', `column ${describeColumn(header, index)} is mapped to both ${FIELD_LABEL[taken]} and ${FIELD_LABEL[field]}`);
    manualColumns.set(index, field);
    // The column moves to this field: whatever field had it automatically loses it.
    for (const other of FIELDS) if (columns[other] === index) delete columns[other];
    columns[field] = index;
  }
  const stillAmbiguous = ambiguous.filter(({ field }) => manual[field] === undefined);

  const used = new Set(Object.values(columns));
  return {
    header,
    columns,
    unmapped: header.flatMap((label, index) => (used.has(index) ? [] : [{ index, label }])),
    missing: MANDATORY_FIELDS.filter((field) => columns[field] === undefined),
    ambiguous: stillAmbiguous,
  };
}

function resolveColumn(header: readonly string[], field: PreapprovedField, choice: number | string): number {
  if (typeof choice === 'number') {
    if (Number.isInteger(choice) && choice >= 0 && choice < header.length) return choice;
    throw new PreapprovedCsvError('bad-mapping', `${FIELD_LABEL[field]} is mapped to column ${choice}, but the header has columns 0 to ${header.length - 1}`);
  }
  const exact = header.flatMap((label, index) => (label === choice.trim() ? [index] : []));
  const matches = exact.length > 0 ? exact : header.flatMap((label, index) => (normalizeLabel(label) === normalizeLabel(choice) ? [index] : []));
  if (matches.length === 1) return matches[0]!;
  const why = matches.length === 0 ? 'the header has no such column' : `${matches.length} columns have that label; map it by index`;
  throw new PreapprovedCsvError('bad-mapping', `${FIELD_LABEL[field]} is mapped to "${choice}", but ${why}`);
}

function describeColumn(header: readonly string[], index: number): string {
  return `${index} ("${header[index] ?? ''}")`;
}

/** One sentence for a mapping that leaves mandatory fields without a column. */
export function describeMissing(mapping: HeaderMapping): string {
  const parts = mapping.missing.map((field) => {
    const ambiguity = mapping.ambiguous.find((entry) => entry.field === field);
    return ambiguity
      ? `${FIELD_LABEL[field]} (columns ${ambiguity.indexes.map((index) => describeColumn(mapping.header, index)).join(' and ')} both look like it)`
      : FIELD_LABEL[field];
  });
  return `no column for ${parts.join(', ')}; the header has ${mapping.header.map((label) => `"${label}"`).join(', ')}`;
}
