/**
 * The usbmuxd client against a usbmuxd that misbehaves: hangs up without
 * answering, sends a message it got wrong. The bench must answer with a clear
 * error or carry on, never hang or crash.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsbmuxdUnavailableError } from '../../core/devices/errors.js';
import type { MuxEvent } from '../../core/devices/ports.js';
import type { PlistDict } from '../../core/devices/identity.js';
import { UsbmuxdClient } from '../../native/usbmuxd/client.js';
import { encodeMuxFrame, MuxFrameDecoder } from '../../native/usbmuxd/protocol.js';

let server: net.Server | null = null;
let dir = '';

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fake usbmuxd: `answer` decides, per request, what goes back on the socket. */
async function fakeUsbmuxd(answer: (request: PlistDict, socket: net.Socket, tag: number) => void): Promise<string> {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-mux-'));
  const socketPath = path.join(dir, 'usbmuxd.sock');
  server = net.createServer((socket) => {
    const decoder = new MuxFrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) answer(frame.payload, socket, frame.tag);
    });
  });
  await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  return `UNIX:${socketPath}`;
}

const attached = (id: number, udid?: string): PlistDict => ({
  MessageType: 'Attached',
  DeviceID: id,
  Properties: { ConnectionType: 'USB', DeviceID: id, LocationID: 0x10000 + id, ProductID: 0x12a8, ...(udid ? { SerialNumber: udid } : {}) },
});

describe('a usbmuxd that hangs up without answering', () => {
  it('fails ListDevices at once with a clear error instead of waiting forever', async () => {
    const address = await fakeUsbmuxd((_request, socket) => socket.end());
    // A 60 s client timeout: only reacting to the hang-up itself finishes within the test's time limit.
    const error = await new UsbmuxdClient(address, 60_000).listDevices().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsbmuxdUnavailableError);
    expect((error as Error).message).toMatch(/closed the connection without answering ListDevices/);
  });

  it('fails ListDevices after the timeout when usbmuxd accepts and never answers', async () => {
    const address = await fakeUsbmuxd(() => undefined);
    await expect(new UsbmuxdClient(address, 200).listDevices()).rejects.toThrow(/no answer to ListDevices/);
  });

  it('fails Listen after the timeout when usbmuxd never confirms it', async () => {
    const address = await fakeUsbmuxd(() => undefined);
    await expect(new UsbmuxdClient(address, 200).listen({ onEvent: () => undefined, onClosed: () => undefined })).rejects.toThrow(/no answer to Listen/);
  });
});

describe('a message usbmuxd got wrong', () => {
  it('is skipped on the Listen stream; the devices after it still arrive', async () => {
    const address = await fakeUsbmuxd((request, socket, tag) => {
      if (request.MessageType !== 'Listen') return;
      socket.write(encodeMuxFrame(tag, { MessageType: 'Result', Number: 0 }));
      socket.write(encodeMuxFrame(0, attached(1))); // no SerialNumber (UDID)
      socket.write(encodeMuxFrame(0, attached(2, '00008030-001A2C3E3A12802E')));
    });
    const events: MuxEvent[] = [];
    const subscription = await new UsbmuxdClient(address).listen({ onEvent: (event) => events.push(event), onClosed: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscription.close();
    expect(events).toEqual([{ kind: 'attached', device: { muxId: 2, udid: '00008030-001A2C3E3A12802E', connectionType: 'usb', locationId: 0x10002, productId: 0x12a8 } }]);
  });

  it('does not hide the other devices of a ListDevices reply', async () => {
    const address = await fakeUsbmuxd((_request, socket, tag) => {
      socket.write(encodeMuxFrame(tag, { DeviceList: [attached(1), attached(2, 'a'.repeat(40))] }));
    });
    const devices = await new UsbmuxdClient(address).listDevices();
    expect(devices.map((device) => device.udid)).toEqual(['a'.repeat(40)]);
  });
});

