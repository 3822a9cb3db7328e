/** The list written back as CSV with the canonical header, which the import maps automatically. */
import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { CANONICAL_HEADER, FIELDS, type PreapprovedEntry } from './fields.js';

export interface ExportOptions {
  /** Write the Password column (default false: an export is often mailed around). */
  includePasswords?: boolean;
  /**
   * Prefix cells that start with = + - @ with ' so a spreadsheet does not run them as formulas
   * (default true). The import removes that prefix, so a round trip keeps "+44 20…" as it was.
   */
  escapeFormulas?: boolean;
}

/** A stream of CSV text: UTF-8 with a BOM (so Excel reads accents right), CRLF line ends (RFC 4180). */
export function exportPreapprovedCsv(entries: Iterable<PreapprovedEntry> | AsyncIterable<PreapprovedEntry>, options: ExportOptions = {}): Readable {
  const fields = FIELDS.filter((field) => field !== 'password' || options.includePasswords === true);
  const stringifier = stringify({
    bom: true,
    header: true,
    record_delimiter: '\r\n',
    escape_formulas: options.escapeFormulas ?? true,
    columns: fields.map((field) => ({ key: field, header: CANONICAL_HEADER[field] })),
  });
  // pipeline rather than pipe: an error in `entries` (a database cursor) must end the export with it.
  pipeline(Readable.from(entries), stringifier, () => {});
  return stringifier;
}
