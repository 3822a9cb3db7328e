/**
 * Line numbers as a text editor shows them. csv-parse's own `info.lines` counts a CRLF inside a
 * quoted field as two lines, so the byte stream's line breaks are counted here instead, and a
 * record's line is found from the byte offset csv-parse reports at its end.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { PreapprovedCsvError } from './errors.js';

const LF = 0x0a;
const CR = 0x0d;

/** Byte offsets of every line break seen so far: where each ends (CRLF at its LF) and starts (CRLF at its CR). */
export class LineBreaks {
  private offsets: number[] = [];
  private starts: number[] = [];
  private pruned = 0;
  private cursor = 0;
  private seen = 0;
  private pendingCR = -1;

  scan(chunk: Uint8Array): void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const crlfAcross = this.pendingCR >= 0 && buffer[0] === LF;
    if (this.pendingCR >= 0) this.push(this.pendingCR, crlfAcross ? this.seen : this.pendingCR);
    this.pendingCR = -1;
    // indexOf runs in C++: far quicker than a JavaScript loop over every byte.
    let lf = buffer.indexOf(LF, crlfAcross ? 1 : 0);
    let cr = buffer.indexOf(CR);
    while (lf >= 0 || cr >= 0) {
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr === buffer.length - 1) this.pendingCR = this.seen + cr;
        else if (buffer[cr + 1] === LF) {
          this.push(this.seen + cr, this.seen + cr + 1);
          lf = buffer.indexOf(LF, cr + 2);
        } else this.push(this.seen + cr, this.seen + cr);
        cr = buffer.indexOf(CR, cr + 1);
      } else {
        this.push(this.seen + lf, this.seen + lf);
        lf = buffer.indexOf(LF, lf + 1);
      }
    }
    this.seen += buffer.length;
  }

  end(): void {
    if (this.pendingCR >= 0) this.push(this.pendingCR, this.pendingCR);
    this.pendingCR = -1;
  }

  private push(start: number, end: number): void {
    this.starts.push(start);
    this.offsets.push(end);
  }

  /** The line (1-based) of the last byte before `endOffset`, for offsets asked in increasing order. */
  lineEndingAt(endOffset: number): number {
    while (this.cursor < this.offsets.length && this.offsets[this.cursor]! < endOffset - 1) this.cursor++;
    // Records arrive in order, so offsets behind the cursor are never needed again.
    if (this.cursor > 4096) {
      this.offsets = this.offsets.slice(this.cursor);
      this.starts = this.starts.slice(this.cursor);
      this.pruned += this.cursor;
      this.cursor = 0;
    }
    return 1 + this.pruned + this.cursor;
  }

  /** The first line at or after `offset` that is not blank, without moving the cursor (for errors). */
  contentLineFrom(offset: number): number {
    let i = this.cursor;
    while (i < this.offsets.length && this.offsets[i]! < offset) i++;
    // Blank lines between the previous record and this one are skipped, as csv-parse skips them.
    let at = offset;
    while (i < this.offsets.length && this.starts[i] === at) at = this.offsets[i++]! + 1;
    return 1 + this.pruned + i;
  }
}

/** Line breaks inside a record's values (quoted multi-line fields): CRLF, CR and LF count once each. */
export function breaksInside(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) {
    if (cell.includes('\n') || cell.includes('\r')) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const SLICE_BYTES = 64 * 1024;

/** What the first bytes say about a file that is not CSV text. */
function notCsv(head: Buffer): string | undefined {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'the file is a ZIP archive, probably an Excel workbook (.xlsx): save it as "CSV UTF-8"';
  if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) return 'the file is an old Excel workbook (.xls): save it as "CSV UTF-8"';
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return 'the file is UTF-16 text ("Unicode text"): save it as "CSV UTF-8"';
  if (head.includes(0)) return 'the file contains binary data, not CSV text';
  return undefined;
}

/**
 * Pass-through in front of csv-parse: refuses files that are not text from their first bytes,
 * drops a UTF-8 BOM (so byte offsets agree with csv-parse's) and feeds `breaks`.
 */
export class SniffAndCount extends Transform {
  private head: Buffer | null = Buffer.alloc(0);

  constructor(private readonly breaks: LineBreaks) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.head === null) {
      this.forward(bytes);
      return done();
    }
    // Wait for a few bytes: a BOM or a signature may be split across tiny chunks.
    this.head = Buffer.concat([this.head, bytes]);
    done(this.head.length >= 512 ? this.release() : null);
  }

  override _flush(done: TransformCallback): void {
    const error = this.head === null ? null : this.release();
    this.breaks.end();
    done(error);
  }

  private release(): Error | null {
    let head = this.head!;
    this.head = null;
    if (UTF8_BOM.every((byte, index) => head[index] === byte)) head = head.subarray(3);
    const reason = notCsv(head);
    if (reason) return new PreapprovedCsvError('not-csv', reason);
    this.forward(head);
    return null;
  }

  private forward(bytes: Buffer): void {
    this.breaks.scan(bytes);
    // csv-parse parses a chunk in one go: a whole file in one chunk (a Buffer in memory) would hold
    // the event loop until it is parsed. Slices keep each step short and let backpressure work.
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) this.push(bytes.subarray(start, start + SLICE_BYTES));
  }
}
