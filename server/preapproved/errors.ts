/** Problems with one row (the import goes on) and with the whole file (it stops). */
import type { PreapprovedField } from './fields.js';
import type { HeaderMapping } from './mapping.js';

export type RowErrorCode =
  | 'missing' // a mandatory value is empty
  | 'not-allowed' // ownership or platform outside its set
  | 'invalid' // email, mobile or serial number of the wrong shape, a line break in a value, too long
  | 'duplicate-serial' // the serial number already appeared on an earlier line
  | 'too-many-cells'
  | 'too-few-cells';

export interface RowError {
  /** The line the row starts on, as a text editor numbers it (the header is line 1). */
  line: number;
  code: RowErrorCode;
  /** The field the error is about, when it is about one. */
  field?: PreapprovedField;
  /** Says what is wrong in words a person fixing the file understands. */
  reason: string;
}

export type FileErrorCode =
  | 'empty' // no bytes, or only a BOM and blank lines
  | 'not-csv' // a workbook, UTF-16 text, binary data
  | 'malformed' // csv-parse could not read it (an unclosed quote, text after a closing quote, a huge field)
  | 'missing-columns' // a mandatory field has no column
  | 'bad-mapping' // a manual mapping names a column that does not exist, or one column twice
  | 'no-rows'; // a header and nothing else

/** The file cannot be imported at all. `line` is set when one line is to blame. */
export class PreapprovedCsvError extends Error {
  override readonly name = 'PreapprovedCsvError';
  constructor(
    readonly code: FileErrorCode,
    message: string,
    readonly line?: number,
    /** For 'missing-columns': the automatic mapping, for a person to complete by hand. */
    readonly mapping?: HeaderMapping,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}
