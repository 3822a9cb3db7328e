/**
 * An in-memory client for a simulated service: the service serves a stream
 * that is not a socket, and the client sends framed plists and reads the
 * replies. For unit tests of service handlers without usbmuxd, lockdown or
 * TLS in the way.
 */
import { Duplex } from 'node:stream';
import type { PlistDict } from '../../core/devices/identity.js';
import { parsePlistDict, toBinaryPlist } from '../../native/plist/codec.js';
import type { SimDevice } from './device.js';
import { LockdownFrameDecoder, encodeLockdownFrame, encodeLockdownPlist } from './framing.js';
import type { SimService } from './services.js';

export class ConnectionClosedError extends Error {}

export interface MemoryServiceClient {
  /** Sends one request (XML, or binary as mobileactivation clients do) and waits for the next reply. */
  request(message: PlistDict, options?: { binary?: boolean }): Promise<PlistDict>;
  /** The raw body of the next reply (for garbage faults). */
  requestRaw(message: PlistDict): Promise<Buffer>;
  /** Resolves when the device side has closed or ended the connection. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** The client hangs up. */
  close(): void;
}

export function connectInMemory(service: SimService, device: SimDevice): MemoryServiceClient {
  const decoder = new LockdownFrameDecoder();
  const waiting: { resolve: (body: Buffer) => void; reject: (error: Error) => void }[] = [];
  const early: Buffer[] = [];
  let isClosed = false;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const finish = () => {
    if (isClosed) return;
    isClosed = true;
    for (const waiter of waiting.splice(0)) waiter.reject(new ConnectionClosedError('the device closed the connection'));
    markClosed();
  };
  const deliver = (body: Buffer) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(body);
    else early.push(body);
  };

  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      for (const body of decoder.push(chunk)) deliver(body);
      callback();
    },
    final(callback) {
      finish();
      callback();
    },
  });
  stream.once('close', finish);
  device.trackConnection(stream);
  service.serve(stream, device);

  const next = (frame: Buffer): Promise<Buffer> => {
    if (isClosed) return Promise.reject(new ConnectionClosedError('the connection is closed'));
    const reply = new Promise<Buffer>((resolve, reject) => {
      const ready = early.shift();
      if (ready) resolve(ready);
      else waiting.push({ resolve, reject });
    });
    stream.push(frame);
    return reply;
  };

  return {
    request: async (message, options) =>
      parsePlistDict(await next(options?.binary ? encodeLockdownFrame(toBinaryPlist(message)) : encodeLockdownPlist(message))),
    requestRaw: (message) => next(encodeLockdownPlist(message)),
    closed,
    get isClosed() {
      return isClosed;
    },
    close: () => {
      stream.destroy();
    },
  };
}
