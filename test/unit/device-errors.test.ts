import { describe, expect, it } from 'vitest';
import { LockdownError, lockdownErrorName } from '../../core/devices/errors.js';
import { ecidToString, parseEcid } from '../../core/devices/identity.js';
import { marketingNameFor } from '../../core/devices/catalog.js';

describe('lockdown errors carry what the technician must do', () => {
  it.each([
    [-17, 'PasswordProtected', /unlock the device with its passcode/i],
    [-19, 'PairingDialogResponsePending', /tap "Trust"/i],
    [-18, 'UserDeniedPairing', /declined.*plug it back in/i],
    [-21, 'InvalidHostID', /re-pair/i],
  ])('libimobiledevice code %i is %s with an instruction', (code, name, instruction) => {
    const error = LockdownError.fromCode(code, 'Pair');
    expect(error.lockdownName).toBe(name);
    expect(error.code).toBe(name);
    expect(error.instruction).toMatch(instruction);
    expect(error.message).toContain(`${name} (${code})`);
  });

  it('maps codes it does not know to UnknownError, still with an instruction', () => {
    expect(lockdownErrorName(-999)).toBe('UnknownError');
    expect(LockdownError.fromCode(-999).instruction).toMatch(/plug it back in/);
  });
});

describe('ECIDs', () => {
  it('keep all 64 bits as decimal strings, including libplist signed values', () => {
    expect(ecidToString(0x1a2c3e3a12802en)).toBe('7366995168362542');
    expect(ecidToString(-1n)).toBe('18446744073709551615');
    expect(ecidToString(12345)).toBe('12345');
    expect(ecidToString('not a number')).toBeNull();
  });

  it('are accepted as a technician types them: decimal or 0x hex', () => {
    expect(parseEcid('0x1A2C3E3A12802E')).toBe('7366995168362542');
    expect(parseEcid(' 7366995168362542 ')).toBe('7366995168362542');
    expect(parseEcid('1A2C')).toBeNull();
  });
});

describe('marketing names', () => {
  it('turn ProductType into what is printed on the box', () => {
    expect(marketingNameFor('iPhone14,2')).toBe('iPhone 13 Pro');
    expect(marketingNameFor('iPad13,18')).toBe('iPad (10th generation)');
    expect(marketingNameFor('iPhone99,9')).toBe('iPhone99,9');
    expect(marketingNameFor(null)).toBeNull();
  });
});
