/**
 * A fake bench for job-engine tests: devices with management state, the
 * DeviceServices ports over them, and presence that attaches and detaches
 * them. Erase makes a device leave and come back wiped after `eraseGoneMs`,
 * like the simulator and real devices do. An MCInstall connection is dead once
 * the device has left since it was opened, or after EraseDevice, as on a real
 * device: calls on it fail with ServiceConnectionLost.
 */
import type { CloudConfiguration, DeviceServices, InstalledProfile, ManagementConnection, SupervisionIdentity } from '../../core/devices/services.js';
import { DeviceError, ServiceConnectionLost } from '../../core/devices/errors.js';
import type { DevicePresence, PresentDevice } from '../../core/jobs/presence.js';
import type { ConnectionState } from '../../core/devices/states.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';

export interface FakeDevice {
  udid: string;
  serialNumber: string;
  activationState: string;
  cloudConfiguration: CloudConfiguration | null;
  profiles: InstalledProfile[];
  present: boolean;
  state: ConnectionState;
  counts: Record<string, number>;
  /** For each MCInstall open, the device's departure count at the time (so a test can tell which return it belongs to). */
  opens: number[];
  /** Throws this once on the named request, then behaves. */
  failures: Map<string, Error>;
  /** Milliseconds the device stays away after an erase or restart. */
  goneMs: number;
  /** When set, the next erase is accepted but the device never actually erases (to test "not confirmed"). */
  ignoreErase: boolean;
}

export class FakeBench {
  readonly devices = new Map<string, FakeDevice>();
  private readonly listeners = new Set<() => void>();
  private readonly departureCounts = new Map<string, number>();

  add(udid: string, overrides: Partial<FakeDevice> = {}): FakeDevice {
    const device: FakeDevice = {
      udid,
      serialNumber: `SN${udid.slice(-6).toUpperCase()}`,
      activationState: 'Activated',
      cloudConfiguration: null,
      profiles: [{ identifier: 'com.example.wifi', uuid: 'U1', version: 1, displayName: 'Wi-Fi', description: null, removalDisallowed: false, isActive: true }],
      present: true,
      state: 'ready',
      counts: {},
      opens: [],
      failures: new Map(),
      goneMs: 20,
      ignoreErase: false,
      ...overrides,
    };
    this.devices.set(udid, device);
    return device;
  }

  device(udid: string): FakeDevice {
    const device = this.devices.get(udid);
    if (!device) throw new Error(`no fake device ${udid}`);
    return device;
  }

  detach(udid: string): void {
    const device = this.device(udid);
    if (!device.present) return;
    device.present = false;
    this.departureCounts.set(udid, (this.departureCounts.get(udid) ?? 0) + 1);
    this.changed();
  }

  attach(udid: string, state: ConnectionState = 'ready'): void {
    const device = this.device(udid);
    device.present = true;
    device.state = state;
    this.changed();
  }

  setState(udid: string, state: ConnectionState): void {
    this.device(udid).state = state;
    this.changed();
  }

  departures(udid: string): number {
    return this.departureCounts.get(udid) ?? 0;
  }

  count(udid: string, request: string): number {
    return this.device(udid).counts[request] ?? 0;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  presence(): DevicePresence {
    return {
      find: (udid): PresentDevice | undefined => {
        const device = this.devices.get(udid);
        if (!device?.present) return undefined;
        return { udid, state: device.state, instruction: STATE_INSTRUCTIONS[device.state], serialNumber: device.serialNumber, ecid: '1234', activationState: device.activationState };
      },
      departures: (udid) => this.departures(udid),
      onChange: (listener) => {
        this.listeners.add(listener);
        return { close: () => void this.listeners.delete(listener) };
      },
      close: () => undefined,
    };
  }

  /** Counts the request and throws an injected failure or "not found" for an absent device. */
  private touch(udid: string, request: string): FakeDevice {
    const device = this.device(udid);
    if (!device.present) throw new DeviceError(`No device ${udid}`, 'DeviceNotFound', 'Plug it in.');
    device.counts[request] = (device.counts[request] ?? 0) + 1;
    const failure = device.failures.get(request);
    if (failure) {
      device.failures.delete(request);
      throw failure;
    }
    return device;
  }

  private leaveAndReturn(udid: string, change: (device: FakeDevice) => void): void {
    const device = this.device(udid);
    setTimeout(() => {
      this.detach(udid);
      change(device);
      setTimeout(() => this.attach(udid), device.goneMs);
    }, 1);
  }

  services(): DeviceServices {
    return this.servicesOf();
  }

  private servicesOf(bench: FakeBench = this): DeviceServices {
    const management = (udid: string): ManagementConnection => {
      let escalated = false;
      let closed = false;
      let closeCalled = false;
      const departuresAtOpen = bench.departures(udid);
      bench.device(udid).opens.push(departuresAtOpen);
      /** touch() on this connection: refused once the connection is gone. */
      const touch = (request: string): FakeDevice => {
        if (closed) throw new ServiceConnectionLost('com.apple.mobile.MCInstall', 'the connection was closed', true);
        if (bench.departures(udid) !== departuresAtOpen) throw new ServiceConnectionLost('com.apple.mobile.MCInstall', 'the device left since the connection was opened', true);
        return bench.touch(udid, request);
      };
      return {
        hello: () => Promise.resolve(void touch('HelloHostIdentifier')),
        getProfileList: () => Promise.resolve(touch('GetProfileList').profiles.map((profile) => ({ ...profile }))),
        installProfile: (payload: Uint8Array) => {
          const device = touch('InstallProfile');
          if (!device.cloudConfiguration?.IsSupervised || !escalated) return Promise.reject(new DeviceError('not supervised', 'MCInstall.4001', 'Supervise it.'));
          const text = Buffer.from(payload).toString('utf8');
          const identifier = /<key>PayloadIdentifier<\/key>\s*<string>([^<]+)<\/string>/.exec(text)?.[1] ?? 'unknown';
          const uuid = /<key>PayloadUUID<\/key>\s*<string>([^<]+)<\/string>/.exec(text)?.[1] ?? 'unknown';
          device.profiles = device.profiles.filter((profile) => profile.identifier !== identifier);
          device.profiles.push({ identifier, uuid, version: 1, displayName: 'Enrollment', description: null, removalDisallowed: false, isActive: true });
          return Promise.resolve();
        },
        removeProfile: (profile) => {
          const device = touch('RemoveProfile');
          device.profiles = device.profiles.filter((candidate) => candidate.identifier !== profile.identifier);
          return Promise.resolve();
        },
        getCloudConfiguration: () => Promise.resolve(touch('GetCloudConfiguration').cloudConfiguration),
        setCloudConfiguration: (configuration: CloudConfiguration) => {
          const device = touch('SetCloudConfiguration');
          if (device.cloudConfiguration) return Promise.reject(new DeviceError('exists', 'MCInstall.14002', 'Erase first.'));
          device.cloudConfiguration = { ...configuration };
          return Promise.resolve();
        },
        escalate: (identity: SupervisionIdentity) => {
          const device = touch('Escalate');
          const certificates = device.cloudConfiguration?.SupervisorHostCertificates ?? [];
          if (!certificates.some((certificate) => Buffer.from(certificate).equals(Buffer.from(identity.certificateDer)))) {
            return Promise.reject(new DeviceError('rejected', 'MCInstall.CertificateRejected', 'Wrong identity.'));
          }
          escalated = true;
          return Promise.resolve();
        },
        eraseDevice: () => {
          const device = touch('EraseDevice');
          closed = true; // acknowledged: the device resets, the connection is of no further use
          if (device.ignoreErase) return Promise.resolve();
          bench.leaveAndReturn(udid, (target) => {
            target.activationState = 'Unactivated';
            target.cloudConfiguration = null;
            target.profiles = [];
          });
          return Promise.resolve();
        },
        close: () => {
          // Counted once per connection, also for one EraseDevice already spent: every open should be matched by a close.
          const device = bench.device(udid);
          if (!closeCalled) device.counts.close = (device.counts.close ?? 0) + 1;
          closeCalled = true;
          closed = true;
          return Promise.resolve();
        },
      };
    };
    return {
      management: { open: (udid) => Promise.resolve(bench.touch(udid, 'open') && management(udid)) },
      activation: {
        getActivationState: (udid) => Promise.resolve(bench.touch(udid, 'GetActivationStateRequest').activationState),
        activate: async (udid, authority) => {
          bench.touch(udid, 'Activate');
          await authority.requestActivationRecord(udid, {});
          bench.device(udid).activationState = 'Activated';
        },
      },
      diagnostics: {
        restart: (udid) => {
          bench.touch(udid, 'Restart');
          bench.leaveAndReturn(udid, () => undefined);
          return Promise.resolve();
        },
        shutdown: (udid) => {
          bench.touch(udid, 'Shutdown');
          setTimeout(() => bench.detach(udid), 1);
          return Promise.resolve();
        },
      },
    };
  }
}
