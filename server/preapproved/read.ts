/** Streaming import: a Readable of CSV bytes → batches of validated rows and row errors. */
import { pipeline, type Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CsvError, parse, type Info } from 'csv-parse';
import type { PreapprovedRow } from './fields.js';
import { PreapprovedCsvError, type RowError } from './errors.js';
import { describeMissing, mapHeader, type HeaderMapping, type ManualMapping } from './mapping.js';
import { breaksInside, LineBreaks, SniffAndCount } from './lines.js';
import { isBlankRecord, SerialTracker, validateRow } from './validate.js';

export type CsvSource = Readable | AsyncIterable<Uint8Array | string>;

export interface ReadOptions {
  /** Overrides the automatic header mapping field by field. */
  mapping?: ManualMapping;
  /** Valid rows per batch (default 1000); a batch also ends once it holds this many errors. */
  batchSize?: number;
  /** The cell separator (default ","), for files saved with ";" by a spreadsheet in some locales. */
  delimiter?: string;
  /** Longest run of parsing without letting other callbacks in (default 10 ms). */
  sliceMs?: number;
}

export interface PreapprovedBatch {
  rows: PreapprovedRow[];
  errors: RowError[];
}

export interface ReadSummary {
  /** Valid rows yielded. */
  rows: number;
  /** Rows refused with at least one error. */
  rejected: number;
  /** Row errors reported (a row may have several). */
  errors: number;
}

/** A record as read: its cells and the line it starts on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/** Longer than any valid row: an unclosed quote is stopped here instead of buffering the whole file. */
const MAX_RECORD_CHARS = 64 * 1024;

/**
 * The records of a CSV stream with editor line numbers. Reading runs in time slices so that a
 * server stays responsive even when the source is in memory and never waits on I/O.
 */
export class CsvRecords {
  private readonly breaks = new LineBreaks();
  private readonly sliceMs: number;
  private readonly parser;
  private readonly records: AsyncIterator<{ record: string[]; info: Info }>;
  private sliceStart = performance.now();
  private count = 0;

  constructor(source: CsvSource, options: { delimiter?: string; sliceMs?: number } = {}) {
    this.sliceMs = options.sliceMs ?? 10;
    this.parser = parse({
      delimiter: options.delimiter ?? ',',
      info: true,
      relax_column_count: true, // cell counts are checked per row, with the row's line
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      encoding: 'utf8',
    });
    // pipeline destroys every stream on an error or an early stop; the error reaches the parser's iterator.
    pipeline(source, new SniffAndCount(this.breaks), this.parser, () => {});
    this.records = this.parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: Info }>;
  }

  async next(): Promise<CsvRecord | undefined> {
    if (++this.count % 256 === 0 && performance.now() - this.sliceStart > this.sliceMs) {
      await yieldToEventLoop();
      this.sliceStart = performance.now();
    }
    let step: IteratorResult<{ record: string[]; info: Info }>;
    try {
      step = await this.records.next();
    } catch (error) {
      throw this.explain(error);
    }
    if (step.done) return undefined;
    const { record, info } = step.value;
    const line = this.breaks.lineEndingAt(info.bytes) - breaksInside(record);
    return { cells: record, line };
  }

  close(): void {
    this.parser.destroy();
  }

  private explain(error: unknown): Error {
    if (error instanceof PreapprovedCsvError) return error;
    if (!(error instanceof CsvError)) return error instanceof Error ? error : new Error(String(error));
    // csv-parse's `bytes` is where the last complete record ended: the broken one starts after it.
    const bytes = typeof error.bytes === 'number' ? error.bytes : 0;
    const line = this.breaks.contentLineFrom(bytes);
    const reason = PARSE_ERRORS[error.code] ?? `the file cannot be read as CSV (${error.message})`;
    // Broken from its first line on: not a CSV file (JSON, a report, prose) rather than a bad row.
    if (bytes === 0) return new PreapprovedCsvError('not-csv', `the first line is not a CSV header: ${reason}`, line);
    return new PreapprovedCsvError('malformed', reason, line);
  }
}

const PARSE_ERRORS: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted value starts in the row here and its closing quote is missing',
  CSV_MAX_RECORD_SIZE: `the row here is longer than ${MAX_RECORD_CHARS} characters: probably a quote that is never closed`,
  CSV_INVALID_CLOSING_QUOTE: 'in the row here, text follows a closing quote: a quote inside a quoted value must be doubled ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'in the row here, text follows a closing quote: a quote inside a quoted value must be doubled ("")',
  INVALID_OPENING_QUOTE: 'in the row here, a quote appears inside an unquoted value: quote the whole value and double the quote ("")',
};

/**
 * Opens a CSV stream and reads its header. Rejects with a PreapprovedCsvError when the file is
 * empty, is not CSV, or leaves a mandatory field without a column; then iterate the reader for
 * batches. Only the current batch and the set of serial numbers seen are held in memory.
 */
export async function openPreapprovedCsv(source: CsvSource, options: ReadOptions = {}): Promise<PreapprovedCsvReader> {
  const records = new CsvRecords(source, options);
  try {
    const header = await readHeader(records);
    const mapping = mapHeader(header.cells, options.mapping);
    if (mapping.missing.length > 0) {
      throw new PreapprovedCsvError('missing-columns', describeMissing(mapping) + headerHint(mapping), header.line, mapping);
    }
    return new PreapprovedCsvReader(records, mapping, options.batchSize ?? 1000);
  } catch (error) {
    records.close();
    throw error;
  }
}

/** The first non-blank record; an empty file has none. */
export async function readHeader(records: CsvRecords): Promise<CsvRecord> {
  for (let record = await records.next(); record; record = await records.next()) {
    if (!isBlankRecord(record.cells)) return record;
  }
  throw new PreapprovedCsvError('empty', 'the file is empty: it needs a header line and at least one row');
}

/** Why a header maps nothing, when the cells themselves say so. */
function headerHint(mapping: HeaderMapping): string {
  const cells = mapping.header;
  const separator = cells.length === 1 ? [';', '\t', '|'].find((candidate) => cells[0]!.includes(candidate)) : undefined;
  if (separator) return ` (the header looks separated by "${separator === '\t' ? '\\t' : separator}" rather than commas: save the file as comma-separated CSV or choose that delimiter)`;
  if (cells.some((cell) => cell.includes('@'))) return ' (the first line looks like a row of data: the file needs a header line)';
  return '';
}

export class PreapprovedCsvReader implements AsyncIterable<PreapprovedBatch> {
  readonly summary: ReadSummary = { rows: 0, rejected: 0, errors: 0 };
  private started = false;

  constructor(
    private readonly records: CsvRecords,
    readonly mapping: HeaderMapping,
    private readonly batchSize: number,
  ) {}

  /** Stops reading and releases the source (not needed after a complete iteration). */
  close(): void {
    this.records.close();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<PreapprovedBatch, void, undefined> {
    if (this.started) throw new Error('a PreapprovedCsvReader can be iterated once');
    this.started = true;
    const serials = new SerialTracker();
    let batch: PreapprovedBatch = { rows: [], errors: [] };
    let dataRows = 0;
    try {
      for (let record = await this.records.next(); record; record = await this.records.next()) {
        if (isBlankRecord(record.cells)) continue;
        dataRows++;
        const result = validateRow(record.cells, this.mapping, record.line);
        const duplicate = result.ok ? serials.check(result.row) : undefined;
        if (result.ok && !duplicate) {
          batch.rows.push(result.row);
          this.summary.rows++;
        } else {
          const errors = result.ok ? [duplicate!] : result.errors;
          batch.errors.push(...errors);
          this.summary.rejected++;
          this.summary.errors += errors.length;
        }
        if (batch.rows.length >= this.batchSize || batch.errors.length >= this.batchSize) {
          yield batch;
          batch = { rows: [], errors: [] };
        }
      }
      if (dataRows === 0) throw new PreapprovedCsvError('no-rows', 'the file has a header line but no rows');
      if (batch.rows.length > 0 || batch.errors.length > 0) yield batch;
    } finally {
      this.records.close();
    }
  }
}
