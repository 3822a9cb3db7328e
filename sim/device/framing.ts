/**
 * lockdownd's framing (a 4-byte big-endian length, then a plist) and a tiny
 * TLS record splitter used when a session ends and the stream drops back to
 * plaintext.
 */
import type { PlistDict } from '../../core/devices/identity.js';
import { encodeXmlPlist } from './plist-wire.js';

/** Far above any real lockdown message (pair records are a few KiB); stops a bad peer from growing the buffer forever. */
const MAX_FRAME = 4 * 1024 * 1024;

export class FrameTooLargeError extends Error {}

/** Length and body in one buffer: libimobiledevice reads the length with one recv. */
export function encodeLockdownFrame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export function encodeLockdownPlist(message: PlistDict): Buffer {
  return encodeLockdownFrame(encodeXmlPlist(message));
}

export class LockdownFrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** Returns the bodies of all complete frames. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const bodies: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > MAX_FRAME) throw new FrameTooLargeError(`lockdown frame of ${length} bytes`);
      if (this.buffered.length < 4 + length) break;
      bodies.push(this.buffered.subarray(4, 4 + length));
      this.buffered = this.buffered.subarray(4 + length);
    }
    return bodies;
  }

  takeRemainder(): Buffer {
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }
}

const TLS_HEADER = 5;

/**
 * After StopSession the client sends its close_notify (one TLS record) and then
 * speaks plaintext on the same socket. TLS records start with a content type
 * 0x14–0x17 while a plaintext lockdown frame starts with the high byte of its
 * length (0x00), so records can be told apart and dropped.
 */
export class TlsRecordSkipper {
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;

  /** Returns the plaintext that follows the TLS records (empty until the records are complete). */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length > 0) {
      const type = this.buffered[0]!;
      if (type < 0x14 || type > 0x17) {
        this.done = true;
        const rest = this.buffered;
        this.buffered = Buffer.alloc(0);
        return rest;
      }
      if (this.buffered.length < TLS_HEADER) break;
      const length = this.buffered.readUInt16BE(3);
      if (this.buffered.length < TLS_HEADER + length) break;
      this.buffered = this.buffered.subarray(TLS_HEADER + length);
    }
    return Buffer.alloc(0);
  }
}
