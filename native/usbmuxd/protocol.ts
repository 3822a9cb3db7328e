/**
 * usbmuxd's wire format (plist protocol, version 1): a 16-byte little-endian
 * header {length incl. header, version, message, tag} followed by an XML plist.
 * Used by the bench's usbmuxd client and by the simulator's server.
 */
import type { PlistDict } from '../../core/devices/identity.js';
import { parsePlistDict, toXmlPlist } from '../plist/codec.js';
import { ProtocolError } from '../../core/devices/errors.js';

export const USBMUXD_HEADER_SIZE = 16;
export const USBMUXD_VERSION_PLIST = 1;
export const USBMUXD_MESSAGE_PLIST = 8;
/** Refuse absurd frames instead of buffering them forever. */
const MAX_FRAME = 16 * 1024 * 1024;

export const MuxResult = { OK: 0, BADCOMMAND: 1, BADDEV: 2, CONNREFUSED: 3, BADVERSION: 6 } as const;

export interface MuxFrame {
  tag: number;
  message: number;
  payload: PlistDict;
}

/**
 * A frame around an already-encoded XML plist body, in one buffer so that a
 * peer reading the header with a single recv gets it whole.
 */
export function frameMuxBody(tag: number, body: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(USBMUXD_HEADER_SIZE + body.length);
  frame.writeUInt32LE(USBMUXD_HEADER_SIZE + body.length, 0);
  frame.writeUInt32LE(USBMUXD_VERSION_PLIST, 4);
  frame.writeUInt32LE(USBMUXD_MESSAGE_PLIST, 8);
  frame.writeUInt32LE(tag, 12);
  body.copy(frame, USBMUXD_HEADER_SIZE);
  return frame;
}

export function encodeMuxFrame(tag: number, payload: PlistDict): Buffer {
  return frameMuxBody(tag, toXmlPlist(payload));
}

/** Accumulates stream chunks and yields whole frames. */
export class MuxFrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** `parseBody` lets a server that sees the same requests all day cache their parsing. */
  constructor(private readonly parseBody: (body: Buffer) => PlistDict = parsePlistDict) {}

  push(chunk: Buffer): MuxFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: MuxFrame[] = [];
    while (this.buffered.length >= USBMUXD_HEADER_SIZE) {
      const length = this.buffered.readUInt32LE(0);
      if (length < USBMUXD_HEADER_SIZE || length > MAX_FRAME) throw new ProtocolError(`usbmuxd frame of impossible length ${length}`);
      if (this.buffered.length < length) break;
      const version = this.buffered.readUInt32LE(4);
      const message = this.buffered.readUInt32LE(8);
      const tag = this.buffered.readUInt32LE(12);
      const body = this.buffered.subarray(USBMUXD_HEADER_SIZE, length);
      this.buffered = this.buffered.subarray(length);
      if (version !== USBMUXD_VERSION_PLIST || message !== USBMUXD_MESSAGE_PLIST) {
        throw new ProtocolError(`usbmuxd frame with unsupported version ${version} / message ${message}`);
      }
      frames.push({ tag, message, payload: this.parseBody(body) });
    }
    return frames;
  }

  /** Bytes received after the last whole frame (after a Connect they belong to the device). */
  takeRemainder(): Buffer {
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }
}

/** libusbmuxd's socket address convention: `UNIX:/path` or `host:port` (`[v6]:port`). */
export type MuxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export const DEFAULT_USBMUXD_SOCKET = '/var/run/usbmuxd';

export function parseMuxAddress(text: string | undefined): MuxAddress {
  if (!text) return { kind: 'unix', path: DEFAULT_USBMUXD_SOCKET };
  if (text.startsWith('UNIX:')) return { kind: 'unix', path: text.slice(5) };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) return { kind: 'tcp', host: v6[1]!, port: Number(v6[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(text);
  if (v4) return { kind: 'tcp', host: v4[1]!, port: Number(v4[2]) };
  throw new ProtocolError(`USBMUXD_SOCKET_ADDRESS "${text}" is neither UNIX:/path nor host:port`);
}

export function formatMuxAddress(address: MuxAddress): string {
  return address.kind === 'unix' ? `UNIX:${address.path}` : `${address.host}:${address.port}`;
}
