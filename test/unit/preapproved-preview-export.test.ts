import { describe, expect, it } from 'vitest';
import { exportPreapprovedCsv, lastRowWinsPerEmail, previewPreapprovedCsv, UserDetailsByEmail, type PreapprovedEntry, type PreapprovedRow } from '../../server/preapproved/index.js';
import { chunked, collect, csv, readAll, SEED_HEADER } from './preapproved-fixtures.js';

describe('preview', () => {
  const file = csv([
    SEED_HEADER,
    'Ann,ann@example.com,,corporate,S1,,ios,,',
    'Bob,bob@example.com,,Corporate,S2,,ios,,',
    '',
    'Cat,cat@example.com,,personal,S1,,ios,,',
    'Dan,dan@example.com,,personal,S4,,ios,,',
  ]);

  it('shows the first rows with their values and per-row errors, and whether more follow', async () => {
    const preview = await previewPreapprovedCsv(chunked(file), { limit: 3 });
    expect(preview.truncated).toBe(true);
    expect(preview.mapping.missing).toEqual([]);
    expect(preview.rows.map((row) => [row.line, row.row?.serialNumber ?? null, row.errors.map((error) => error.reason)])).toEqual([
      [2, 'S1', []],
      [3, null, ['ownership "Corporate" is not one of personal, corporate (values are case-sensitive)']],
      [5, null, ['serial number "S1" already appears on line 2']],
    ]);
    expect(preview.rows[1]!.values).toMatchObject({ name: 'Bob', ownership: 'Corporate' });
    expect((await previewPreapprovedCsv(chunked(file), { limit: 4 })).truncated).toBe(false);
  });

  it('shows rows even when a mandatory field has no column yet, so a person can map it', async () => {
    const preview = await previewPreapprovedCsv(chunked(csv(['Name,Email,Owner,Serial Number,Platform', 'Ann,ann@example.com,corporate,S1,ios'])));
    expect(preview.mapping.missing).toEqual(['ownership']);
    expect(preview.mapping.unmapped).toEqual([{ index: 2, label: 'Owner' }]);
    expect(preview.rows).toMatchObject([{ line: 2, values: { name: 'Ann', serialNumber: 'S1' }, errors: [] }]);
    const mapped = await previewPreapprovedCsv(chunked(csv(['Name,Email,Owner,Serial Number,Platform', 'Ann,ann@example.com,corporate,S1,ios'])), { mapping: { ownership: 2 } });
    expect(mapped.rows[0]!.row).toMatchObject({ ownership: 'corporate' });
  });
});

describe('last row wins per email', () => {
  const row = (line: number, email: string, name: string, mobile: string | null = null): PreapprovedRow => ({ line, name, email, ownership: 'corporate', serialNumber: `S${line}`, platform: 'ios', mobile, deviceName: null, samAccountName: null, password: null });

  it("takes the user details from the file's last row with that email, whole", async () => {
    const { rows } = await readAll(csv([
      SEED_HEADER,
      'Ann Lee,ann@example.com,+1 555 0100,corporate,S1,,ios,alee,',
      'Bob,bob@example.com,,corporate,S2,,ios,,',
      'Ann Lee-Smith,ann@example.com,,personal,S3,,macos,asmith,',
    ]));
    const { users, warnings } = lastRowWinsPerEmail(rows);
    expect(users).toEqual([
      // The last row has no mobile: its details win whole, so the earlier mobile is not kept.
      { email: 'ann@example.com', name: 'Ann Lee-Smith', mobile: null, samAccountName: 'asmith', line: 4, rows: 2 },
      { email: 'bob@example.com', name: 'Bob', mobile: null, samAccountName: null, line: 3, rows: 1 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('decides by line, batch after batch or out of order, and warns about emails differing only in case', () => {
    const fold = new UserDetailsByEmail();
    fold.add([row(9, 'ann@example.com', 'Ann (last)')]);
    fold.add([row(2, 'ann@example.com', 'Ann (first)'), row(5, 'Ann@example.com', 'Ann (other case)')]);
    expect(fold.users().map((user) => [user.email, user.name, user.rows])).toEqual([['ann@example.com', 'Ann (last)', 2], ['Ann@example.com', 'Ann (other case)', 1]]);
    expect(fold.warnings()).toEqual([{ line: 5, reason: 'email "Ann@example.com" differs from "ann@example.com" only in case: they are imported as two users (values are case-sensitive)' }]);
  });
});

describe('export', () => {
  const entries: PreapprovedEntry[] = [
    { name: 'Lee, Ann "AL"', email: 'ann@example.com', mobile: '+44 20 7946 0958', ownership: 'corporate', serialNumber: 'c02XK1abcd', deviceName: 'Ann’s iPad', platform: 'ios', samAccountName: 'alee', password: '=s3cret,1' },
    { name: 'Zoë Müller', email: 'zoe@example.com', mobile: null, ownership: 'personal', serialNumber: 'R58N', deviceName: null, platform: 'android', samAccountName: null, password: null },
  ];

  it('writes the canonical header, a BOM and CRLF, without passwords unless asked', async () => {
    const text = await collect(exportPreapprovedCsv(entries));
    expect(text.startsWith('\uFEFFName,Email,Mobile,Ownership,Serial Number,Device Name,Platform,SAMAccountName\r\n')).toBe(true);
    expect(text).not.toContain('s3cret');
    expect(text).toContain("'+44 20 7946 0958");
    expect((await collect(exportPreapprovedCsv(entries, { includePasswords: true }))).split('\r\n')[0]).toBe('\uFEFFName,Email,Mobile,Ownership,Serial Number,Device Name,Platform,SAMAccountName,Password');
  });

  for (const escapeFormulas of [true, false]) {
    it(`round-trips through the import unchanged (escapeFormulas ${escapeFormulas})`, async () => {
      async function* fromDatabase(): AsyncGenerator<PreapprovedEntry> {
        yield* entries;
      }
      const text = await collect(exportPreapprovedCsv(fromDatabase(), { includePasswords: true, escapeFormulas }));
      const { rows, errors } = await readAll(text, { chunkSize: 5 });
      expect(errors).toEqual([]);
      expect(rows.map(({ line: _line, ...entry }) => entry)).toEqual(entries);
      expect(rows.map((row) => row.line)).toEqual([2, 3]);
    });
  }

  it('ends the CSV stream with the error of a failing source', async () => {
    async function* failing(): AsyncGenerator<PreapprovedEntry> {
      yield entries[0]!;
      throw new Error('cursor closed');
    }
    await expect(collect(exportPreapprovedCsv(failing()))).rejects.toThrow('cursor closed');
  });
});
