/**
 * A usbmuxd client for the device list and attach/detach events.
 *
 * Why not libusbmuxd through koffi: its `usbmuxd_device_info_t` drops the
 * `LocationID` usbmuxd sends in each device's Properties, and the physical
 * port is how the bench maps a device to a slot. The wire protocol is small
 * (native/usbmuxd/protocol.ts); lockdown, pairing and TLS stay with
 * libimobiledevice. The address follows libusbmuxd's `USBMUXD_SOCKET_ADDRESS`
 * convention so both always talk to the same daemon.
 */
import net from 'node:net';
import type { DeviceMux, MuxDevice, MuxEvent, MuxListener, Subscription } from '../../core/devices/ports.js';
import type { PlistDict } from '../../core/devices/identity.js';
import { ProtocolError, UsbmuxdUnavailableError } from '../../core/devices/errors.js';
import { encodeMuxFrame, formatMuxAddress, MuxFrameDecoder, parseMuxAddress, type MuxAddress, type MuxFrame } from './protocol.js';
import { isDict } from '../plist/codec.js';

const CLIENT_VERSION = 'benchline';
/** libusbmuxd's protocol version for plist messages. */
const LIBUSBMUX_VERSION = 3;

function requestPayload(messageType: string, extra: PlistDict = {}): PlistDict {
  return { MessageType: messageType, ClientVersionString: CLIENT_VERSION, ProgName: 'benchline', kLibUSBMuxVersion: LIBUSBMUX_VERSION, ...extra };
}

function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

/** Turns an `Attached` message (or a DeviceList entry) into a MuxDevice. */
export function muxDeviceFromMessage(message: PlistDict): MuxDevice {
  const props = isDict(message.Properties) ? message.Properties : {};
  const muxId = asNumber(message.DeviceID ?? props.DeviceID);
  const udid = props.SerialNumber;
  if (muxId === null || typeof udid !== 'string') throw new ProtocolError('usbmuxd announced a device without DeviceID or SerialNumber');
  return {
    muxId,
    udid,
    connectionType: props.ConnectionType === 'Network' ? 'network' : 'usb',
    locationId: asNumber(props.LocationID),
    productId: asNumber(props.ProductID),
  };
}

export class UsbmuxdClient implements DeviceMux {
  private readonly target: MuxAddress;
  readonly address: string;

  constructor(address: string | undefined = process.env.USBMUXD_SOCKET_ADDRESS, private readonly timeoutMs = 5000) {
    this.target = parseMuxAddress(address);
    this.address = formatMuxAddress(this.target);
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.target.kind === 'unix' ? net.createConnection(this.target.path) : net.createConnection(this.target.port, this.target.host);
      const fail = (error: Error): void => {
        socket.destroy();
        reject(new UsbmuxdUnavailableError(this.address, error));
      };
      socket.once('error', fail);
      socket.setTimeout(this.timeoutMs, () => fail(new Error('connection timed out')));
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }

  /** One request on a fresh connection; resolves with the reply whose tag matches. */
  private async request(messageType: string, extra?: PlistDict): Promise<PlistDict> {
    const socket = await this.connect();
    const tag = 1;
    return new Promise<PlistDict>((resolve, reject) => {
      const decoder = new MuxFrameDecoder();
      let settled = false;
      const done = (error: Error | null, reply?: PlistDict): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      // A timer of its own: a socket timeout is cleared when the socket closes, and a
      // daemon that hangs up without answering must not leave the caller waiting forever.
      const timer = setTimeout(() => done(new UsbmuxdUnavailableError(this.address, new Error(`no answer to ${messageType}`))), this.timeoutMs);
      socket.on('error', (error) => done(new UsbmuxdUnavailableError(this.address, error)));
      socket.on('close', () => done(new UsbmuxdUnavailableError(this.address, new Error(`usbmuxd closed the connection without answering ${messageType}`))));
      socket.on('data', (chunk: Buffer) => {
        let frames: MuxFrame[];
        try {
          frames = decoder.push(chunk);
        } catch (error) {
          done(error as Error);
          return;
        }
        const reply = frames.find((frame) => frame.tag === tag);
        if (reply) done(null, reply.payload);
      });
      socket.write(encodeMuxFrame(tag, requestPayload(messageType, extra)));
    });
  }

  async listDevices(): Promise<MuxDevice[]> {
    const reply = await this.request('ListDevices');
    const list = reply.DeviceList;
    if (!Array.isArray(list)) throw new ProtocolError('usbmuxd ListDevices reply has no DeviceList');
    // One entry usbmuxd got wrong must not hide the devices it got right.
    return list.filter(isDict).flatMap((entry) => {
      try {
        return [muxDeviceFromMessage(entry)];
      } catch {
        return [];
      }
    });
  }

  async listen(listener: MuxListener): Promise<Subscription> {
    const socket = await this.connect();
    const decoder = new MuxFrameDecoder();
    let closedByUs = false;
    let confirmed = false;

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new UsbmuxdUnavailableError(this.address, new Error('no answer to Listen'))), this.timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        if (!confirmed) {
          socket.destroy();
          reject(error);
          return;
        }
        if (!closedByUs) {
          closedByUs = true;
          socket.destroy();
          listener.onClosed(error);
        }
      };
      socket.on('error', (error) => fail(new UsbmuxdUnavailableError(this.address, error)));
      socket.on('close', () => fail(new UsbmuxdUnavailableError(this.address, new Error('usbmuxd closed the connection'))));
      socket.on('data', (chunk: Buffer) => {
        let frames: MuxFrame[];
        try {
          frames = decoder.push(chunk);
        } catch (error) {
          // The stream itself is broken (bad framing): it cannot be resynchronised.
          fail(error as Error);
          return;
        }
        for (const frame of frames) {
          if (!confirmed) {
            // The first frame answers Listen: Result 0, then events follow.
            if (frame.payload.MessageType === 'Result' && asNumber(frame.payload.Number) !== 0) {
              fail(new ProtocolError(`usbmuxd refused Listen (result ${String(frame.payload.Number)})`));
              return;
            }
            confirmed = true;
            clearTimeout(timer);
            resolve();
            if (frame.payload.MessageType === 'Result') continue;
          }
          // A well-framed message with a bad body is skipped: the next one may be fine.
          let event: MuxEvent | null;
          try {
            event = eventFromMessage(frame.payload);
          } catch {
            continue;
          }
          if (event) listener.onEvent(event);
        }
      });
      socket.write(encodeMuxFrame(1, requestPayload('Listen')));
    });

    return {
      close: () => {
        closedByUs = true;
        socket.destroy();
      },
    };
  }
}

function eventFromMessage(message: PlistDict): MuxEvent | null {
  switch (message.MessageType) {
    case 'Attached':
      return { kind: 'attached', device: muxDeviceFromMessage(message) };
    case 'Detached': {
      const muxId = asNumber(message.DeviceID);
      return muxId === null ? null : { kind: 'detached', muxId };
    }
    case 'Paired': {
      const muxId = asNumber(message.DeviceID);
      return muxId === null ? null : { kind: 'paired', muxId };
    }
    default:
      return null;
  }
}
