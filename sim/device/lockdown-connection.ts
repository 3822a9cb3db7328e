/**
 * One client connection to a simulated device's lockdownd (port 62078):
 * framing, faults, and the plaintext → TLS → plaintext life of a session.
 *
 * TLS runs natively on the socket's handle (OpenSSL reads and writes the
 * file descriptor without a round trip through JavaScript per record: with
 * 64 devices sharing this thread that matters). A session ends
 * asymmetrically, though: after StopSession the client sends its
 * close_notify and carries on in plaintext on the same socket, and the device
 * must not answer with a close_notify of its own. So once the StopSession
 * reply is on its way, reading pauses (the client's close_notify stays in the
 * kernel), the TLS layer is taken off the handle without a shutdown, and the
 * raw socket reads again, skipping the client's leftover TLS records.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlistDict } from '../../core/devices/identity.js';
import type { DeviceKeyCache, TlsIdentity } from './crypto.js';
import type { SimDevice } from './device.js';
import { LockdownFrameDecoder, TlsRecordSkipper, encodeLockdownFrame, encodeLockdownPlist } from './framing.js';
import { GARBAGE } from './garbage.js';
import { handleLockdownRequest, reusableReplyKey } from './lockdown-requests.js';
import type { LockdownSession, RequestOutcome } from './lockdown-requests.js';
import { valuesState } from './lockdown-values.js';
import { parseRequestPlist } from './plist-wire.js';
import type { ServiceRegistry } from './services.js';

export interface LockdownDeps {
  keys: DeviceKeyCache;
  tls: TlsIdentity;
  services: ServiceRegistry;
  /** Receives one line per lockdown request and outcome (for --trace). */
  trace?: ((line: string) => void) | undefined;
}


/** An encoded reply, valid while the device's values are in `state`; `error` is for the trace. */
interface ReusableReply {
  state: string;
  frame: Buffer;
  error: string | null;
}

/**
 * Per device, its encoded QueryType and GetValue replies (see
 * reusableReplyKey): a bench reads the same keys and domains of the same
 * devices over and over, and encoding them was most of a request's cost.
 */
const reusableReplies = new WeakMap<SimDevice, Map<string, ReusableReply>>();

/**
 * Node internals this module relies on (stable since Node 0.x, unchanged in
 * 20–24, but not in the public typings): a net.Socket's libuv handle, whose
 * readStop/readStart pause and resume reading the file descriptor, and a
 * TLSSocket's TLSWrap, whose destroySSL frees OpenSSL's state and detaches it
 * from the handle it wraps (without a shutdown, so without a close_notify),
 * after which the handle delivers bytes to its net.Socket again.
 */
interface StreamHandle {
  readStart(): number;
  readStop(): number;
}
interface TlsWrapHandle {
  destroySSL(): void;
}

function streamHandle(socket: Socket): StreamHandle {
  const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  if (typeof handle?.readStart !== 'function' || typeof handle.readStop !== 'function') throw new Error('net.Socket has no libuv stream handle');
  return handle as StreamHandle;
}

function tlsWrap(socket: TLSSocket): TlsWrapHandle {
  const ssl = (socket as unknown as { ssl?: Partial<TlsWrapHandle> | null }).ssl;
  if (typeof ssl?.destroySSL !== 'function') throw new Error('TLSSocket has no TLSWrap');
  return ssl as TlsWrapHandle;
}

export class LockdownConnection {
  private decoder = new LockdownFrameDecoder();
  private chain: Promise<void> = Promise.resolve();
  private session: LockdownSession | null = null;
  /** The session's TLS layer and the native handles it is taken off with. */
  private secure: { socket: TLSSocket; wrap: TlsWrapHandle; handle: StreamHandle } | null = null;
  /** Set once StopSession is accepted: the client's remaining TLS records (close_notify) are skipped. */
  private skipper: TlsRecordSkipper | null = null;
  /** Set by a `hang` fault: requests are read and never answered. */
  private hung = false;

  constructor(
    private readonly raw: Socket,
    initial: Buffer,
    private readonly device: SimDevice,
    private readonly deps: LockdownDeps,
  ) {
    raw.on('data', (chunk: Buffer) => this.onRaw(chunk));
    // Clients vanish mid-conversation all the time (timeouts, Ctrl-C); that is not an error here.
    raw.on('error', () => raw.destroy());
    // (A TLSSocket destroys itself when the socket it wraps closes.)
    if (initial.length > 0) this.onRaw(initial);
  }

  private onRaw(chunk: Buffer): void {
    if (this.skipper) {
      const plain = this.skipper.push(chunk);
      if (plain.length > 0) {
        this.skipper = null;
        this.onPlaintext(plain);
      }
      return;
    }
    // While TLS is on, the handle's bytes go to OpenSSL and never get here.
    this.onPlaintext(chunk);
  }

  private onPlaintext(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.decoder.push(chunk);
    } catch {
      this.raw.destroy();
      return;
    }
    for (const body of bodies) {
      this.chain = this.chain.then(() => this.handle(body)).catch(() => {
        this.raw.destroy();
      });
    }
  }

  private send(frame: Buffer, afterWrite?: () => void): void {
    if (this.raw.destroyed) return;
    if (this.secure) this.secure.socket.write(frame, () => afterWrite?.());
    else this.raw.write(frame, () => afterWrite?.());
  }

  private async handle(body: Buffer): Promise<void> {
    if (this.raw.destroyed || this.hung) return;
    let request: PlistDict;
    try {
      request = parseRequestPlist(body);
    } catch {
      this.send(encodeLockdownPlist({ Error: 'InvalidRequest' }));
      return;
    }
    const name = typeof request.Request === 'string' ? request.Request : '';
    const fault = this.device.faults.take(name);
    if (this.deps.trace) {
      const detail = [request.Domain, request.Key, request.Service].filter((part) => typeof part === 'string').join(' ');
      this.deps.trace(`${this.device.udid} ${this.secure ? 'tls' : 'plain'} ${name}${detail ? ` ${detail}` : ''}${fault ? ` [fault ${fault.kind}]` : ''}`);
    }
    if (fault?.kind === 'drop') {
      this.raw.destroy();
      return;
    }
    if (fault?.kind === 'hang') {
      // Nothing on this connection is answered any more; the client times out.
      this.hung = true;
      return;
    }
    if (fault?.kind === 'unplug' && fault.phase !== 'after') {
      this.device.detach();
      return;
    }
    if (fault?.kind === 'garbage') {
      this.send(encodeLockdownFrame(GARBAGE));
      return;
    }
    if (fault?.kind === 'error') {
      // A name libimobiledevice does not know (it maps those to -256), from a request that is otherwise fine.
      this.send(encodeLockdownPlist({ Request: name, Error: 'UnknownError' }));
      return;
    }
    if (fault?.kind === 'delay') await sleep(fault.delayMs);
    if (fault?.kind === 'unplug') {
      // phase "after": the request takes effect and is answered, then the cable comes out.
      const outcome = await handleLockdownRequest({ device: this.device, keys: this.deps.keys, services: this.deps.services, session: this.session }, request);
      if (this.raw.destroyed) return;
      this.apply(outcome, () => this.device.detach());
      return;
    }

    const reuseKey = reusableReplyKey(request, this.session !== null);
    let replies: Map<string, ReusableReply> | undefined;
    let state = '';
    if (reuseKey !== null) {
      replies = reusableReplies.get(this.device);
      if (!replies) {
        replies = new Map();
        reusableReplies.set(this.device, replies);
      }
      // Taken right before the request is answered (nothing awaited in between); replies read the
      // device before anything they await (DevicePublicKey), so a reply always matches its state.
      state = valuesState(this.device);
      const reused = replies.get(reuseKey);
      if (reused && reused.state === state) {
        if (reused.error !== null) this.traceError(name, reused.error);
        this.send(reused.frame);
        return;
      }
    }

    const outcome = await handleLockdownRequest({ device: this.device, keys: this.deps.keys, services: this.deps.services, session: this.session }, request);
    if (this.raw.destroyed) return;
    const frame = this.apply(outcome);
    if (replies && reuseKey !== null && outcome.transition === undefined && outcome.session === undefined) {
      replies.set(reuseKey, { state, frame, error: typeof outcome.reply.Error === 'string' ? outcome.reply.Error : null });
    }
  }

  private traceError(request: string, error: string): void {
    this.deps.trace?.(`${this.device.udid} -> ${request} Error ${error}`);
  }

  /** Sends the reply and makes the transition it calls for; returns the frame sent. */
  private apply(outcome: RequestOutcome, afterWrite?: () => void): Buffer {
    if (outcome.session !== undefined) this.session = outcome.session;
    if (typeof outcome.reply.Error === 'string') this.traceError(String(outcome.reply.Request), outcome.reply.Error);
    const frame = encodeLockdownPlist(outcome.reply);
    if (outcome.transition === 'start-tls') {
      // The reply goes out in plaintext; the client's ClientHello follows it.
      this.send(frame, afterWrite);
      this.startTls();
    } else if (outcome.transition === 'stop-tls' && this.secure) {
      // The client answers this reply with its close_notify, then plaintext:
      // none of that may reach OpenSSL, which would answer with its own close_notify.
      const secure = this.secure;
      secure.handle.readStop();
      this.send(frame, () => {
        this.dropTls(secure);
        afterWrite?.();
      });
    } else {
      this.send(frame, afterWrite);
    }
    return frame;
  }

  private startTls(): void {
    const socket = new TLSSocket(this.raw, {
      isServer: true,
      secureContext: this.deps.tls.secureContext,
      requestCert: false,
      rejectUnauthorized: false,
    });
    // Looked up now, so that missing internals fail this request rather than a callback later.
    const secure = { socket, wrap: tlsWrap(socket), handle: streamHandle(this.raw) };
    // A close_notify (or EOF) from the client must not make Node send one back
    // (the default for a socket without half-open): just hang up. Once the
    // session is over, the socket lingers until the connection closes: its
    // events are no longer this connection's business.
    socket.allowHalfOpen = true;
    socket.on('end', () => {
      if (this.secure === secure) this.raw.destroy();
    });
    socket.on('error', () => {
      if (this.secure === secure) this.raw.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.secure === secure) this.onPlaintext(chunk);
    });
    this.decoder = new LockdownFrameDecoder();
    this.secure = secure;
  }

  /** Called once the StopSession reply has been written (OpenSSL is done with its buffers). */
  private dropTls(secure: { wrap: TlsWrapHandle; handle: StreamHandle }): void {
    if (this.secure !== secure || this.raw.destroyed) return;
    this.secure = null;
    try {
      secure.wrap.destroySSL();
      this.decoder = new LockdownFrameDecoder();
      // Anything the client sends from here on is its close_notify, then plaintext.
      this.skipper = new TlsRecordSkipper();
      secure.handle.readStart();
    } catch {
      // Runs in a write callback: a throw here would take the whole fleet down, not one connection.
      this.raw.destroy();
    }
  }
}
