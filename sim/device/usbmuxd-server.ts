/**
 * The usbmuxd side of the simulator: a Unix-socket server speaking the plist
 * protocol (see native/usbmuxd/protocol.ts for the framing). It answers
 * device lists and pair-record storage itself and hands Connect-ed sockets
 * to the simulator, which plays the device.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { PlistDict } from '../../core/devices/identity.js';
import { MuxFrameDecoder, MuxResult, encodeMuxFrame } from '../../native/usbmuxd/protocol.js';
import type { MuxFrame } from '../../native/usbmuxd/protocol.js';
import type { SimDevice } from './device.js';

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
    const frame = encodeMuxFrame(0, message);
    for (const socket of this.listeners) socket.write(frame);
  }

  private accept(socket: Socket): void {
    this.clients.add(socket);
    const decoder = new MuxFrameDecoder();
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
    const reply = (message: PlistDict): void => {
      socket.write(encodeMuxFrame(tag, message));
    };
    const udid = typeof payload.PairRecordID === 'string' ? payload.PairRecordID : null;
    this.trace?.(`usbmuxd ${String(payload.MessageType)}${udid ? ` ${udid}` : ''}${typeof payload.DeviceID === 'number' ? ` device ${payload.DeviceID}` : ''}`);
    switch (payload.MessageType) {
      case 'ListDevices':
        reply({ DeviceList: this.backend.attachedDevices().map(attachedMessage) });
        return false;
      case 'Listen':
        reply(result(MuxResult.OK));
        this.listeners.add(socket);
        for (const device of this.backend.attachedDevices()) socket.write(encodeMuxFrame(0, attachedMessage(device)));
        return false;
      case 'ReadBUID':
        reply({ BUID: this.backend.systemBuid });
        return false;
      case 'ReadPairRecord': {
        const record = udid === null ? undefined : this.backend.readPairRecord(udid);
        // Never a reply without both PairRecordData and a nonzero Number: libimobiledevice 1.3.0 crashes on it.
        reply(record ? { PairRecordData: record } : result(MuxResult.BADDEV));
        return false;
      }
      case 'SavePairRecord': {
        const data = payload.PairRecordData;
        if (udid === null || !(data instanceof Uint8Array)) {
          reply(result(MuxResult.BADCOMMAND));
          return false;
        }
        this.backend.savePairRecord(udid, Buffer.from(data));
        reply(result(MuxResult.OK));
        const deviceId = typeof payload.DeviceID === 'number' ? payload.DeviceID : this.backend.deviceByUdid(udid)?.muxId;
        if (deviceId) this.broadcast({ MessageType: 'Paired', DeviceID: deviceId });
        return false;
      }
      case 'DeletePairRecord':
        if (udid !== null) this.backend.deletePairRecord(udid);
        reply(result(udid === null ? MuxResult.BADCOMMAND : MuxResult.OK));
        return false;
      case 'Connect':
        return this.connect(socket, payload, reply, release);
      default:
        reply(result(MuxResult.BADCOMMAND));
        return false;
    }
  }

  private connect(socket: Socket, payload: PlistDict, reply: (message: PlistDict) => void, release: () => Buffer): boolean {
    const deviceId = typeof payload.DeviceID === 'number' ? payload.DeviceID : -1;
    const device = this.backend.deviceByMuxId(deviceId);
    if (!device) {
      reply(result(MuxResult.BADDEV));
      return false;
    }
    const port = swapPort(typeof payload.PortNumber === 'number' ? payload.PortNumber : 0);
    const accept = this.backend.acceptorFor(device, port);
    if (!accept) {
      reply(result(MuxResult.CONNREFUSED));
      return false;
    }
    // After Result 0 the socket is a raw pipe to the device: stop parsing mux frames first.
    const initial = release();
    reply(result(MuxResult.OK));
    accept(socket, initial);
    return true;
  }
}
