import { describe, expect, it } from 'vitest';
import { mapHeader, openPreapprovedCsv, PreapprovedCsvError } from '../../server/preapproved/index.js';
import { chunked, csv, readAll } from './preapproved-fixtures.js';

describe('header auto-mapping', () => {
  it('maps the seed columns in another order and casing automatically', async () => {
    const text = csv([
      'PLATFORM,serial_number,E-mail,display name,OWNERSHIP,SAMAccountName,mobile,device-name,password',
      'ios,F2LXK0ABCD,ann@example.com,Ann Lee,corporate,alee,+44 20 7946 0958,Ann’s iPad,s3cret',
    ]);
    const { rows, errors } = await readAll(text);
    expect(errors).toEqual([]);
    expect(rows).toEqual([{ line: 2, name: 'Ann Lee', email: 'ann@example.com', ownership: 'corporate', serialNumber: 'F2LXK0ABCD', platform: 'ios', mobile: '+44 20 7946 0958', deviceName: 'Ann’s iPad', samAccountName: 'alee', password: 's3cret' }]);
  });

  it('knows the common spellings of each label', () => {
    for (const label of ['Serial number', 'serial_number', 'SerialNumber', 'SERIAL-NUMBER', ' Serial No. ', 'serial']) {
      expect(mapHeader([label]).columns, label).toEqual({ serialNumber: 0 });
    }
    expect(mapHeader(['Display Name', 'E-mail', 'Device name', 'samaccountname', 'Mobile Phone', 'OS', 'Ownership Type']).columns).toEqual({ name: 0, email: 1, deviceName: 2, samAccountName: 3, mobile: 4, platform: 5, ownership: 6 });
  });

  it('reports unmapped columns and missing mandatory fields', () => {
    const mapping = mapHeader(['Name', 'Email', 'Cost centre', 'Serial', '']);
    expect(mapping.unmapped).toEqual([{ index: 2, label: 'Cost centre' }, { index: 4, label: '' }]);
    expect(mapping.missing).toEqual(['ownership', 'platform']);
  });

  it('leaves a field that two columns look like to a person', () => {
    const mapping = mapHeader(['Name', 'Email', 'E-mail', 'Ownership', 'Serial Number', 'Platform']);
    expect(mapping.ambiguous).toEqual([{ field: 'email', indexes: [1, 2] }]);
    expect(mapping.missing).toEqual(['email']);
    expect(mapHeader(mapping.header, { email: 2 }).columns.email).toBe(2);
  });

  it('refuses to open a file whose mapping is missing a mandatory field, with the mapping to fix by hand', async () => {
    const error = await openPreapprovedCsv(chunked(csv(['Name,Email,Owner,Serial Number,Platform', 'Ann,ann@example.com,corporate,S1,ios']))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreapprovedCsvError);
    expect(error).toMatchObject({ code: 'missing-columns', line: 1, message: 'line 1: no column for ownership; the header has "Name", "Email", "Owner", "Serial Number", "Platform"' });
    expect((error as PreapprovedCsvError).mapping?.unmapped).toEqual([{ index: 2, label: 'Owner' }]);
  });
});

describe('manual mapping', () => {
  const header = ['Name', 'Email', 'Owner', 'Serial Number', 'Platform', 'Work email'];

  it('maps a field to a column by index or by label, overriding the automatic choice', () => {
    expect(mapHeader(header, { ownership: 2 }).columns).toEqual({ name: 0, email: 1, ownership: 2, serialNumber: 3, platform: 4 });
    expect(mapHeader(header, { ownership: 'owner', email: 'Work email' }).columns).toMatchObject({ ownership: 2, email: 5 });
    expect(mapHeader(header, { ownership: 'Owner', email: 5 }).unmapped).toEqual([{ index: 1, label: 'Email' }]);
  });

  it('moves a column from the field it was guessed for, and null unmaps a field', () => {
    // "Name" was guessed as the user's name; here it is the device name.
    const moved = mapHeader(header, { deviceName: 'Name', ownership: 2 });
    expect(moved.columns.deviceName).toBe(0);
    expect(moved.columns.name).toBeUndefined();
    expect(moved.missing).toEqual(['name']);
    expect(mapHeader([...header, 'Mobile'], { mobile: null }).columns.mobile).toBeUndefined();
  });

  it('imports with a manual mapping', async () => {
    const { rows } = await readAll(csv(['Name,Email,Owner,Serial Number,Platform', 'Ann,ann@example.com,corporate,S1,ios']), { mapping: { ownership: 'Owner' } });
    expect(rows).toMatchObject([{ line: 2, ownership: 'corporate', serialNumber: 'S1' }]);
  });

  it('refuses a mapping to a column that does not exist or to one column twice', () => {
    expect(() => mapHeader(header, { ownership: 9 })).toThrow('ownership is mapped to column 9, but the header has columns 0 to 5');
    expect(() => mapHeader(header, { ownership: 'Owned by' })).toThrow('ownership is mapped to "Owned by", but the header has no such column');
    expect(() => mapHeader(header, { ownership: 2, deviceName: 'Owner' })).toThrow('column 2 ("Owner") is mapped to both ownership and device name');
    expect(() => mapHeader(header, { colour: 1 } as never)).toThrow(expect.objectContaining({ code: 'bad-mapping' }));
  });
});
