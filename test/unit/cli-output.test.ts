import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { DeviceRecord } from '../../core/devices/identity.js';
import { EMPTY_IDENTITY } from '../../core/devices/identity.js';
import { ALL_FIELDS, pick, resolveField, toCsv, toTextTable } from '../../core/cli/output.js';
import { selectTargets } from '../../core/cli/targets.js';
import { EXIT, type CliExit } from '../../core/cli/exit-codes.js';

function record(overrides: Partial<DeviceRecord>): DeviceRecord {
  return {
    ...EMPTY_IDENTITY,
    id: `udid:${overrides.udid ?? 'x'}`,
    state: 'ready',
    instruction: 'Ready.',
    mode: 'normal',
    slot: '1-2',
    locationId: 0x10002,
    connectionType: 'usb',
    flapping: false,
    errorCode: null,
    errorMessage: null,
    attachedAt: null,
    updatedAt: '2026-11-21T00:00:00.000Z',
    ...overrides,
  };
}

const phone = record({ udid: '00008110-000A1B2C3D4E5F60', ecid: '2842017541898080', serialNumber: 'G7K2XH4N9Q', deviceName: 'Zoë’s iPhone, "work"', marketingName: 'iPhone 13 Pro' });
const pad = record({ udid: 'a'.repeat(40), ecid: '42', serialNumber: 'DMPXK1ABCDEF', state: 'locked', instruction: 'Unlock the device with its passcode.' });

describe('device selection', () => {
  it('picks by UDID (in either case) or by ECID typed in hex', () => {
    expect(selectTargets([phone, pad], { udid: [pad.udid!] })).toEqual([pad]);
    expect(selectTargets([phone, pad], { udid: [phone.udid!.toLowerCase()] })).toEqual([phone]);
    expect(selectTargets([phone, pad], { ecid: ['0x2A'] })).toEqual([pad]);
  });

  it('refuses to guess between several devices', () => {
    expect(() => selectTargets([phone, pad], {})).toThrow(expect.objectContaining({ code: EXIT.USAGE }) as CliExit);
    expect(selectTargets([phone, pad], { foreach: true })).toHaveLength(2);
  });

  it('says which requested device is not connected', () => {
    expect(() => selectTargets([phone], { udid: ['nope'] })).toThrow(/Not connected: UDID nope/);
    expect(() => selectTargets([], {})).toThrow(expect.objectContaining({ code: EXIT.NO_DEVICE }) as CliExit);
  });
});

describe('output formats', () => {
  it('CSV quotes names with commas and quotes so a spreadsheet reads them back intact', () => {
    const rows = parse(toCsv([phone, pad], ALL_FIELDS), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]!.deviceName).toBe('Zoë’s iPhone, "work"');
    expect(rows[1]!.state).toBe('locked');
    expect(Object.keys(rows[0]!).slice(0, 3)).toEqual(['udid', 'ecid', 'serialNumber']);
  });

  it('the text table tells the technician what to do with a device that is not ready', () => {
    const text = toTextTable([phone, pad]);
    expect(text.split('\n')[0]).toMatch(/^SLOT\s+STATE\s+NAME/);
    expect(text).toContain('→ Unlock the device with its passcode.');
    expect(text).not.toContain('→ Ready.');
    expect(toTextTable([])).toMatch(/No devices connected/);
  });

  it('field names are matched whatever their case', () => {
    expect(resolveField('SerialNumber')).toBe('serialNumber');
    expect(resolveField('ECID')).toBe('ecid');
    expect(resolveField('nonsense')).toBeUndefined();
    expect(Object.keys(pick(phone, ['serialNumber', 'ecid']))).toEqual(['serialNumber', 'ecid']);
  });
});
