/** Helpers for the pre-approved CSV tests: build files, read them whole. */
import { Readable } from 'node:stream';
import { openPreapprovedCsv, type PreapprovedBatch, type PreapprovedRow, type ReadOptions, type RowError } from '../../server/preapproved/index.js';

/** The seed's columns in the order Hexnode's sample file lists them. */
export const SEED_HEADER = 'Name,Email,Mobile,Ownership,Serial Number,Device Name,Platform,SAMAccountName,Password';

export function csv(lines: readonly string[], eol = '\n'): string {
  return lines.join(eol) + eol;
}

/** A stream that hands the text over in chunks of `size` bytes (1: every byte apart, to split BOMs and UTF-8 sequences). */
export function chunked(text: string | Buffer, size = 1 << 16): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return Readable.from(chunks);
}

export async function readAll(text: string | Buffer, options: ReadOptions & { chunkSize?: number } = {}): Promise<{ rows: PreapprovedRow[]; errors: RowError[]; batches: PreapprovedBatch[] }> {
  const reader = await openPreapprovedCsv(chunked(text, options.chunkSize), options);
  const batches: PreapprovedBatch[] = [];
  for await (const batch of reader) batches.push(batch);
  return { rows: batches.flatMap((batch) => batch.rows), errors: batches.flatMap((batch) => batch.errors), batches };
}

export async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
