import { describe, expect, it } from 'vitest';
import { parseAppleSerial } from '../../native/usb/serial-string.js';
import { appleUsbMode } from '../../native/usb/apple-usb.js';

describe('the iSerial string of a device in Recovery or DFU', () => {
  it('yields the ECID in decimal (the form lockdown reports as UniqueChipID) and the chip ID', () => {
    const info = parseAppleSerial('CPID:8030 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:001A2C3E3A12802E IBFL:3C SRTG:[iBoot-7459.0.0]');
    expect(info.ecid).toBe(BigInt('0x001A2C3E3A12802E').toString(10));
    expect(info.ecid).toBe('7366995168362542');
    expect(info.cpid).toBe(0x8030);
    expect(info.fields).toMatchObject({ BDID: '0C', SRTG: '[iBoot-7459.0.0]' });
  });

  it('keeps ECIDs above 2^53 exact', () => {
    expect(parseAppleSerial('CPID:8110 ECID:FFFFFFFFFFFFFFFF').ecid).toBe('18446744073709551615');
  });

  it('gives no ECID for a missing, empty or malformed serial instead of guessing', () => {
    expect(parseAppleSerial('')).toMatchObject({ ecid: null, cpid: null });
    expect(parseAppleSerial('CPID:8030 ECID:nothex').ecid).toBeNull();
    expect(parseAppleSerial('ECID:00112233445566778899').ecid).toBeNull();
  });
});

describe('which Apple USB devices the watcher cares about', () => {
  it('Recovery is 0x1280–0x1283, DFU is 0x1227 and WTF 0x1222 counts as DFU', () => {
    expect([0x1280, 0x1281, 0x1282, 0x1283].map((pid) => appleUsbMode(0x05ac, pid))).toEqual(['recovery', 'recovery', 'recovery', 'recovery']);
    expect(appleUsbMode(0x05ac, 0x1227)).toBe('dfu');
    expect(appleUsbMode(0x05ac, 0x1222)).toBe('dfu');
  });

  it('ignores normal-mode devices (usbmuxd has them) and other vendors', () => {
    expect(appleUsbMode(0x05ac, 0x12a8)).toBeNull();
    expect(appleUsbMode(0x05ac, 0x1284)).toBeNull();
    expect(appleUsbMode(0x1234, 0x1227)).toBeNull();
  });
});
