/**
 * lockdownd through libimobiledevice: identity reads, pairing, sessions, and
 * starting services (MCInstall, …) for the modules that speak them.
 * Implements core's `Lockdown` port.
 *
 * Two rules shape this module:
 * - Every step that touches the device runs off the JS thread (see ffi.ts),
 *   and at most `maxConcurrent` devices hold a pool thread at once.
 * - A session is not redone needlessly. Opening one costs a TLS handshake
 *   (libimobiledevice 1.3.0 builds a fresh SSL context and sleeps 100 ms while
 *   it waits), so the first read of a device keeps its session open and later
 *   reads reuse it. A cached session that has died (device replugged,
 *   rebooted, lockdownd timed it out) is replaced once, transparently.
 */
import type { Lockdown, LockdownSnapshot } from '../../core/devices/ports.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { DeviceError, DeviceNotFoundError, LockdownError, ProtocolError, ServiceConnectionLost, type LockdownErrorName } from '../../core/devices/errors.js';
import { KeyedSerialQueue } from '../../core/devices/serial-queue.js';
import {
  callAsync,
  IDEVICE_ERRORS,
  IDEVICE_LOOKUP_USBMUX,
  loadImobiledevice,
  plistFromBytes,
  plistToBytes,
  takeServiceDescriptor,
  type ImobiledeviceLibrary,
  type NativePointer,
  type ServiceDescriptor,
} from './ffi.js';
import { PlistServiceConnection } from './service-connection.js';
import { deviceCertificatePem, hostIdentityOf, pairRecordFor, type HostIdentity } from './pair-record.js';
import koffi from 'koffi';
import { isDict, parsePlist, toBinaryPlist } from '../plist/codec.js';
import { Semaphore } from '../../core/devices/semaphore.js';

export interface LockdownOptions {
  label?: string;
  /**
   * How many devices may be in a native call at once. Each one holds a libuv
   * pool thread for a whole round trip, so this stays below the pool size:
   * the threads left over keep fs, DNS and crypto work (and an in-process
   * simulator's key generation) moving instead of deadlocking behind device I/O.
   */
  maxConcurrent?: number;
  /** Close a cached session unused for this long (default 60 s). */
  sessionIdleMs?: number;
}

/** Pool threads left free for everything that is not device I/O. */
const POOL_HEADROOM = 2;

export function defaultMaxConcurrent(poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, poolSize - POOL_HEADROOM);
}

/** Errors after which a cached session is presumed dead and worth one fresh attempt. */
const TRANSPORT_FAILURES: ReadonlySet<LockdownErrorName> = new Set([
  'MuxError',
  'SslError',
  'ReceiveTimeout',
  'PlistError',
  'InvalidResponse',
  'NoRunningSession',
  'SessionInactive',
  'InvalidSessionID',
  'UnknownError',
]);

function isTransportFailure(error: unknown): boolean {
  return (error instanceof LockdownError && TRANSPORT_FAILURES.has(error.lockdownName)) || error instanceof ProtocolError;
}

interface Connection {
  lib: ImobiledeviceLibrary;
  device: NativePointer;
  client: NativePointer;
}

export class ImobiledeviceLockdown implements Lockdown {
  private readonly label: string;
  private readonly limit: Semaphore;
  private readonly idleMs: number;
  private readonly perDevice = new KeyedSerialQueue();
  private readonly sessions = new Map<string, { connection: Connection; idle: NodeJS.Timeout }>();
  private readonly services = new Set<PlistServiceConnection>();
  private closed = false;

  constructor(
    private readonly loadLibrary: () => ImobiledeviceLibrary = loadImobiledevice,
    options: LockdownOptions = {},
  ) {
    this.label = options.label ?? 'benchline';
    this.limit = new Semaphore(options.maxConcurrent ?? defaultMaxConcurrent());
    this.idleMs = options.sessionIdleMs ?? 60_000;
  }

  /** Number of sessions kept open (for diagnostics and tests). */
  get openSessions(): number {
    return this.sessions.size;
  }

  // ---- connections ------------------------------------------------------

  /**
   * Opens a lockdown client. With `handshake`, libimobiledevice pairs when no
   * pair record exists (the device shows "Trust This Computer?") and starts a
   * TLS session; without it, only the keys readable before trust are available.
   */
  private async connect(udid: string, handshake: boolean): Promise<Connection> {
    const lib = this.loadLibrary();
    const device: [NativePointer | null] = [null];
    const rc = await callAsync(lib.idevice_new_with_options, device, udid, IDEVICE_LOOKUP_USBMUX);
    if (rc !== IDEVICE_ERRORS.SUCCESS || device[0] === null) {
      if (rc === IDEVICE_ERRORS.NO_DEVICE) throw new DeviceNotFoundError(udid);
      throw new DeviceError(`Could not open device ${udid} (idevice error ${rc})`, 'DeviceOpenFailed', 'Unplug the device and plug it back in.');
    }
    const client: [NativePointer | null] = [null];
    const open = handshake ? lib.lockdownd_client_new_with_handshake : lib.lockdownd_client_new;
    let code: number;
    try {
      code = await callAsync(open, device[0], client, this.label);
    } catch (error) {
      lib.idevice_free(device[0]); // frees memory only: no I/O, safe on the JS thread
      throw error;
    }
    if (code !== 0 || client[0] === null) {
      lib.idevice_free(device[0]);
      throw LockdownError.fromCode(code, handshake ? 'Opening a session' : 'Connecting to lockdownd');
    }
    return { lib, device: device[0], client: client[0] };
  }

  /**
   * Opens a session. A device that answers InvalidHostID no longer knows this
   * host (it was erased, or trusted another computer since). libimobiledevice
   * 1.3.0 pairs anew only when there is no pair record, and then generates
   * fresh keys; so this pairs again with the host identity the old record
   * already holds (pair-record.ts: only the device certificate is new), which
   * costs milliseconds instead of 0.2–0.4 s of CPU per device. A device that
   * needs the Trust dialog answers that Pair with PairingDialogResponsePending,
   * as it would libimobiledevice's. Only a record that cannot be reused is
   * deleted and left to libimobiledevice.
   */
  private async openSession(udid: string): Promise<Connection> {
    try {
      return await this.connect(udid, true);
    } catch (error) {
      if (!(error instanceof LockdownError) || error.lockdownName !== 'InvalidHostID') throw error;
      const identity = await this.storedHostIdentity(udid);
      if (identity) {
        await this.oneOff(udid, (connection) => this.pairWithIdentity(udid, connection, identity));
      } else {
        await callAsync(this.loadLibrary().usbmuxd_delete_pair_record, udid);
      }
      return this.connect(udid, true);
    }
  }

  /** The host identity in the pair record usbmuxd holds for the device, or null. */
  private async storedHostIdentity(udid: string): Promise<HostIdentity | null> {
    const lib = this.loadLibrary();
    const data: [NativePointer | null] = [null];
    const size: [number] = [0];
    const rc = await callAsync(lib.usbmuxd_read_pair_record, udid, data, size);
    if (data[0] === null) return null;
    try {
      if (rc !== 0 || size[0] === 0) return null;
      const bytes = Buffer.from(koffi.view(data[0], size[0]).slice(0));
      const record = parsePlist(bytes);
      return isDict(record) ? hostIdentityOf(record) : null;
    } catch {
      return null; // unreadable: libimobiledevice's own path replaces it
    } finally {
      lib.libusbmuxd_free(data[0]);
    }
  }

  /** Pair (on a connection without a session) with `identity`, then save the new record in usbmuxd. */
  private async pairWithIdentity(udid: string, connection: Connection, identity: HostIdentity): Promise<void> {
    const { lib, client, device } = connection;
    const publicKey = await this.readValue(connection, null, 'DevicePublicKey');
    if (!(publicKey instanceof Uint8Array)) throw new ProtocolError('GetValue DevicePublicKey did not return the key');
    const deviceCertificate = deviceCertificatePem(Buffer.from(publicKey).toString('utf8'), identity.rootPrivateKeyPem);
    const options = plistFromBytes(lib, toBinaryPlist({ ExtendedPairingErrors: true }));
    const response: [NativePointer | null] = [null];
    let rc: number;
    try {
      rc = await callAsync(
        lib.lockdownd_pair_with_options,
        client,
        { device_certificate: deviceCertificate, host_certificate: identity.hostCertificatePem, root_certificate: identity.rootCertificatePem, host_id: identity.hostId, system_buid: identity.systemBuid },
        options,
        response,
      );
    } finally {
      lib.plist_free(options);
    }
    let escrowBag: Uint8Array | null = null;
    if (response[0] !== null) {
      try {
        const answer = parsePlist(plistToBytes(lib, response[0]));
        if (isDict(answer) && answer.EscrowBag instanceof Uint8Array) escrowBag = answer.EscrowBag;
      } finally {
        lib.plist_free(response[0]);
      }
    }
    if (rc !== 0) throw LockdownError.fromCode(rc, 'Pairing again after the device forgot this host');
    const record = toBinaryPlist(pairRecordFor(identity, deviceCertificate, escrowBag));
    const handle: [number] = [0];
    lib.idevice_get_handle(device, handle); // memory only: the mux DeviceID libimobiledevice already holds
    const saved = await callAsync(lib.usbmuxd_save_pair_record_with_device_id, udid, handle[0], record, record.length);
    if (saved !== 0) throw new DeviceError(`usbmuxd refused to save the pair record of ${udid} (${saved})`, 'PairRecordNotSaved', 'Check that usbmuxd is running and may write its pair records (/var/lib/lockdown), then replug the device.');
  }

  private async disconnect({ lib, device, client }: Connection): Promise<void> {
    // Sends StopSession and closes the connection: a round trip, so off the JS thread.
    await callAsync(lib.lockdownd_client_free, client).catch(() => undefined);
    lib.idevice_free(device);
  }

  /** A one-off connection, closed after use (pairing calls, reads before trust). Call within the semaphore. */
  private async oneOff<T>(udid: string, use: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await this.connect(udid, false);
    try {
      return await use(connection);
    } finally {
      await this.disconnect(connection);
    }
  }

  private keep(udid: string, connection: Connection): void {
    const idle = setTimeout(() => void this.release(udid), this.idleMs);
    idle.unref();
    this.sessions.set(udid, { connection, idle });
  }

  private touch(udid: string): void {
    const session = this.sessions.get(udid);
    if (!session || this.closed) return;
    clearTimeout(session.idle);
    this.keep(udid, session.connection);
  }

  /** Closes the device's cached session. Call only inside the device's queue. */
  private async dropSession(udid: string): Promise<void> {
    const session = this.sessions.get(udid);
    if (!session) return;
    this.sessions.delete(udid);
    clearTimeout(session.idle);
    await this.limit.run(() => this.disconnect(session.connection));
  }

  /**
   * Runs `use` on the device's cached session. A refusal from the device (a
   * lockdown error such as MissingValue) leaves the session as it is; a dead
   * session is dropped and the caller is told (returns `undefined`), so that
   * it decides whether a new connection may be opened.
   */
  private async onCachedSession<T>(udid: string, use: (connection: Connection) => Promise<T>): Promise<{ result: T } | undefined> {
    const cached = this.sessions.get(udid);
    if (!cached) return undefined;
    try {
      const result = await this.limit.run(() => use(cached.connection));
      this.touch(udid);
      return { result };
    } catch (error) {
      if (!isTransportFailure(error)) throw error;
      await this.dropSession(udid);
      return undefined;
    }
  }

  /** Runs `use` on the device's session, opening (or, once, re-opening) it as needed. One caller per device at a time. */
  private withSession<T>(udid: string, use: (connection: Connection) => Promise<T>): Promise<T> {
    return this.perDevice.run(udid, () => this.onSession(udid, use));
  }

  /** withSession's body, for callers already inside the device's queue. */
  private async onSession<T>(udid: string, use: (connection: Connection) => Promise<T>): Promise<T> {
    const reused = await this.onCachedSession(udid, use);
    if (reused) return reused.result;
    const { fresh, result } = await this.limit.run(async () => {
      const connection = await this.openSession(udid);
      try {
        return { fresh: connection, result: await use(connection) };
      } catch (error) {
        await this.disconnect(connection);
        throw error;
      }
    });
    // Opened by a call that was already running when close() came: do not keep it.
    if (this.closed) await this.limit.run(() => this.disconnect(fresh));
    else this.keep(udid, fresh);
    return result;
  }

  // ---- requests ---------------------------------------------------------

  private async readValue({ lib, client }: Connection, domain: string | null, key: string | null): Promise<PlistValue> {
    const node: [NativePointer | null] = [null];
    const rc = await callAsync(lib.lockdownd_get_value, client, domain, key, node);
    if (rc !== 0) throw LockdownError.fromCode(rc, `GetValue ${[domain, key].filter(Boolean).join(' ') || '(all)'}`);
    if (node[0] === null) return null;
    try {
      return parsePlist(plistToBytes(lib, node[0]));
    } finally {
      lib.plist_free(node[0]);
    }
  }

  private async readDict(connection: Connection, domain: string | null): Promise<PlistDict> {
    const value = await this.readValue(connection, domain, null);
    if (!isDict(value)) throw new ProtocolError(`GetValue ${domain ?? '(all)'} did not return a dictionary`);
    return value;
  }

  readUntrusted(udid: string): Promise<PlistDict> {
    // Never pairs: a device that is not trusted yet must not see a Trust prompt from this call.
    return this.perDevice.run(udid, async () => {
      const reused = await this.onCachedSession(udid, (connection) => this.readDict(connection, null));
      if (reused) return reused.result;
      return this.limit.run(() => this.oneOff(udid, (connection) => this.readDict(connection, null)));
    });
  }

  readIdentity(udid: string, domains: readonly string[]): Promise<LockdownSnapshot> {
    return this.withSession(udid, async (connection) => {
      const values = await this.readDict(connection, null);
      const byDomain: Record<string, PlistDict> = {};
      for (const domain of domains) {
        try {
          const value = await this.readValue(connection, domain, null);
          // A domain the device keeps empty answers without a value: absent, like one it refuses.
          if (isDict(value)) byDomain[domain] = value;
        } catch (error) {
          // A domain the device does not offer is simply absent; a dead connection is not.
          if (!(error instanceof LockdownError) || isTransportFailure(error)) throw error;
        }
      }
      return { values, domains: byDomain };
    });
  }

  getValue(udid: string, domain: string | null, key: string | null): Promise<PlistValue> {
    return this.withSession(udid, (connection) => this.readValue(connection, domain, key));
  }

  private pairingCall(udid: string, call: (lib: ImobiledeviceLibrary) => ImobiledeviceLibrary['lockdownd_pair'], what: string): Promise<void> {
    return this.perDevice.run(udid, () =>
      this.limit.run(() =>
        this.oneOff(udid, async ({ lib, client }) => {
          const rc = await callAsync(call(lib), client, null);
          if (rc !== 0) throw LockdownError.fromCode(rc, what);
        }),
      ),
    );
  }

  async hasPairRecord(udid: string): Promise<boolean> {
    const lib = this.loadLibrary();
    const data: [NativePointer | null] = [null];
    const size: [number] = [0];
    const rc = await callAsync(lib.usbmuxd_read_pair_record, udid, data, size);
    if (data[0] !== null) lib.libusbmuxd_free(data[0]);
    return rc === 0 && size[0] > 0;
  }

  pair(udid: string): Promise<void> {
    return this.pairingCall(udid, (lib) => lib.lockdownd_pair, 'Pair');
  }

  validatePair(udid: string): Promise<void> {
    return this.pairingCall(udid, (lib) => lib.lockdownd_validate_pair, 'ValidatePair');
  }

  async unpair(udid: string): Promise<void> {
    await this.release(udid);
    await this.pairingCall(udid, (lib) => lib.lockdownd_unpair, 'Unpair');
  }

  // ---- services -------------------------------------------------------

  /** StartService on the session: the one-shot port the device opened for `service`. */
  private async requestService({ lib, client }: Connection, service: string): Promise<ServiceDescriptor> {
    const out: [NativePointer | null] = [null];
    const rc = await callAsync(lib.lockdownd_start_service, client, service, out);
    // 1.3.0 allocates the descriptor only on success; free it whatever the outcome.
    const descriptor = out[0] === null ? null : takeServiceDescriptor(lib, out[0]);
    if (rc !== 0) throw LockdownError.fromCode(rc, `StartService ${service}`);
    if (descriptor === null || descriptor.port === 0) throw new ProtocolError(`StartService ${service} answered without a port`);
    return descriptor;
  }

  /** Connects to a started service's port (TLS if the device asked for it) with a device handle of its own. */
  private async connectService(udid: string, service: string, descriptor: ServiceDescriptor): Promise<PlistServiceConnection> {
    const lib = this.loadLibrary();
    const device: [NativePointer | null] = [null];
    const rc = await callAsync(lib.idevice_new_with_options, device, udid, IDEVICE_LOOKUP_USBMUX);
    if (rc !== IDEVICE_ERRORS.SUCCESS || device[0] === null) throw new DeviceNotFoundError(udid);
    const client: [NativePointer | null] = [null];
    let code: number;
    try {
      code = await callAsync(lib.property_list_service_client_new, device[0], descriptor, client);
    } catch (error) {
      lib.idevice_free(device[0]);
      throw error;
    }
    // 1.3.0 does not report a failed TLS handshake here (it ignores service_enable_ssl's result):
    // such a connection fails on its first request, as ServiceConnectionLost.
    if (code !== 0 || client[0] === null) {
      lib.idevice_free(device[0]);
      throw new ServiceConnectionLost(service, `could not connect to the service's port ${descriptor.port} (property_list_service error ${code})`);
    }
    const connection = new PlistServiceConnection(lib, this.limit, udid, service, { device: device[0], client: client[0] }, (closed) => this.services.delete(closed));
    this.services.add(connection);
    return connection;
  }

  /**
   * Starts `service` on the device through its kept lockdown session (opened,
   * or re-opened once if it died, like any read) and connects to it.
   *
   * StartService and the connect take their turn in the device's queue, so
   * they never interleave with a read on the same session. Traffic on the
   * returned connection does not: it is a socket of its own, serialised per
   * connection and capped by the same concurrency limit, so a long wait (an
   * erase's acknowledgement) does not hold up the device's lockdown reads.
   * Close it when done; close() of this object closes the ones still open.
   * Refusals from lockdownd (InvalidService, PasswordProtected, …) reject as LockdownError.
   */
  openService(udid: string, service: string): Promise<PlistServiceConnection> {
    return this.perDevice.run(udid, async () => {
      const descriptor = await this.onSession(udid, (connection) => this.requestService(connection, service));
      return this.limit.run(() => this.connectService(udid, service, descriptor));
    });
  }

  /** Service connections open right now (for diagnostics and tests). */
  get openServiceConnections(): number {
    return this.services.size;
  }

  release(udid: string): Promise<void> {
    return this.perDevice.run(udid, () => this.dropSession(udid));
  }

  /** Waits for calls in flight, then closes every cached session (the bench is shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    await this.perDevice.drain();
    // Each waits for its call in flight before freeing its handles.
    await Promise.all([...this.services].map((connection) => connection.close()));
    await Promise.all([...this.sessions.keys()].map((udid) => this.release(udid)));
  }
}
