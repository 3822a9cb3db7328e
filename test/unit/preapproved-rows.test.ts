import { describe, expect, it } from 'vitest';
import { csv, readAll, SEED_HEADER } from './preapproved-fixtures.js';

const ok = (serial: string, email = 'ann@example.com') => `Ann Lee,${email},,corporate,${serial},,ios,,`;

describe('row validation', () => {
  it('reports each kind of bad row with its line and reason, and keeps the good rows', async () => {
    const { rows, errors } = await readAll(csv([
      SEED_HEADER, // 1
      ok('S1'), // 2
      'Bob,bob@example.com,,Corporate,S2,,ios,,', // 3: case
      'Cat,cat@example.com,,corporate,S3,,iOS,,', // 4: case
      'Dan,dan@example.com,,corporate,S4,,windows,,', // 5: not in the set
      ',eve@example.com,,personal,S5,,android,,', // 6: missing name
      'Fay,fay.example.com,,personal,S6,,android,,', // 7: email shape
      'Gus,gus@example.com,call me,personal,S7,,android,,', // 8: mobile shape
      'Hal,hal@example.com,,personal,S 8,,android,,', // 9: space in a serial
      'Ivy,ivy@example.com,,personal,S1,,android,,', // 10: serial of line 2
      'Jo,jo@example.com,,personal,S10,,android', // 11: too few cells
      'Kit,kit@example.com,,personal,S11,,android,,,extra', // 12: too many cells
      ',,,,,,,,', // 13: blank, skipped
      ' ,  ,,,, ,,,', // 14: blank, skipped
      'Lu,,,,,,,,', // 15: several fields missing
    ]));
    expect(rows.map((row) => row.line)).toEqual([2]);
    expect(errors).toEqual([
      { line: 3, code: 'not-allowed', field: 'ownership', reason: 'ownership "Corporate" is not one of personal, corporate (values are case-sensitive)' },
      { line: 4, code: 'not-allowed', field: 'platform', reason: 'platform "iOS" is not one of android, ios, macos, tvos (values are case-sensitive)' },
      { line: 5, code: 'not-allowed', field: 'platform', reason: 'platform "windows" is not one of android, ios, macos, tvos' },
      { line: 6, code: 'missing', field: 'name', reason: 'name is missing' },
      { line: 7, code: 'invalid', field: 'email', reason: 'email "fay.example.com" is not an email address' },
      { line: 8, code: 'invalid', field: 'mobile', reason: 'mobile "call me" is not a phone number (digits, spaces and + ( ) - . / only)' },
      { line: 9, code: 'invalid', field: 'serialNumber', reason: 'serial number "S 8" contains a space' },
      { line: 10, code: 'duplicate-serial', field: 'serialNumber', reason: 'serial number "S1" already appears on line 2' },
      { line: 11, code: 'too-few-cells', reason: 'the row has 7 cells but the header has 9: a missing comma or a cell that should be quoted shifts the columns' },
      { line: 12, code: 'too-many-cells', reason: 'the row has 10 cells but the header has 9: a value with a comma must be quoted' },
      { line: 15, code: 'missing', field: 'email', reason: 'email is missing' },
      { line: 15, code: 'missing', field: 'ownership', reason: 'ownership is missing' },
      { line: 15, code: 'missing', field: 'serialNumber', reason: 'serial number is missing' },
      { line: 15, code: 'missing', field: 'platform', reason: 'platform is missing' },
    ]);
  });

  it('keeps serial numbers exactly as written apart from surrounding whitespace: case differs, device differs', async () => {
    const { rows, errors } = await readAll(csv([SEED_HEADER, ok('  c02xk1abcd\t'), ok('C02XK1ABCD'), ok('C02XK1ABCD ')]));
    expect(rows.map((row) => row.serialNumber)).toEqual(['c02xk1abcd', 'C02XK1ABCD']);
    expect(errors).toEqual([{ line: 4, code: 'duplicate-serial', field: 'serialNumber', reason: 'serial number "C02XK1ABCD" already appears on line 3' }]);
  });

  it('refuses a serial number a spreadsheet turned into scientific notation', async () => {
    const { errors } = await readAll(csv([SEED_HEADER, ok('3.52099E+14'), ok('352099001761481')]));
    expect(errors).toEqual([{ line: 2, code: 'invalid', field: 'serialNumber', reason: 'serial number "3.52099E+14" is a number a spreadsheet rewrote in scientific notation: format the column as text and enter the serials again' }]);
  });

  it('trims values, keeps their case, turns empty optional values into null', async () => {
    const { rows } = await readAll(csv([SEED_HEADER, ' Zoë Müller , Zoe@Example.com ,  , personal , SN1 ,  ,macos, ZMueller ,']));
    expect(rows[0]).toEqual({ line: 2, name: 'Zoë Müller', email: 'Zoe@Example.com', mobile: null, ownership: 'personal', serialNumber: 'SN1', deviceName: null, platform: 'macos', samAccountName: 'ZMueller', password: null });
  });

  it('tolerates empty trailing cells a spreadsheet adds, ignores unmapped columns', async () => {
    const { rows, errors } = await readAll(csv(['Name,Email,Cost centre,Ownership,Serial Number,Platform', 'Ann,ann@example.com,CC-12,corporate,S1,ios,,,']));
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1);
  });

  it('refuses line breaks inside a value, over-long values and text that was not UTF-8', async () => {
    const latin1 = Buffer.concat([Buffer.from(csv([SEED_HEADER]) + 'Zo'), Buffer.from([0xeb]), Buffer.from(' Lee,zoe@example.com,,corporate,S1,,ios,,\n')]);
    expect((await readAll(latin1)).errors).toEqual([{ line: 2, code: 'invalid', field: 'name', reason: 'name is not valid UTF-8 text (save the file as "CSV UTF-8")' }]);
    const { errors } = await readAll(csv([SEED_HEADER, '"Ann\nLee",ann@example.com,,corporate,S1,,ios,,', `Bo,bo@example.com,,corporate,S2,${'x'.repeat(256)},ios,,`]));
    expect(errors).toEqual([
      { line: 2, code: 'invalid', field: 'name', reason: 'name contains a line break or a control character' },
      { line: 4, code: 'invalid', field: 'deviceName', reason: 'device name is 256 characters long (at most 255)' },
    ]);
  });

  it("removes the ' a spreadsheet puts before a value that would read as a formula", async () => {
    const { rows } = await readAll(csv([SEED_HEADER, "'=Ann,ann@example.com,'+44 20 7946 0958,corporate,S1,,ios,,'-pw"]));
    expect(rows[0]).toMatchObject({ name: '=Ann', mobile: '+44 20 7946 0958', password: '-pw' });
  });
});
