/**
 * Lockdown services (MCInstall, diagnostics_relay, …). StartService opens a
 * one-shot port on the device; the client's next usbmuxd Connect to that
 * port is handed to the service. Services are plugged in by whoever needs
 * them, so this module stays a registry and a port allocator.
 */
import type { Duplex } from 'node:stream';
import type { SimDevice } from './device.js';

export interface SimService {
  /** The lockdown service name, e.g. "com.apple.mobile.MCInstall". */
  readonly name: string;
  /** EnableServiceSSL: the client starts TLS straight after Connect. */
  readonly ssl: boolean;
  /** Whether this device offers the service (e.g. by iOS version); all devices when absent. */
  available?(device: SimDevice): boolean;
  /** Serves one client connection; `stream` is already TLS when `ssl` is set. */
  serve(stream: Duplex, device: SimDevice): void;
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
