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
const DEFAULT_ADDRESS: MuxAddress = { kind: 'unix', path: DEFAULT_USBMUXD_SOCKET };

/**
 * Reads `USBMUXD_SOCKET_ADDRESS` exactly as libusbmuxd 2.0.2 does, because
 * libimobiledevice (through libusbmuxd) and this client must reach the same
 * daemon: `UNIX:` with a path; otherwise the text after the last colon is a
 * port (1–65535) and what precedes it the host (brackets around IPv6 are
 * dropped). Anything else — `UNIX:` alone, no port, port 0, an empty host —
 * means the system socket, as it does for libusbmuxd.
 */
export function parseMuxAddress(text: string | undefined): MuxAddress {
  if (!text) return DEFAULT_ADDRESS;
  if (text.startsWith('UNIX:')) return text.length > 5 ? { kind: 'unix', path: text.slice(5) } : DEFAULT_ADDRESS;
  const colon = text.lastIndexOf(':');
  if (colon < 0) return DEFAULT_ADDRESS;
  const portText = text.slice(colon + 1);
  // strtol's view of a number: optional leading blanks and sign, then digits to the end.
  if (!/^\s*[+-]?\d+$/.test(portText)) return DEFAULT_ADDRESS;
  const port = Number(portText.trim());
  if (!(port > 0 && port < 65536)) return DEFAULT_ADDRESS;
  let host = text.slice(0, colon);
  if (host.startsWith('[')) {
    host = host.slice(1);
    const close = host.lastIndexOf(']');
    if (close >= 0) host = host.slice(0, close);
  }
  return host === '' ? DEFAULT_ADDRESS : { kind: 'tcp', host, port };
}

export function formatMuxAddress(address: MuxAddress): string {
  return address.kind === 'unix' ? `UNIX:${address.path}` : `${address.host}:${address.port}`;
}
