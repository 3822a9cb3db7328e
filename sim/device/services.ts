/**
 * Lockdown services (MCInstall, diagnostics_relay, …). StartService opens a
 * one-shot port on the device; the client's next usbmuxd Connect to that
 * port is handed to the service. Services are plugged in by whoever needs
 * them, so this module stays a registry and a port allocator.
 */
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../core/devices/identity.js';
import type { SimDevice } from './device.js';
import { LockdownFrameDecoder, encodeLockdownPlist } from './framing.js';
import { parseRequestPlist } from './plist-wire.js';

export interface SimService {
  /** The lockdown service name, e.g. "com.apple.mobile.MCInstall". */
  readonly name: string;
  /** EnableServiceSSL: the client starts TLS straight after Connect. */
  readonly ssl: boolean;
  /** Whether this device offers the service (e.g. by iOS version); all devices when absent. */
  available?(device: SimDevice): boolean;
  /** Serves one client connection; `stream` is already TLS when `ssl` is set. `trace` gets one line per request (--trace). */
  serve(stream: Duplex, device: SimDevice, trace?: (line: string) => void): void;
}

/** A started service that nobody connected to is forgotten, as lockdownd closes the listener. */
const BINDING_TTL_MS = 30_000;
const FIRST_PORT = 49152;
const LAST_PORT = 65535;
const LOCKDOWN_PORT = 62078;

export class ServiceRegistry {
  private readonly services = new Map<string, SimService>();
  /** "udid/port" → service waiting for its Connect. */
  private readonly bindings = new Map<string, { service: SimService; timer: NodeJS.Timeout }>();
  private nextPort = FIRST_PORT;

  register(service: SimService): void {
    this.services.set(service.name, service);
  }

  lookup(name: string, device: SimDevice): SimService | undefined {
    const service = this.services.get(name);
    return service && (service.available?.(device) ?? true) ? service : undefined;
  }

  /** Opens a port for one connection to `service` on `device`. */
  bind(device: SimDevice, service: SimService): number {
    let port = this.nextPort;
    while (port === LOCKDOWN_PORT || this.bindings.has(`${device.udid}/${port}`)) port = port >= LAST_PORT ? FIRST_PORT : port + 1;
    this.nextPort = port >= LAST_PORT ? FIRST_PORT : port + 1;
    const key = `${device.udid}/${port}`;
    const timer = setTimeout(() => this.bindings.delete(key), BINDING_TTL_MS);
    timer.unref();
    this.bindings.set(key, { service, timer });
    return port;
  }

  /** The service waiting on `port`, consuming the binding. */
  take(device: SimDevice, port: number): SimService | undefined {
    const key = `${device.udid}/${port}`;
    const binding = this.bindings.get(key);
    if (!binding) return undefined;
    clearTimeout(binding.timer);
    this.bindings.delete(key);
    return binding.service;
  }

  clear(): void {
    for (const { timer } of this.bindings.values()) clearTimeout(timer);
    this.bindings.clear();
  }
}

/**
 * Reads lockdown-framed requests off `stream` and hands each body to
 * `handle`, one at a time and in order, as a device service answers them.
 * A frame that cannot be decoded, a handler that throws and a stream error
 * all end the connection.
 */
export function serveFramedRequests(stream: Duplex, handle: (body: Buffer) => Promise<void>): void {
  const decoder = new LockdownFrameDecoder();
  let chain = Promise.resolve();
  stream.on('error', () => stream.destroy());
  stream.on('data', (chunk: Buffer) => {
    let bodies: Buffer[];
    try {
      bodies = decoder.push(chunk);
    } catch {
      stream.destroy();
      return;
    }
    for (const body of bodies) {
      chain = chain
        .then(() => handle(body))
        .catch(() => {
          stream.destroy();
        });
    }
  });
}

/** What a plist service answers to one request: a reply, several, or null to hang up. */
export type PlistServiceReply = PlistDict | PlistDict[] | null;

/**
 * A service speaking lockdown-style framed plists (MCInstall,
 * diagnostics_relay, …): requests are handled one at a time, in order.
 */
export function createPlistService(options: {
  name: string;
  ssl: boolean;
  available?: (device: SimDevice) => boolean;
  handle: (request: PlistDict, device: SimDevice) => PlistServiceReply | Promise<PlistServiceReply>;
}): SimService {
  const service: SimService = {
    name: options.name,
    ssl: options.ssl,
    serve(stream, device) {
      serveFramedRequests(stream, async (body) => {
        const reply = await options.handle(parseRequestPlist(body), device);
        if (reply === null) stream.end();
        else for (const message of Array.isArray(reply) ? reply : [reply]) stream.write(encodeLockdownPlist(message));
      });
    },
  };
  if (options.available) service.available = options.available;
  return service;
}
