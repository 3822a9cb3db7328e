import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { openPreapprovedCsv, PreapprovedCsvError } from '../../server/preapproved/index.js';
import { chunked, csv, readAll, SEED_HEADER } from './preapproved-fixtures.js';

const row = (n: number, name = `User ${n}`) => `${name},user${n}@example.com,,corporate,SN${n},,ios,,`;

/** Rows whose line numbers depend on counting BOM, blank lines and quoted line breaks right. */
const TRICKY = [
  SEED_HEADER, // 1
  row(1, 'Zoë Ünïcode 📱'), // 2: multi-byte characters before every later row
  '', // 3
  '"Lee, Ann",ann@example.com,,corporate,SN-A,"iPad\nof\nAnn",ios,,', // 4–6: a line break in a device name
  'Bob,bob@example.com,,Corporate,SN-B,,ios,,', // 7: case
  '"Smith, ""Cat""",cat@example.com,,personal,SN-C,"two\nlines",tvos,,', // 8–9: a line break in a device name
  'Dan,dan@example.com,,personal,SN1,,tvos,,', // 10: serial of line 2
  '"Eve, ""E""",eve@example.com,,personal,SN-E,,macos,,', // 11
];

async function fileError(text: string | Buffer): Promise<PreapprovedCsvError> {
  const error = await readAll(text).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PreapprovedCsvError);
  return error as PreapprovedCsvError;
}

describe('reading the stream', () => {
  for (const [name, eol, bom] of [['LF', '\n', ''], ['CRLF with a BOM', '\r\n', '\uFEFF'], ['CR (old Mac Excel)', '\r', '\uFEFF']] as const) {
    for (const chunkSize of [1, 7, 1 << 16]) {
      it(`numbers lines as an editor does: ${name}, ${chunkSize}-byte chunks`, async () => {
        const text = bom + csv(TRICKY).replaceAll('\n', eol);
        const { rows, errors } = await readAll(text, { chunkSize });
        expect(rows.map((r) => [r.line, r.name])).toEqual([[2, 'Zoë Ünïcode 📱'], [11, 'Eve, "E"']]);
        expect(errors.map((e) => [e.line, e.code, e.field])).toEqual([[4, 'invalid', 'deviceName'], [7, 'not-allowed', 'ownership'], [8, 'invalid', 'deviceName'], [10, 'duplicate-serial', 'serialNumber']]);
      });
    }
  }

  it('yields batches of the requested size and a summary', async () => {
    const reader = await openPreapprovedCsv(chunked(csv([SEED_HEADER, ...Array.from({ length: 250 }, (_, i) => row(i)), row(0)])), { batchSize: 100 });
    const sizes: number[] = [];
    for await (const batch of reader) sizes.push(batch.rows.length + batch.errors.length);
    expect(sizes).toEqual([100, 100, 51]);
    expect(reader.summary).toEqual({ rows: 250, rejected: 1, errors: 1 });
  });

  it('lets other callbacks run while reading a large in-memory source', async () => {
    const text = csv([SEED_HEADER, ...Array.from({ length: 20_000 }, (_, i) => row(i))]);
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // sliceMs 0: give way at every check, so the test does not depend on how fast the machine is.
    const reader = await openPreapprovedCsv(Readable.from([text]), { sliceMs: 0 });
    let rows = 0;
    for await (const batch of reader) rows += batch.rows.length;
    ticking = false;
    expect(rows).toBe(20_000);
    expect(ticks).toBeGreaterThan(10);
  });

  it('stops reading the source when the consumer stops', async () => {
    const source = chunked(csv([SEED_HEADER, ...Array.from({ length: 5000 }, (_, i) => row(i))]), 1024);
    const reader = await openPreapprovedCsv(source, { batchSize: 10 });
    for await (const batch of reader) {
      expect(batch.rows).toHaveLength(10);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});

describe('files that cannot be imported', () => {
  it('an empty file, or one with only a BOM and blank lines', async () => {
    for (const text of ['', '\uFEFF', '\n\r\n  \n,,,\n']) {
      expect(await fileError(text)).toMatchObject({ code: 'empty', message: 'the file is empty: it needs a header line and at least one row' });
    }
  });

  it('a header and no rows', async () => {
    expect(await fileError(csv([SEED_HEADER, '', ',,,,,,,,']))).toMatchObject({ code: 'no-rows', message: 'the file has a header line but no rows' });
  });

  it('a workbook, UTF-16 text or binary data', async () => {
    expect(await fileError(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]))).toMatchObject({ code: 'not-csv', message: 'the file is a ZIP archive, probably an Excel workbook (.xlsx): save it as "CSV UTF-8"' });
    expect(await fileError(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toMatchObject({ code: 'not-csv', message: expect.stringContaining('old Excel workbook (.xls)') });
    expect(await fileError(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv([SEED_HEADER]), 'utf16le')]))).toMatchObject({ code: 'not-csv', message: expect.stringContaining('UTF-16') });
    expect(await fileError(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]))).toMatchObject({ code: 'not-csv', message: 'the file contains binary data, not CSV text' });
  });

  it('text that is not a pre-approved list, with a hint when the cause is visible', async () => {
    expect(await fileError('{"devices": [{"serial": "SN1"}]}\n')).toMatchObject({ code: 'not-csv', line: 1, message: 'line 1: the first line is not a CSV header: in the row here, a quote appears inside an unquoted value: quote the whole value and double the quote ("")' });
    expect(await fileError('Inventory report\nprinted today\n')).toMatchObject({ code: 'missing-columns', line: 1 });
    expect((await fileError(csv(['Name;Email;Ownership;Serial Number;Platform', 'Ann;ann@example.com;corporate;S1;ios']))).message).toContain('the header looks separated by ";" rather than commas');
    expect((await fileError(csv(['Ann,ann@example.com,corporate,S1,ios']))).message).toContain('the first line looks like a row of data: the file needs a header line');
  });

  it('reads a semicolon-separated file when told the delimiter', async () => {
    const { rows } = await readAll(csv(['Name;Email;Ownership;Serial Number;Platform', '"Lee; Ann";ann@example.com;corporate;S1;ios']), { delimiter: ';' });
    expect(rows).toMatchObject([{ name: 'Lee; Ann', serialNumber: 'S1' }]);
  });

  it('a quote that is never closed, pointing at the row it opens in', async () => {
    const error = await fileError(csv([SEED_HEADER, row(1), '', '"Ann,ann@example.com,,corporate,S1,,ios,,', row(2), row(3)]));
    expect(error).toMatchObject({ code: 'malformed', line: 4, message: 'line 4: a quoted value starts in the row here and its closing quote is missing' });
  });

  it('an unclosed quote in a long file stops early instead of buffering the rest', async () => {
    const error = await fileError(csv([SEED_HEADER, row(1), '"Ann', ...Array.from({ length: 5000 }, (_, i) => row(i + 2))]));
    expect(error).toMatchObject({ code: 'malformed', line: 3, message: 'line 3: the row here is longer than 65536 characters: probably a quote that is never closed' });
  });

  it('text after a closing quote or a quote inside an unquoted value, at the line where the row starts (CRLF)', async () => {
    const closing = await fileError(csv([SEED_HEADER, '"Ann\r\nLee",ann@example.com,,corporate,S0,"two\r\nlines",ios,,', '', '"Ann\r\nLee" Jr,ann@example.com,,corporate,S1,,ios,,'], '\r\n'));
    expect(closing).toMatchObject({ code: 'malformed', line: 6, message: 'line 6: in the row here, text follows a closing quote: a quote inside a quoted value must be doubled ("")' });
    const opening = await fileError(csv([SEED_HEADER, row(1), 'Ann "The Boss" Lee,ann@example.com,,corporate,S1,,ios,,']));
    expect(opening).toMatchObject({ code: 'malformed', line: 3, message: expect.stringContaining('a quote appears inside an unquoted value') });
  });
});
