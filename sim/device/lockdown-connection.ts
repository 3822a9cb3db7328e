/**
 * One client connection to a simulated device's lockdownd (port 62078):
 * framing, faults, and the plaintext → TLS → plaintext life of a session.
 *
 * TLS runs over a bridge stream rather than the socket itself because a
 * session ends asymmetrically: after StopSession the client sends its
 * close_notify and carries on in plaintext on the same socket, and the device
 * must not answer with a close_notify of its own. With the bridge, the TLS
 * layer can simply be cut off while the socket lives on.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlistDict } from '../../core/devices/identity.js';
import { parsePlistDict } from '../../native/plist/codec.js';
import type { DeviceKeyCache, TlsIdentity } from './crypto.js';
import type { SimDevice } from './device.js';
import { LockdownFrameDecoder, TlsRecordSkipper, encodeLockdownFrame, encodeLockdownPlist } from './framing.js';
import { handleLockdownRequest } from './lockdown-requests.js';
import type { LockdownSession, RequestOutcome } from './lockdown-requests.js';
import type { ServiceRegistry } from './services.js';

export interface LockdownDeps {
  keys: DeviceKeyCache;
  tls: TlsIdentity;
  services: ServiceRegistry;
  /** Receives one line per lockdown request and outcome (for --trace). */
  trace?: ((line: string) => void) | undefined;
}

/** Not a plist (neither `<?xml` nor `bplist00`): what a confused device might send. */
const GARBAGE = Buffer.from([0x00, 0xff, 0x13, 0x37, ...Buffer.from('not a property list'), 0xde, 0xad, 0xbe, 0xef]);

/** Passes TLS ciphertext between the TLS layer and the raw socket until detached. */
class SocketBridge extends Duplex {
  private detached = false;

  constructor(private readonly raw: Socket) {
    super();
  }

  override _read(): void {
    // Data is pushed by feed() as the socket delivers it.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.detached || this.raw.destroyed) {
      callback();
      return;
    }
    this.raw.write(chunk, () => callback());
  }

  feed(chunk: Buffer): void {
    if (!this.detached) this.push(chunk);
  }

  /** From now on, whatever the TLS layer writes (its close_notify above all) is dropped. */
  detach(): void {
    this.detached = true;
  }
}

export class LockdownConnection {
  private decoder = new LockdownFrameDecoder();
  private chain: Promise<void> = Promise.resolve();
  private session: LockdownSession | null = null;
  private secure: { socket: TLSSocket; bridge: SocketBridge } | null = null;
  /** Set once StopSession is accepted: the client's remaining TLS records (close_notify) are skipped. */
  private skipper: TlsRecordSkipper | null = null;

  constructor(
    private readonly raw: Socket,
    initial: Buffer,
    private readonly device: SimDevice,
    private readonly deps: LockdownDeps,
  ) {
    raw.on('data', (chunk: Buffer) => this.onRaw(chunk));
    // Clients vanish mid-conversation all the time (timeouts, Ctrl-C); that is not an error here.
    raw.on('error', () => raw.destroy());
    raw.on('close', () => this.secure?.socket.destroy());
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
    if (this.secure) this.secure.bridge.feed(chunk);
    else this.onPlaintext(chunk);
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
    if (this.raw.destroyed) return;
    let request: PlistDict;
    try {
      request = parsePlistDict(body);
    } catch {
      this.send(encodeLockdownPlist({ Error: 'InvalidRequest' }));
      return;
    }
    const name = typeof request.Request === 'string' ? request.Request : '';
    const fault = this.device.faults.take(name);
    const detail = [request.Domain, request.Key, request.Service].filter((part) => typeof part === 'string').join(' ');
    this.deps.trace?.(`${this.device.udid} ${this.secure ? 'tls' : 'plain'} ${name}${detail ? ` ${detail}` : ''}${fault ? ` [fault ${fault.kind}]` : ''}`);
    if (fault?.kind === 'drop') {
      this.raw.destroy();
      return;
    }
    if (fault?.kind === 'garbage') {
      this.send(encodeLockdownFrame(GARBAGE));
      return;
    }
    if (fault?.kind === 'delay') await sleep(fault.delayMs);

    const outcome = await handleLockdownRequest({ device: this.device, keys: this.deps.keys, services: this.deps.services, session: this.session }, request);
    if (this.raw.destroyed) return;
    this.apply(outcome);
  }

  private apply(outcome: RequestOutcome): void {
    if (outcome.session !== undefined) this.session = outcome.session;
    if (typeof outcome.reply.Error === 'string') this.deps.trace?.(`${this.device.udid} -> ${String(outcome.reply.Request)} Error ${outcome.reply.Error}`);
    const frame = encodeLockdownPlist(outcome.reply);
    if (outcome.transition === 'start-tls') {
      // The reply goes out in plaintext; the client's ClientHello follows it.
      this.send(frame);
      this.startTls();
    } else if (outcome.transition === 'stop-tls' && this.secure) {
      // Anything the client sends from here on is its close_notify, then plaintext.
      this.skipper = new TlsRecordSkipper();
      const secure = this.secure;
      this.send(frame, () => this.dropTls(secure));
    } else {
      this.send(frame);
    }
  }

  private startTls(): void {
    const bridge = new SocketBridge(this.raw);
    const socket = new TLSSocket(bridge, {
      isServer: true,
      secureContext: this.deps.tls.secureContext,
      requestCert: false,
      rejectUnauthorized: false,
    });
    this.decoder = new LockdownFrameDecoder();
    socket.on('data', (chunk: Buffer) => this.onPlaintext(chunk));
    socket.on('error', () => this.raw.destroy());
    this.secure = { socket, bridge };
  }

  private dropTls(secure: { socket: TLSSocket; bridge: SocketBridge }): void {
    if (this.secure !== secure) return;
    secure.bridge.detach();
    secure.socket.destroy();
    this.secure = null;
    this.decoder = new LockdownFrameDecoder();
  }
}
