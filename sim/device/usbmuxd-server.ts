/**
 * The usbmuxd side of the simulator: a Unix-socket server speaking the plist
 * protocol (see native/usbmuxd/protocol.ts for the framing). It answers
 * device lists and pair-record storage itself and hands Connect-ed sockets
 * to the simulator, which plays the device.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { PlistDict } from '../../core/devices/identity.js';
import { frameMuxBody as muxFrame, MuxFrameDecoder, MuxResult, type MuxFrame } from '../../native/usbmuxd/protocol.js';
import type { SimDevice } from './device.js';
import { encodeXmlPlist, parseRequestPlist } from './plist-wire.js';

/** What the mux server needs from the simulator. */
export interface MuxBackend {
  attachedDevices(): SimDevice[];
  deviceByMuxId(id: number): SimDevice | undefined;
  deviceByUdid(udid: string): SimDevice | undefined;
  readonly systemBuid: string;
  readPairRecord(udid: string): Buffer | undefined;
  savePairRecord(udid: string, record: Buffer): void;
  deletePairRecord(udid: string): void;
  /** Who takes over a connection to `port` on `device`; null = nothing listens there. */
  acceptorFor(device: SimDevice, port: number): ((socket: Socket, initial: Buffer) => void) | null;
}

export function attachedMessage(device: SimDevice): PlistDict {
  const id = device.identity;
  return {
    MessageType: 'Attached',
    DeviceID: device.muxId ?? 0,
    Properties: {
      ConnectionSpeed: 480_000_000,
      ConnectionType: 'USB',
      DeviceID: device.muxId ?? 0,
      LocationID: id.locationId,
      ProductID: id.productId,
      // usbmuxd's SerialNumber is the UDID, not the hardware serial.
      SerialNumber: id.udid,
    },
  };
}

function result(number: number): PlistDict {
  return { MessageType: 'Result', Number: number };
}

/** PortNumber travels in network byte order inside a little-endian field: 62078 arrives as 32498. */
function swapPort(value: number): number {
  return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
}

export class UsbmuxdServer {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private readonly listeners = new Set<Socket>();
  /*
   * Encoded bodies of replies that only change with the fleet. Every
   * libimobiledevice call starts with ListDevices (64 devices ≈ 28 KB of XML),
   * so re-encoding it per request was the simulator's biggest plist cost.
   * Entries are keyed by what they are made of, so they cannot go stale.
   */
  private deviceList: { key: string; body: Buffer } | null = null;
  private readonly attachedBodies = new WeakMap<SimDevice, { muxId: number | null; body: Buffer }>();
  private readonly pairRecordBodies = new WeakMap<Buffer, Buffer>();
  private readonly resultBodies = new Map<number, Buffer>();
  private buidBody: Buffer | null = null;

  constructor(
    private readonly backend: MuxBackend,
    private readonly trace?: (line: string) => void,
  ) {}

  listen(path: string): Promise<void> {
    const server = createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
    // A bench reads 64+ devices at once, each tool opening several connections.
    server.maxConnections = 4096;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.clients) socket.destroy();
    this.clients.clear();
    this.listeners.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends an unsolicited message (tag 0) to every Listen-ing client. */
  broadcast(message: PlistDict): void {
    this.broadcastBody(encodeXmlPlist(message));
  }

  /** Tells Listen-ing clients that `device` was plugged in. */
  broadcastAttached(device: SimDevice): void {
    this.broadcastBody(this.attachedBody(device));
  }

  private broadcastBody(body: Buffer): void {
    if (this.listeners.size === 0) return;
    const frame = muxFrame(0, body);
    for (const socket of this.listeners) socket.write(frame);
  }

  private attachedBody(device: SimDevice): Buffer {
    const cached = this.attachedBodies.get(device);
    // The message is the device's fixed identity plus its current DeviceID.
    if (cached && cached.muxId === device.muxId) return cached.body;
    const body = encodeXmlPlist(attachedMessage(device));
    this.attachedBodies.set(device, { muxId: device.muxId, body });
    return body;
  }

  private deviceListBody(): Buffer {
    const devices = this.backend.attachedDevices();
    // DeviceIDs are never reused, so the list of them names the attached devices and their order.
    const key = devices.map((device) => device.muxId).join(',');
    if (this.deviceList?.key !== key) {
      this.deviceList = { key, body: encodeXmlPlist({ DeviceList: devices.map(attachedMessage) }) };
    }
    return this.deviceList.body;
  }

  private resultBody(number: number): Buffer {
    let body = this.resultBodies.get(number);
    if (!body) {
      body = encodeXmlPlist(result(number));
      this.resultBodies.set(number, body);
    }
    return body;
  }

  private pairRecordBody(record: Buffer): Buffer {
    // A saved record replaces the Buffer, so a cached body never outlives its record.
    let body = this.pairRecordBodies.get(record);
    if (!body) {
      body = encodeXmlPlist({ PairRecordData: record });
      this.pairRecordBodies.set(record, body);
    }
    return body;
  }

  private accept(socket: Socket): void {
    this.clients.add(socket);
    const decoder = new MuxFrameDecoder(parseRequestPlist);
    const onData = (chunk: Buffer): void => {
      let frames: MuxFrame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const handedOver = this.handle(socket, frame, () => {
          socket.off('data', onData);
          this.clients.delete(socket);
          return decoder.takeRemainder();
        });
        if (handedOver) return;
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.clients.delete(socket);
      this.listeners.delete(socket);
    });
  }

  /** Returns true when the socket now belongs to a device (after a successful Connect). */
  private handle(socket: Socket, frame: MuxFrame, release: () => Buffer): boolean {
    const { tag, payload } = frame;
    const replyBody = (body: Buffer): void => {
      socket.write(muxFrame(tag, body));
    };
    const udid = typeof payload.PairRecordID === 'string' ? payload.PairRecordID : null;
    this.trace?.(`usbmuxd ${String(payload.MessageType)}${udid ? ` ${udid}` : ''}${typeof payload.DeviceID === 'number' ? ` device ${payload.DeviceID}` : ''}`);
    switch (payload.MessageType) {
      case 'ListDevices':
        replyBody(this.deviceListBody());
        return false;
      case 'Listen':
        replyBody(this.resultBody(MuxResult.OK));
        this.listeners.add(socket);
        for (const device of this.backend.attachedDevices()) socket.write(muxFrame(0, this.attachedBody(device)));
        return false;
      case 'ReadBUID':
        this.buidBody ??= encodeXmlPlist({ BUID: this.backend.systemBuid });
        replyBody(this.buidBody);
        return false;
      case 'ReadPairRecord': {
        const record = udid === null ? undefined : this.backend.readPairRecord(udid);
        // Never a reply without both PairRecordData and a nonzero Number: libimobiledevice 1.3.0 crashes on it.
        replyBody(record ? this.pairRecordBody(record) : this.resultBody(MuxResult.BADDEV));
        return false;
      }
      case 'SavePairRecord': {
        const data = payload.PairRecordData;
        if (udid === null || !(data instanceof Uint8Array)) {
          replyBody(this.resultBody(MuxResult.BADCOMMAND));
          return false;
        }
        this.backend.savePairRecord(udid, Buffer.from(data));
        replyBody(this.resultBody(MuxResult.OK));
        const deviceId = typeof payload.DeviceID === 'number' ? payload.DeviceID : this.backend.deviceByUdid(udid)?.muxId;
        if (deviceId) this.broadcast({ MessageType: 'Paired', DeviceID: deviceId });
        return false;
      }
      case 'DeletePairRecord':
        if (udid !== null) this.backend.deletePairRecord(udid);
        replyBody(this.resultBody(udid === null ? MuxResult.BADCOMMAND : MuxResult.OK));
        return false;
      case 'Connect':
        return this.connect(socket, payload, (number) => replyBody(this.resultBody(number)), release);
      default:
        replyBody(this.resultBody(MuxResult.BADCOMMAND));
        return false;
    }
  }

  private connect(socket: Socket, payload: PlistDict, reply: (result: number) => void, release: () => Buffer): boolean {
    const deviceId = typeof payload.DeviceID === 'number' ? payload.DeviceID : -1;
    const device = this.backend.deviceByMuxId(deviceId);
    if (!device) {
      reply(MuxResult.BADDEV);
      return false;
    }
    const port = swapPort(typeof payload.PortNumber === 'number' ? payload.PortNumber : 0);
    const accept = this.backend.acceptorFor(device, port);
    if (!accept) {
      reply(MuxResult.CONNREFUSED);
      return false;
    }
    // After Result 0 the socket is a raw pipe to the device: stop parsing mux frames first.
    const initial = release();
    reply(MuxResult.OK);
    accept(socket, initial);
    return true;
  }
}
