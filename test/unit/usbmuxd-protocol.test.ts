import { describe, expect, it } from 'vitest';
import { encodeMuxFrame, MuxFrameDecoder, parseMuxAddress, formatMuxAddress } from '../../native/usbmuxd/protocol.js';
import { muxDeviceFromMessage } from '../../native/usbmuxd/client.js';
import { ProtocolError } from '../../core/devices/errors.js';

describe('usbmuxd frames', () => {
  it('round-trips a plist message with a little-endian header that counts itself', () => {
    const frame = encodeMuxFrame(7, { MessageType: 'ListDevices', kLibUSBMuxVersion: 3 });
    expect(frame.readUInt32LE(0)).toBe(frame.length);
    expect(frame.readUInt32LE(4)).toBe(1);
    expect(frame.readUInt32LE(8)).toBe(8);
    expect(frame.readUInt32LE(12)).toBe(7);
    expect(frame.subarray(16, 21).toString()).toBe('<?xml');
    const [decoded] = new MuxFrameDecoder().push(frame);
    expect(decoded).toEqual({ tag: 7, message: 8, payload: { MessageType: 'ListDevices', kLibUSBMuxVersion: 3 } });
  });

  it('reassembles frames split across reads and several frames in one read', () => {
    const a = encodeMuxFrame(1, { MessageType: 'Result', Number: 0 });
    const b = encodeMuxFrame(0, { MessageType: 'Detached', DeviceID: 4 });
    const decoder = new MuxFrameDecoder();
    const bytes = Buffer.concat([a, b]);
    const seen = [];
    for (let i = 0; i < bytes.length; i += 5) seen.push(...decoder.push(bytes.subarray(i, i + 5)));
    expect(seen.map((f) => f.payload.MessageType)).toEqual(['Result', 'Detached']);
  });

  it('keeps bytes after the last frame for the device pipe', () => {
    const decoder = new MuxFrameDecoder();
    decoder.push(Buffer.concat([encodeMuxFrame(1, { Number: 0 }), Buffer.from([0, 0, 0, 9])]));
    expect([...decoder.takeRemainder()]).toEqual([0, 0, 0, 9]);
  });

  it('rejects a frame of impossible length instead of waiting forever', () => {
    const garbage = Buffer.alloc(16);
    garbage.writeUInt32LE(3, 0);
    expect(() => new MuxFrameDecoder().push(garbage)).toThrow(ProtocolError);
  });

  it('rejects a body that is not a plist', () => {
    const body = Buffer.from('not a plist at all');
    const header = Buffer.alloc(16);
    header.writeUInt32LE(16 + body.length, 0);
    header.writeUInt32LE(1, 4);
    header.writeUInt32LE(8, 8);
    expect(() => new MuxFrameDecoder().push(Buffer.concat([header, body]))).toThrow(ProtocolError);
  });

  it('reads the physical port (LocationID) and UDID from an Attached message', () => {
    const device = muxDeviceFromMessage({
      MessageType: 'Attached',
      DeviceID: 12,
      Properties: { ConnectionType: 'USB', DeviceID: 12, LocationID: (3 << 16) | 7, ProductID: 0x12a8, SerialNumber: '00008030-001A2C3E3A12802E' },
    });
    expect(device).toEqual({ muxId: 12, udid: '00008030-001A2C3E3A12802E', connectionType: 'usb', locationId: 0x30007, productId: 0x12a8 });
  });
});

describe('USBMUXD_SOCKET_ADDRESS', () => {
  it('follows libusbmuxd: UNIX:/path, host:port, [v6]:port, default system socket', () => {
    expect(parseMuxAddress(undefined)).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(parseMuxAddress('UNIX:/tmp/sim.sock')).toEqual({ kind: 'unix', path: '/tmp/sim.sock' });
    expect(parseMuxAddress('127.0.0.1:27015')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(parseMuxAddress('[::1]:27015')).toEqual({ kind: 'tcp', host: '::1', port: 27015 });
    expect(formatMuxAddress(parseMuxAddress('UNIX:/tmp/x'))).toBe('UNIX:/tmp/x');
  });

  it('falls back to the system socket wherever libusbmuxd does, so both halves of the bench reach the same daemon', () => {
    const system = { kind: 'unix', path: '/var/run/usbmuxd' };
    for (const text of ['/tmp/forgot-the-prefix', 'UNIX:', 'localhost', 'localhost:0', 'localhost:65536', 'localhost:27015x', ':27015', 'garbage']) {
      expect(parseMuxAddress(text), text).toEqual(system);
    }
    expect(parseMuxAddress('fe80::1:27015')).toEqual({ kind: 'tcp', host: 'fe80::1', port: 27015 }); // last colon, like libusbmuxd
  });
});
