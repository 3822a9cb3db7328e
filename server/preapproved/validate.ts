/** One row's cells → a PreapprovedRow, or every reason it is not one (seed 004's rules). */
import { FIELDS, FIELD_LABEL, MANDATORY_FIELDS, OWNERSHIPS, PLATFORMS, type PreapprovedField, type PreapprovedRow } from './fields.js';
import type { RowError } from './errors.js';
import type { HeaderMapping } from './mapping.js';

/** Long enough for any real value; stops a stray paste of a whole document into one cell. */
export const MAX_VALUE_LENGTH = 255;

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const PHONE = /^\+?[\d\s().\-/]+$/;
const CONTROL = /\p{Cc}/u;
const SCIENTIFIC = /^\d+(?:[.,]\d+)?E\+\d+$/i;
/** A spreadsheet's (and csv-stringify's escape_formulas') text marker before a cell that would read as a formula. */
const FORMULA_ESCAPE = /^'(?=[=+\-@\t\r])/;

export type RowResult = { ok: true; row: PreapprovedRow } | { ok: false; errors: RowError[] };

/** True for a record whose cells are all blank (",,,," lines spreadsheets leave at the end): skipped, not an error. */
export function isBlankRecord(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}

/**
 * Checks one data row. Every value is trimmed of surrounding whitespace and nothing else:
 * case is kept (values are case-sensitive), inner spaces are kept or refused, never collapsed.
 * Fields without a column are skipped here (the mapping reports them once, not per row).
 */
export function validateRow(cells: readonly string[], mapping: HeaderMapping, line: number): RowResult {
  const width = mapping.header.length;
  if (cells.length < width) {
    return fail(line, 'too-few-cells', `the row has ${cells.length} cells but the header has ${width}: a missing comma or a cell that should be quoted shifts the columns`);
  }
  // Spreadsheets pad some rows with empty trailing cells; only extra values are a problem.
  if (cells.length > width && !isBlankRecord(cells.slice(width))) {
    return fail(line, 'too-many-cells', `the row has ${cells.length} cells but the header has ${width}: a value with a comma must be quoted`);
  }

  const errors: RowError[] = [];
  const values: Partial<Record<PreapprovedField, string>> = {};
  for (const field of FIELDS) {
    const index = mapping.columns[field];
    if (index === undefined) continue;
    const value = (cells[index] ?? '').trim().replace(FORMULA_ESCAPE, '');
    if (value === '') {
      if (MANDATORY_FIELDS.includes(field)) errors.push({ line, code: 'missing', field, reason: `${FIELD_LABEL[field]} is missing` });
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) errors.push({ line, field, ...problem });
    else values[field] = value;
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    row: {
      line,
      name: values.name!,
      email: values.email!,
      ownership: values.ownership as PreapprovedRow['ownership'],
      serialNumber: values.serialNumber!,
      platform: values.platform as PreapprovedRow['platform'],
      mobile: values.mobile ?? null,
      deviceName: values.deviceName ?? null,
      samAccountName: values.samAccountName ?? null,
      password: values.password ?? null,
    },
  };
}

function checkValue(field: PreapprovedField, value: string): { code: RowError['code']; reason: string } | undefined {
  const label = FIELD_LABEL[field];
  // U+FFFD is what undecodable bytes become: the file was saved in a legacy encoding.
  if (value.includes('\uFFFD')) return { code: 'invalid', reason: `${label} is not valid UTF-8 text (save the file as "CSV UTF-8")` };
  if (CONTROL.test(value)) return { code: 'invalid', reason: `${label} contains a line break or a control character` };
  if (value.length > MAX_VALUE_LENGTH) return { code: 'invalid', reason: `${label} is ${value.length} characters long (at most ${MAX_VALUE_LENGTH})` };
  switch (field) {
    case 'ownership':
      return oneOf(label, value, OWNERSHIPS);
    case 'platform':
      return oneOf(label, value, PLATFORMS);
    case 'email':
      return EMAIL.test(value) ? undefined : { code: 'invalid', reason: `email "${value}" is not an email address` };
    case 'mobile':
      return PHONE.test(value) && /\d{3}/.test(value.replace(/\D/g, '')) ? undefined : { code: 'invalid', reason: `mobile "${value}" is not a phone number (digits, spaces and + ( ) - . / only)` };
    case 'serialNumber':
      // Kept exactly as written for matching at check-in, so a space inside would never match a device.
      if (/\s/.test(value)) return { code: 'invalid', reason: `serial number "${value}" contains a space` };
      // Excel shows long all-digit serials as 1.23457E+11 and saves them so: the serial is lost.
      if (SCIENTIFIC.test(value)) return { code: 'invalid', reason: `serial number "${value}" is a number a spreadsheet rewrote in scientific notation: format the column as text and enter the serials again` };
      return undefined;
    default:
      return undefined;
  }
}

function oneOf(label: string, value: string, allowed: readonly string[]): { code: RowError['code']; reason: string } | undefined {
  if (allowed.includes(value)) return undefined;
  const caseOnly = allowed.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
  return { code: 'not-allowed', reason: `${label} "${value}" is not one of ${allowed.join(', ')}${caseOnly ? ' (values are case-sensitive)' : ''}` };
}

function fail(line: number, code: RowError['code'], reason: string): RowResult {
  return { ok: false, errors: [{ line, code, reason }] };
}

/**
 * Remembers serial numbers across the whole file (memory grows with distinct serials, not rows):
 * the first row with a serial is kept and every later one is an error, because earlier batches
 * may already be in the database when the repeat is read.
 */
export class SerialTracker {
  private readonly firstLine = new Map<string, number>();

  check(row: PreapprovedRow): RowError | undefined {
    const first = this.firstLine.get(row.serialNumber);
    if (first === undefined) {
      this.firstLine.set(row.serialNumber, row.line);
      return undefined;
    }
    return { line: row.line, code: 'duplicate-serial', field: 'serialNumber', reason: `serial number "${row.serialNumber}" already appears on line ${first}` };
  }
}
