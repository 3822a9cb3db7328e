import { describe, expect, it } from 'vitest';
import { compareSlots, slotFor } from '../../core/devices/slots.js';
import { FlapDetector, flapKeys } from '../../core/devices/flapping.js';
import { ecidFromUdid, identityFromSnapshot, identityFromValues, lastingIdentity, recordIdFor } from '../../core/devices/identity-mapping.js';
import { readFailureFrom } from '../../core/devices/read-failure.js';
import { DeviceNotFoundError, LockdownError } from '../../core/devices/errors.js';
import { EMPTY_IDENTITY } from '../../core/devices/identity.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';

describe('slotFor', () => {
  it('prefers the USB port path', () => {
    expect(slotFor((1 << 16) | 7, '1-3.2')).toBe('1-3.2');
  });
  it('falls back to bus-address from usbmuxd\'s LocationID', () => {
    expect(slotFor((1 << 16) | 7)).toBe('1-7');
    expect(slotFor((3 << 16) | 0x1f)).toBe('3-31');
  });
  it('has no slot without a location (0 is what network devices report)', () => {
    expect(slotFor(null)).toBeNull();
    expect(slotFor(undefined, null)).toBeNull();
    expect(slotFor(0)).toBeNull();
  });
  it('orders slots numerically, unknown last', () => {
    expect(['1-10', null, '1-9', '1-3.10', '1-3.2'].sort(compareSlots)).toEqual(['1-3.2', '1-3.10', '1-9', '1-10', null]);
  });
});

describe('FlapDetector', () => {
  it('flags a key at the threshold within the window, not before', () => {
    const detector = new FlapDetector(10_000, 20);
    const results = Array.from({ length: 20 }, (_, i) => detector.recordAttach('slot:1-7', i * 400));
    expect(results.slice(0, 19).every((flag) => !flag)).toBe(true);
    expect(results[19]).toBe(true);
  });
  it('does not flag 20 attaches spread over more than the window', () => {
    const detector = new FlapDetector(10_000, 20);
    const results = Array.from({ length: 20 }, (_, i) => detector.recordAttach('slot:1-7', i * 600));
    expect(results.some(Boolean)).toBe(false);
  });
  it('clears only after a full quiet window since the last attach', () => {
    const detector = new FlapDetector(10_000, 3);
    [0, 100, 200].forEach((t) => detector.recordAttach('k', t));
    expect(detector.nextClearAt()).toBe(10_200);
    expect(detector.isFlapping('k', 10_199)).toBe(true);
    expect(detector.isFlapping('k', 10_200)).toBe(false);
    expect(detector.nextClearAt()).toBeNull();
    detector.prune(20_000);
    expect(detector.isFlapping('k', 20_000)).toBe(false);
  });
  it('counts a device by slot and by each identity', () => {
    expect(flapKeys({ slot: '1-7', udid: 'U', ecid: '5' })).toEqual(['slot:1-7', 'udid:U', 'ecid:5']);
    expect(flapKeys({ slot: null })).toEqual([]);
  });
});

describe('identity mapping', () => {
  it('maps lockdown keys to the record fields scripts read', () => {
    expect(
      identityFromSnapshot({
        values: {
          UniqueDeviceID: 'U',
          UniqueChipID: 0x1an,
          SerialNumber: 'F2LX',
          ProductType: 'iPhone12,8',
          HardwareModel: 'D79AP',
          ProductVersion: '17.6.1',
          BuildVersion: '21G93',
          DeviceName: 'Bench 2',
          DeviceClass: 'iPhone',
          InternationalMobileEquipmentIdentity: '3567',
          WiFiAddress: 'aa:bb',
          ActivationState: 'Unactivated',
          PasswordProtected: false,
        },
        domains: {
          'com.apple.mobile.battery': { BatteryCurrentCapacity: 101, BatteryIsCharging: false },
          'com.apple.disk_usage': { TotalDiskCapacity: 64n * 10n ** 9n, TotalDataAvailable: 12 },
        },
      }),
    ).toEqual({
      udid: 'U',
      ecid: '26',
      serialNumber: 'F2LX',
      productType: 'iPhone12,8',
      marketingName: 'iPhone SE (2nd generation)',
      hardwareModel: 'D79AP',
      productVersion: '17.6.1',
      buildVersion: '21G93',
      deviceName: 'Bench 2',
      deviceClass: 'iPhone',
      imei: '3567',
      wifiAddress: 'aa:bb',
      activationState: 'Unactivated',
      passwordProtected: false,
      batteryLevel: 100,
      batteryCharging: false,
      totalDiskCapacity: 64_000_000_000,
      totalDataAvailable: 12,
    });
  });
  it('leaves out what the answer did not contain, and shows unknown models by ProductType', () => {
    expect(identityFromValues({ ProductType: 'iPhone99,9', SerialNumber: '' })).toEqual({ productType: 'iPhone99,9', marketingName: 'iPhone99,9' });
    expect(identityFromSnapshot({ values: {}, domains: {} })).toEqual({});
  });
  it('reads the ECID out of a new-format UDID and not out of an old one', () => {
    expect(ecidFromUdid('00008030-001A2C3E3A12802E')).toBe('7366995168362542');
    expect(ecidFromUdid('a1b2c3d4e5f60718293a4b5c6d7e8f9012345678')).toBeNull();
  });
  it('keeps only lasting fields across a mode change', () => {
    expect(lastingIdentity({ ...EMPTY_IDENTITY, serialNumber: 'S', batteryLevel: 50, productVersion: '17.0' })).toEqual({ serialNumber: 'S' });
  });
  it('names records by ECID, else UDID, else port', () => {
    expect(recordIdFor({ ecid: '5', udid: 'U' })).toBe('ecid:5');
    expect(recordIdFor({ ecid: null, udid: 'U' })).toBe('udid:U');
    expect(recordIdFor({ ecid: null, portPath: '1-2' })).toBe('usb:1-2');
  });
});

describe('what a failed read means', () => {
  it.each([
    ['PairingDialogResponsePending', 'needs-trust', true],
    ['UserDeniedPairing', 'trust-declined', false],
    ['PasswordProtected', 'locked', true],
    ['EscrowLocked', 'locked', true],
  ] as const)('%s → %s (retried: %s)', (name, state, retry) => {
    const failure = readFailureFrom(new LockdownError(name));
    expect(failure).toMatchObject({ retry, status: { state, instruction: STATE_INSTRUCTIONS[state], errorCode: name } });
  });
  it('other errors keep their own instruction', () => {
    expect(readFailureFrom(new LockdownError('FMiPProtected')).status).toMatchObject({ state: 'error', errorCode: 'FMiPProtected', instruction: expect.stringContaining('Find My') });
    expect(readFailureFrom(new DeviceNotFoundError('U')).status).toMatchObject({ state: 'error', errorCode: 'DeviceNotFound' });
    expect(readFailureFrom(new TypeError('boom')).status).toMatchObject({ state: 'error', errorCode: 'UnknownError', errorMessage: 'boom', instruction: STATE_INSTRUCTIONS.error });
  });
});
