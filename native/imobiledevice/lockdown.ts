/**
 * lockdownd through libimobiledevice: identity reads, pairing and sessions.
 * Implements core's `Lockdown` port. Every step that touches the device runs
 * off the JS thread (see ffi.ts); handles are always released, also on error.
 */
import type { Lockdown, LockdownSnapshot } from '../../core/devices/ports.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { DeviceError, DeviceNotFoundError, LockdownError, ProtocolError } from '../../core/devices/errors.js';
import { callAsync, IDEVICE_ERRORS, IDEVICE_LOOKUP_USBMUX, loadImobiledevice, plistToBytes, type ImobiledeviceLibrary, type NativePointer } from './ffi.js';
import { isDict, parsePlist } from '../plist/codec.js';
import { Semaphore } from './semaphore.js';

type Session = { lib: ImobiledeviceLibrary; client: NativePointer };

export interface LockdownOptions {
  label?: string;
  /**
   * How many devices may be in a native call at once. Each one holds a libuv
   * pool thread for a whole round trip, so this stays below the pool size:
   * the threads left over keep fs, DNS and crypto work (and an in-process
   * simulator's key generation) moving instead of deadlocking behind device I/O.
   */
  maxConcurrent?: number;
}

/** Pool threads left free for everything that is not device I/O. */
const POOL_HEADROOM = 2;

export function defaultMaxConcurrent(poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, poolSize - POOL_HEADROOM);
}

export class ImobiledeviceLockdown implements Lockdown {
  private readonly label: string;
  private readonly limit: Semaphore;

  constructor(
    private readonly loadLibrary: () => ImobiledeviceLibrary = loadImobiledevice,
    options: LockdownOptions = {},
  ) {
    this.label = options.label ?? 'benchline';
    this.limit = new Semaphore(options.maxConcurrent ?? defaultMaxConcurrent());
  }

  private withDevice<T>(udid: string, use: (lib: ImobiledeviceLibrary, device: NativePointer) => Promise<T>): Promise<T> {
    return this.limit.run(() => this.openDevice(udid, use));
  }

  private async openDevice<T>(udid: string, use: (lib: ImobiledeviceLibrary, device: NativePointer) => Promise<T>): Promise<T> {
    const lib = this.loadLibrary();
    const device: [NativePointer | null] = [null];
    const rc = await callAsync(lib.idevice_new_with_options, device, udid, IDEVICE_LOOKUP_USBMUX);
    if (rc !== IDEVICE_ERRORS.SUCCESS || device[0] === null) {
      if (rc === IDEVICE_ERRORS.NO_DEVICE) throw new DeviceNotFoundError(udid);
      throw new DeviceError(`Could not open device ${udid} (idevice error ${rc})`, 'DeviceOpenFailed', 'Unplug the device and plug it back in.');
    }
    const handle = device[0];
    try {
      return await use(lib, handle);
    } finally {
      lib.idevice_free(handle); // frees memory only: no I/O, safe on the JS thread
    }
  }

  /**
   * Opens a lockdown client. With `handshake`, libimobiledevice pairs when no
   * pair record exists (the device shows "Trust This Computer?") and starts a
   * TLS session; without it, only the keys readable before trust are available.
   */
  private withClient<T>(udid: string, handshake: boolean, use: (session: Session) => Promise<T>): Promise<T> {
    return this.withDevice(udid, async (lib, device) => {
      const client: [NativePointer | null] = [null];
      const open = handshake ? lib.lockdownd_client_new_with_handshake : lib.lockdownd_client_new;
      const rc = await callAsync(open, device, client, this.label);
      if (rc !== 0 || client[0] === null) throw LockdownError.fromCode(rc, handshake ? 'Opening a session' : 'Connecting to lockdownd');
      const handle = client[0];
      try {
        return await use({ lib, client: handle });
      } finally {
        // Sends StopSession and closes the connection: a round trip, so off the JS thread.
        await callAsync(lib.lockdownd_client_free, handle).catch(() => undefined);
      }
    });
  }

  private async readValue({ lib, client }: Session, domain: string | null, key: string | null): Promise<PlistValue> {
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

  private async readDict(session: Session, domain: string | null): Promise<PlistDict> {
    const value = await this.readValue(session, domain, null);
    if (!isDict(value)) throw new ProtocolError(`GetValue ${domain ?? '(all)'} did not return a dictionary`);
    return value;
  }

  readUntrusted(udid: string): Promise<PlistDict> {
    return this.withClient(udid, false, (session) => this.readDict(session, null));
  }

  readIdentity(udid: string, domains: readonly string[]): Promise<LockdownSnapshot> {
    return this.withClient(udid, true, async (session) => {
      const values = await this.readDict(session, null);
      const byDomain: Record<string, PlistDict> = {};
      for (const domain of domains) {
        try {
          byDomain[domain] = await this.readDict(session, domain);
        } catch (error) {
          // A domain the device does not offer is simply absent; a lost device is not.
          if (!(error instanceof LockdownError) || error.lockdownName === 'MuxError') throw error;
        }
      }
      return { values, domains: byDomain };
    });
  }

  getValue(udid: string, domain: string | null, key: string | null): Promise<PlistValue> {
    return this.withClient(udid, true, (session) => this.readValue(session, domain, key));
  }

  private pairingCall(udid: string, pick: (lib: ImobiledeviceLibrary) => ImobiledeviceLibrary['lockdownd_pair'], what: string): Promise<void> {
    return this.withClient(udid, false, async ({ lib, client }) => {
      const rc = await callAsync(pick(lib), client, null);
      if (rc !== 0) throw LockdownError.fromCode(rc, what);
    });
  }

  pair(udid: string): Promise<void> {
    return this.pairingCall(udid, (lib) => lib.lockdownd_pair, 'Pair');
  }

  validatePair(udid: string): Promise<void> {
    return this.pairingCall(udid, (lib) => lib.lockdownd_validate_pair, 'ValidatePair');
  }

  unpair(udid: string): Promise<void> {
    return this.pairingCall(udid, (lib) => lib.lockdownd_unpair, 'Unpair');
  }
}
