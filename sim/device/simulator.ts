/**
 * DeviceSimulator: a fleet of simulated iPhones/iPads behind a usbmuxd Unix
 * socket that Debian's real libimobiledevice tools accept, plus the HTTP
 * control interface a test or a person uses to play the technician.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { SimActivationAuthority } from '../apple/activation-authority.js';
import { DEFAULT_ACTIVATION_SECRET } from '../apple/activation-record.js';
import { albertRoute } from '../apple/albert-http.js';
import { startControlServer } from './control-server.js';
import type { ControlServer, ExtraRoute } from './control-server.js';
import { DeviceKeyCache, createTlsIdentity } from './crypto.js';
import type { TlsIdentity } from './crypto.js';
import { SimDevice, UnknownDeviceError } from './device.js';
import type { SimDeviceHooks, SimDeviceInfo } from './device.js';
import { generateIdentities } from './generator.js';
import { LifecycleSettings } from './lifecycle.js';
import type { LifecycleOptions } from './lifecycle.js';
import { LockdownConnection } from './lockdown-connection.js';
import { createDiagnosticsService } from './diagnostics.js';
import { createMcInstallService } from './mcinstall.js';
import { createMobileActivationService } from './mobileactivation.js';
import { SeededRandom } from './random.js';
import { ServiceRegistry } from './services.js';
import type { SimService } from './services.js';
import { UsbmuxdServer } from './usbmuxd-server.js';
import type { MuxBackend } from './usbmuxd-server.js';

export { UnknownDeviceError };

export const LOCKDOWN_PORT = 62078;
export const DEFAULT_DEVICE_COUNT = 8;
export const DEFAULT_SEED = '1';
export const DEFAULT_DEVICE_KEY_BITS = 1024;

export interface SimulatorOptions {
  /** Unix socket path; clients use USBMUXD_SOCKET_ADDRESS=UNIX:<path>. */
  socketPath: string;
  /** How many devices (default 8). */
  devices?: number;
  /** Same seed, same fleet (default "1"). */
  seed?: string | number;
  /** Every device accepts Pair at once; otherwise each shows the Trust dialog first. */
  allTrusted?: boolean;
  /** HTTP control server on 127.0.0.1 (default: on, ephemeral port); false disables it. */
  control?: boolean | { host?: string; port?: number };
  /**
   * DevicePublicKey size (default 1024). The client only embeds the key in the
   * device certificate it signs, so the size changes nothing on the wire, while
   * a 2048-bit key costs ~150 ms of CPU per device on first pairing.
   */
  deviceKeyBits?: number;
  /**
   * Lockdown services devices offer through StartService, besides the
   * built-in MCInstall, mobileactivationd and diagnostics_relay (one with the
   * same name replaces the built-in one).
   */
  services?: readonly SimService[];
  /** Erase and restart times, and how long service steps take (see lifecycle.ts). */
  lifecycle?: LifecycleOptions;
  /** Secret the devices and the simulated albert share (default DEFAULT_ACTIVATION_SECRET, which SimActivationAuthority also uses). */
  activationSecret?: string;
  /** Called with one line per usbmuxd and lockdown request (debugging aid). */
  trace?: (line: string) => void;
}

export class DeviceSimulator {
  private mux: UsbmuxdServer | null = null;
  private control: ControlServer | null = null;
  private fleet: SimDevice[] = [];
  private readonly byMuxId = new Map<number, SimDevice>();
  private readonly pairRecords = new Map<string, Buffer>();
  private readonly services = new ServiceRegistry();
  /** Shared by every device; changed at run time through the control interface. */
  readonly lifecycle = new LifecycleSettings();
  private authority = new SimActivationAuthority();
  private nextMuxId = 1;
  private socket: string | null = null;
  private buid = '';
  private tls: TlsIdentity | null = null;
  private keys: DeviceKeyCache | null = null;
  private trace: ((line: string) => void) | undefined;

  get socketPath(): string {
    if (this.socket === null) throw new Error('simulator not started');
    return this.socket;
  }

  /** The value for USBMUXD_SOCKET_ADDRESS. */
  get address(): string {
    return `UNIX:${this.socketPath}`;
  }

  get controlUrl(): string | null {
    return this.control?.url ?? null;
  }

  get systemBuid(): string {
    return this.buid;
  }

  /** The simulated Apple activation server these devices accept records from (also on the control server at /albert/deviceActivation). */
  get activationAuthority(): SimActivationAuthority {
    return this.authority;
  }

  /** albert's HTTP route on the control server. */
  get extraRoutes(): ExtraRoute {
    return albertRoute(this.authority);
  }

  async start(options: SimulatorOptions): Promise<void> {
    if (this.mux) throw new Error('simulator already started');
    const seed = options.seed ?? DEFAULT_SEED;
    const random = new SeededRandom(`benchline-sim/buid/${seed}`);
    const hex = random.bytes(16).toString('hex').toUpperCase();
    this.buid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    this.lifecycle.update(options.lifecycle ?? {});
    const secret = options.activationSecret ?? DEFAULT_ACTIVATION_SECRET;
    this.authority = new SimActivationAuthority(secret);
    for (const service of builtInServices(secret)) this.services.register(service);
    for (const service of options.services ?? []) this.services.register(service);
    this.trace = options.trace;
    this.keys = new DeviceKeyCache(options.deviceKeyBits ?? DEFAULT_DEVICE_KEY_BITS);
    this.tls = await createTlsIdentity();

    const hooks: SimDeviceHooks = { attach: (device) => this.onAttach(device), detach: (device) => this.onDetach(device) };
    const policy = options.allTrusted ? 'trusted' : 'untrusted';
    this.fleet = generateIdentities(options.devices ?? DEFAULT_DEVICE_COUNT, seed).map((identity) => new SimDevice(identity, policy, hooks, this.lifecycle));

    await clearStaleSocket(options.socketPath);
    const mux = new UsbmuxdServer(this.backend(), this.trace);
    await mux.listen(options.socketPath);
    this.mux = mux;
    this.socket = options.socketPath;
    for (const device of this.fleet) device.attach();

    if (options.control !== false) {
      const where = typeof options.control === 'object' ? options.control : {};
      try {
        this.control = await startControlServer(this, where.host ?? '127.0.0.1', where.port ?? 0);
      } catch (error) {
        // Do not leave a half-started simulator (and its socket file) behind.
        await this.stop();
        throw error;
      }
    }
  }

  async stop(): Promise<void> {
    const mux = this.mux;
    const control = this.control;
    this.mux = null;
    this.control = null;
    for (const device of this.fleet) {
      device.dispose();
      device.detach();
    }
    this.services.clear();
    await Promise.all([mux?.close(), control?.close()]);
    if (this.socket !== null && existsSync(this.socket)) unlinkSync(this.socket);
  }

  devices(): SimDeviceInfo[] {
    return this.fleet.map((device) => device.info());
  }

  /** A device by UDID, ECID (decimal or 0x-hex) or hardware serial number. */
  device(selector: string): SimDevice {
    const wanted = selector.trim();
    const ecid = /^(0x[0-9a-f]+|\d+)$/i.test(wanted) ? BigInt(wanted).toString(10) : null;
    const found = this.fleet.find(
      (device) =>
        device.udid.toLowerCase() === wanted.toLowerCase() || device.identity.serialNumber === wanted.toUpperCase() || (ecid !== null && device.identity.ecid === ecid),
    );
    if (!found) throw new UnknownDeviceError(`no simulated device "${selector}"`);
    return found;
  }

  allDevices(): readonly SimDevice[] {
    return this.fleet;
  }

  registerService(service: SimService): void {
    this.services.register(service);
  }

  /** Pair records usbmuxd holds, by UDID (what SavePairRecord stored). */
  pairRecord(udid: string): Buffer | undefined {
    return this.pairRecords.get(udid);
  }

  private onAttach(device: SimDevice): void {
    device.muxId = this.nextMuxId++;
    this.byMuxId.set(device.muxId, device);
    this.mux?.broadcastAttached(device);
  }

  private onDetach(device: SimDevice): void {
    const id = device.muxId;
    if (id === null) return;
    this.byMuxId.delete(id);
    device.muxId = null;
    this.mux?.broadcast({ MessageType: 'Detached', DeviceID: id });
  }

  private backend(): MuxBackend {
    return {
      attachedDevices: () => this.fleet.filter((device) => device.attached),
      deviceByMuxId: (id) => this.byMuxId.get(id),
      deviceByUdid: (udid) => this.fleet.find((device) => device.udid === udid),
      systemBuid: this.buid,
      readPairRecord: (udid) => this.pairRecords.get(udid),
      savePairRecord: (udid, record) => this.pairRecords.set(udid, record),
      deletePairRecord: (udid) => this.pairRecords.delete(udid),
      acceptorFor: (device, port) => this.acceptorFor(device, port),
    };
  }

  private acceptorFor(device: SimDevice, port: number): ((socket: Socket, initial: Buffer) => void) | null {
    const keys = this.keys;
    const tls = this.tls;
    if (!keys || !tls) return null;
    if (port === LOCKDOWN_PORT) {
      return (socket, initial) => {
        device.trackConnection(socket);
        new LockdownConnection(socket, initial, device, { keys, tls, services: this.services, trace: this.trace });
      };
    }
    const service = this.services.take(device, port);
    if (!service) return null;
    return (socket, initial) => {
      device.trackConnection(socket);
      socket.on('error', () => socket.destroy());
      if (initial.length > 0) socket.unshift(initial);
      if (!service.ssl) {
        service.serve(socket, device, this.trace);
        return;
      }
      const secure = new TLSSocket(socket, { isServer: true, secureContext: tls.secureContext, requestCert: false, rejectUnauthorized: false });
      secure.on('error', () => socket.destroy());
      service.serve(secure, device, this.trace);
    };
  }
}

/** The services every simulated device offers. */
function builtInServices(activationSecret: string): SimService[] {
  return [createMcInstallService(), createMobileActivationService(activationSecret), createDiagnosticsService()];
}

/** A socket file left by a crashed run is removed; one a live server answers on is an error. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = netConnect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path} is in use by another usbmuxd (or simulator)`);
  unlinkSync(path);
}
