/**
 * One connection to a lockdown service (MCInstall, mobileactivationd,
 * diagnostics_relay) through libimobiledevice's property_list_service: the
 * same length-prefixed plists as lockdownd, TLS when the device asks for it.
 *
 * The per-service clients of libimobiledevice 1.3.0 (diagnostics_relay_*,
 * mobileactivation_*) are not used: they wait a fixed 30 s for every reply and
 * fold a dropped connection, a timeout and the device's own error message into
 * one code, and the bench needs each of those told apart (an erase that drops
 * before its acknowledgement is not one that was refused).
 *
 * Ownership: the connection owns its own idevice_t (libimobiledevice's
 * connection keeps a pointer to it, so it must not be the lockdown session's,
 * which may be released at any time) and its client. Native calls on one
 * connection run one at a time; close() waits for the one in flight, so a
 * handle is never freed under a running call, and frees each handle once.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { ProtocolError, ServiceConnectionLost, ServiceTimeout } from '../../core/devices/errors.js';
import type { Semaphore } from '../../core/devices/semaphore.js';
import { isDict, parsePlist, toBinaryPlist } from '../plist/codec.js';
import { callAsync, plistFromBytes, plistToBytes, PLIST_SERVICE_ERRORS, type ImobiledeviceLibrary, type NativePointer } from './ffi.js';

export type PlistFormat = 'xml' | 'binary';

/** Whatever starts services on a device: ImobiledeviceLockdown, or a fake in unit tests. */
export interface ServiceOpener {
  openService(udid: string, service: string): Promise<ServiceChannel>;
}

/** How long a service may take to answer one request unless told otherwise. */
export const DEFAULT_SERVICE_TIMEOUT_MS = 30_000;

export interface ServiceCallOptions {
  /** How long to wait for the device's answer (default 30 s, or the service's own default). */
  timeoutMs?: number;
}

/** A plist conversation with one device service. */
export interface ServiceChannel {
  readonly udid: string;
  readonly service: string;
  /** False once closed, or broken by a timeout or a lost connection. */
  readonly isOpen: boolean;
  /** Sends one message. Rejects with ServiceConnectionLost when it cannot be sent. */
  send(message: PlistDict, format: PlistFormat): Promise<void>;
  /**
   * Waits at most `timeoutMs` for the next message. Rejects with ServiceTimeout,
   * ServiceConnectionLost (the device closed the connection) or ProtocolError
   * (not a dictionary). After a timeout or a lost connection the channel is
   * unusable: later calls reject with ServiceConnectionLost.
   */
  receive(timeoutMs: number, request: string): Promise<PlistDict>;
  /**
   * send then receive as one step: nothing (another request, close()) comes
   * between them. Rejects like send and receive; ServiceConnectionLost with
   * `unsent` when the channel was already unusable and nothing went out.
   */
  request(message: PlistDict, format: PlistFormat, timeoutMs: number, request: string): Promise<PlistDict>;
  /** Idempotent; waits for the call in flight. */
  close(): Promise<void>;
}

interface Handles {
  device: NativePointer;
  client: NativePointer;
}

export class PlistServiceConnection implements ServiceChannel {
  private handles: Handles | null;
  /** Why the channel can no longer be used, once it cannot. */
  private broken: string | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly lib: ImobiledeviceLibrary,
    private readonly limit: Semaphore,
    readonly udid: string,
    readonly service: string,
    handles: Handles,
    private readonly onClosed: (connection: PlistServiceConnection) => void = () => undefined,
  ) {
    this.handles = handles;
  }

  get isOpen(): boolean {
    return this.handles !== null && this.broken === null;
  }

  /** Runs native work one call at a time on this connection, within the bench-wide limit. */
  private serial<T>(task: (handles: Handles) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      const handles = this.handles;
      if (handles === null || this.broken !== null) throw new ServiceConnectionLost(this.service, this.broken ?? 'the connection was closed', true);
      return this.limit.run(() => task(handles));
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  send(message: PlistDict, format: PlistFormat): Promise<void> {
    return this.serial((handles) => this.sendOn(handles, message, format));
  }

  receive(timeoutMs: number, request: string): Promise<PlistDict> {
    return this.serial((handles) => this.receiveOn(handles, timeoutMs, request));
  }

  request(message: PlistDict, format: PlistFormat, timeoutMs: number, request: string): Promise<PlistDict> {
    return this.serial(async (handles) => {
      await this.sendOn(handles, message, format);
      return this.receiveOn(handles, timeoutMs, request);
    });
  }

  private async sendOn({ client }: Handles, message: PlistDict, format: PlistFormat): Promise<void> {
    const node = plistFromBytes(this.lib, toBinaryPlist(message));
    let rc: number;
    try {
      const send = format === 'xml' ? this.lib.property_list_service_send_xml_plist : this.lib.property_list_service_send_binary_plist;
      rc = await callAsync(send, client, node);
    } finally {
      this.lib.plist_free(node);
    }
    if (rc !== PLIST_SERVICE_ERRORS.SUCCESS) {
      this.broken = `sending failed (property_list_service error ${rc})`;
      throw new ServiceConnectionLost(this.service, this.broken);
    }
  }

  private async receiveOn({ client }: Handles, timeoutMs: number, request: string): Promise<PlistDict> {
    const timeout = Math.max(1, Math.min(Math.round(timeoutMs), 0xffffffff));
    const out: [NativePointer | null] = [null];
    const rc = await callAsync(this.lib.property_list_service_receive_plist_with_timeout, client, out, timeout);
    if (rc === PLIST_SERVICE_ERRORS.SUCCESS && out[0] !== null) {
      let value: PlistValue;
      try {
        value = parsePlist(plistToBytes(this.lib, out[0]));
      } finally {
        this.lib.plist_free(out[0]);
      }
      if (!isDict(value)) throw new ProtocolError(`${this.service} answered ${request} with something other than a dictionary`);
      return value;
    }
    if (out[0] !== null) this.lib.plist_free(out[0]);
    if (rc === PLIST_SERVICE_ERRORS.PLIST_ERROR) {
      // The whole message was read, so the stream is still in step; the reply itself is garbage.
      throw new ProtocolError(`${this.service} answered ${request} with something that is not a property list`);
    }
    if (rc === PLIST_SERVICE_ERRORS.RECEIVE_TIMEOUT) {
      // A late reply would be read as the answer to the next request: the channel is done.
      this.broken = `no answer to ${request} within ${timeout} ms`;
      throw new ServiceTimeout(this.service, request, timeout);
    }
    this.broken = `the device closed the connection while ${request} waited for an answer (property_list_service error ${rc})`;
    throw new ServiceConnectionLost(this.service, this.broken);
  }

  close(): Promise<void> {
    this.closing ??= this.tail.then(async () => {
      const handles = this.handles;
      this.handles = null;
      if (handles === null) return;
      try {
        // Shuts TLS down and closes the socket: I/O, so off the JS thread.
        await this.limit.run(() => callAsync(this.lib.property_list_service_client_free, handles.client)).catch(() => undefined);
      } finally {
        this.lib.idevice_free(handles.device);
        this.onClosed(this);
      }
    });
    // Calls made after close() queue behind it and find the handles gone.
    this.tail = this.closing;
    return this.closing;
  }
}
