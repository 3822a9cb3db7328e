/** The wizard's preview: the mapping and the first rows with their errors, without importing anything. */
import { FIELDS, type PreapprovedField, type PreapprovedRow } from './fields.js';
import type { RowError } from './errors.js';
import { mapHeader, type HeaderMapping, type ManualMapping } from './mapping.js';
import { CsvRecords, readHeader, type CsvSource } from './read.js';
import { isBlankRecord, SerialTracker, validateRow } from './validate.js';

export interface PreviewRow {
  line: number;
  /** The mapped fields' values as written (trimmed), also for rows with errors. */
  values: Partial<Record<PreapprovedField, string>>;
  /** The row as it would be imported, or null when it has errors. */
  row: PreapprovedRow | null;
  errors: RowError[];
}

export interface Preview {
  /** May be incomplete (`missing` not empty): the preview still shows rows so a person can map by hand. */
  mapping: HeaderMapping;
  rows: PreviewRow[];
  /** True when the file has rows after the ones shown. */
  truncated: boolean;
}

export interface PreviewOptions {
  /** Rows to show (default 50). */
  limit?: number;
  mapping?: ManualMapping;
  delimiter?: string;
}

/**
 * Reads the header and the first `limit` data rows, then stops reading. Rejects like
 * openPreapprovedCsv for a file that is empty, not CSV or malformed within those rows, but not
 * for missing columns: fields without a column are left out of `values` and of the checks.
 */
export async function previewPreapprovedCsv(source: CsvSource, options: PreviewOptions = {}): Promise<Preview> {
  const limit = options.limit ?? 50;
  const records = new CsvRecords(source, options);
  try {
    const header = await readHeader(records);
    const mapping = mapHeader(header.cells, options.mapping);
    const serials = new SerialTracker();
    const rows: PreviewRow[] = [];
    for (let record = await records.next(); record; record = await records.next()) {
      if (isBlankRecord(record.cells)) continue;
      if (rows.length === limit) return { mapping, rows, truncated: true };
      const result = validateRow(record.cells, mapping, record.line);
      const duplicate = result.ok ? serials.check(result.row) : undefined;
      rows.push({
        line: record.line,
        values: valuesOf(record.cells, mapping),
        row: result.ok && !duplicate ? result.row : null,
        errors: result.ok ? (duplicate ? [duplicate] : []) : result.errors,
      });
    }
    return { mapping, rows, truncated: false };
  } finally {
    records.close();
  }
}

function valuesOf(cells: readonly string[], mapping: HeaderMapping): Partial<Record<PreapprovedField, string>> {
  const values: Partial<Record<PreapprovedField, string>> = {};
  for (const field of FIELDS) {
    const index = mapping.columns[field];
    if (index !== undefined) values[field] = (cells[index] ?? '').trim();
  }
  return values;
}
