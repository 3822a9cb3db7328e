/**
 * The device services through the real libimobiledevice (koffi) against
 * services registered in the simulator for this test: what goes on the wire,
 * how each kind of failure comes back (refusal, timeout, drop, garbage), that
 * services start on the kept lockdown session, and that closing frees every
 * connection once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import {
  ActivationError,
  DiagnosticsError,
  LockdownError,
  ManagementError,
  OutcomeUnknown,
  ProtocolError,
  ServiceConnectionLost,
  ServiceTimeout,
} from '../../core/devices/errors.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { createDeviceServices } from '../../native/imobiledevice/services.js';
import { encodeLockdownFrame, LockdownFrameDecoder } from '../../sim/device/framing.js';
import { createPlistService, type PlistServiceReply, type SimService } from '../../sim/device/services.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import type { SimDevice } from '../../sim/device/device.js';
import { parsePlistDict } from '../../native/plist/codec.js';

const sim = new DeviceSimulator();
let dir = '';
const trace: string[] = [];
let lockdown: ImobiledeviceLockdown;

/** What each test wants a service to answer; reset before every test. */
type Handler = (request: PlistDict, device: SimDevice) => PlistServiceReply | Promise<PlistServiceReply>;
let mcinstall: Handler;
let activation: Handler;
let diagnostics: Handler;
const received: { service: string; request: PlistDict }[] = [];
const never = (): Promise<PlistServiceReply> => new Promise(() => undefined);

function recorded(name: string, handler: () => Handler, ssl: boolean, available?: (device: SimDevice) => boolean): SimService {
  return createPlistService({
    name,
    ssl,
    ...(available ? { available } : {}),
    handle: (request, device) => {
      received.push({ service: name, request });
      return handler()(request, device);
    },
  });
}

/** A service that answers every request with a frame that is not a property list. */
const garbage: SimService = {
  name: 'com.example.garbage',
  ssl: true,
  serve(stream: Duplex) {
    const decoder = new LockdownFrameDecoder();
    stream.on('error', () => stream.destroy());
    stream.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        received.push({ service: 'com.example.garbage', request: parsePlistDict(body) });
        stream.write(encodeLockdownFrame(Buffer.from('this is not a property list at all')));
      }
    });
  },
};

const sessions = (udid: string): number => trace.filter((line) => line.startsWith(`${udid} `) && / (plain|tls) StartSession\b/.test(line)).length;
const device = (index: number): SimDevice => sim.allDevices()[index]!;
const requestsTo = (service: string): PlistDict[] => received.filter((entry) => entry.service === service).map((entry) => entry.request);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-native-services-'));
  await sim.start({
    socketPath: path.join(dir, 'mux.sock'),
    devices: 4,
    seed: 'native-services',
    allTrusted: true,
    control: false,
    trace: (line) => trace.push(line),
    services: [
      recorded('com.apple.mobile.MCInstall', () => mcinstall, true),
      recorded('com.apple.mobileactivationd', () => activation, false),
      // Device 3 is "old": it offers diagnostics only under the legacy name.
      recorded('com.apple.mobile.diagnostics_relay', () => diagnostics, true, (d) => d.identity.index !== 3),
      recorded('com.apple.iosdiagnostics.relay', () => diagnostics, true, (d) => d.identity.index === 3),
      garbage,
    ],
  });
  process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received.length = 0;
  mcinstall = () => ({ Status: 'Acknowledged' });
  activation = () => ({ Value: 'Unactivated' });
  diagnostics = () => ({ Status: 'Success' });
  lockdown = new ImobiledeviceLockdown();
});

afterEach(async () => {
  await lockdown.close();
  expect(lockdown.openServiceConnections).toBe(0);
});

describe('starting services on the kept lockdown session', () => {
  it('reuses the session a read opened: reads and three service starts cost one StartSession', async () => {
    const { udid } = device(0);
    await lockdown.readIdentity(udid, []);
    const before = sessions(udid);
    const services = createDeviceServices(lockdown);
    for (let i = 0; i < 3; i += 1) {
      const connection = await services.management.open(udid);
      await connection.hello();
      await connection.close();
    }
    expect(sessions(udid) - before).toBe(0);
    expect(requestsTo('com.apple.mobile.MCInstall').map((r) => r.RequestType)).toEqual(['HelloHostIdentifier', 'HelloHostIdentifier', 'HelloHostIdentifier']);
  });

  it('re-opens a session that died (device replugged) once, transparently', async () => {
    const { udid } = device(1);
    await lockdown.readIdentity(udid, []);
    device(1).replug();
    const before = sessions(udid);
    const connection = await createDeviceServices(lockdown).management.open(udid);
    await connection.hello();
    await connection.close();
    expect(sessions(udid) - before).toBe(1);
  });

  it('a service the device does not offer is lockdownd InvalidService, and the session stays usable', async () => {
    const { udid } = device(0);
    await lockdown.readIdentity(udid, []);
    const before = sessions(udid);
    const attempt = lockdown.openService(udid, 'com.example.nothing');
    await expect(attempt).rejects.toBeInstanceOf(LockdownError);
    await expect(attempt).rejects.toMatchObject({ code: 'InvalidService' });
    await lockdown.readIdentity(udid, []);
    expect(sessions(udid) - before).toBe(0);
  });

  it('close() waits for a service call in flight, then frees every connection', async () => {
    const { udid } = device(2);
    mcinstall = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { Status: 'Acknowledged' };
    };
    const connection = await createDeviceServices(lockdown).management.open(udid);
    expect(lockdown.openServiceConnections).toBe(1);
    const hello = connection.hello();
    const closing = lockdown.close();
    await expect(hello).resolves.toBeUndefined();
    await closing;
    expect(lockdown.openServiceConnections).toBe(0);
    // The connection is closed for its user too, without a second free.
    await expect(connection.hello()).rejects.toBeInstanceOf(ServiceConnectionLost);
    await connection.close();
  });
});

describe('MCInstall over the wire', () => {
  it('sends the requests MCInstall expects and reads the profile list in the device order', async () => {
    const { udid } = device(0);
    mcinstall = (request): PlistDict =>
      request.RequestType === 'GetProfileList'
        ? {
            Status: 'Acknowledged',
            OrderedIdentifiers: ['com.example.wifi', 'com.example.mdm'],
            ProfileManifest: { 'com.example.mdm': { Description: 'MDM', IsActive: true }, 'com.example.wifi': { Description: 'Wi-Fi', IsActive: false } },
            ProfileMetadata: {
              'com.example.mdm': { PayloadDisplayName: 'MDM', PayloadUUID: 'U-MDM', PayloadVersion: 1, PayloadRemovalDisallowed: true },
              'com.example.wifi': { PayloadDisplayName: 'Wi-Fi', PayloadDescription: 'Office Wi-Fi', PayloadUUID: 'U-WIFI', PayloadVersion: 3 },
            },
          }
        : { Status: 'Acknowledged' };
    const connection = await createDeviceServices(lockdown).management.open(udid);
    const profiles = await connection.getProfileList();
    expect(profiles.map((p) => [p.identifier, p.uuid, p.version, p.isActive, p.removalDisallowed, p.description])).toEqual([
      ['com.example.wifi', 'U-WIFI', 3, false, false, 'Office Wi-Fi'],
      ['com.example.mdm', 'U-MDM', 1, true, true, null],
    ]);
    await connection.installProfile(Buffer.from('<plist/>'));
    await connection.removeProfile(profiles[0]!);
    await connection.close();
    const [, install, remove] = requestsTo('com.apple.mobile.MCInstall');
    expect(Buffer.from(install!.Payload as Uint8Array).toString()).toBe('<plist/>');
    // ProfileIdentifier is itself a plist, carried as data.
    expect(parsePlistDict(remove!.ProfileIdentifier as Uint8Array)).toEqual({
      PayloadType: 'Configuration',
      PayloadIdentifier: 'com.example.wifi',
      PayloadUUID: 'U-WIFI',
      PayloadVersion: 3,
    });
  });

  it('an ErrorChain comes back as a ManagementError with the device code, domain and words', async () => {
    const { udid } = device(0);
    mcinstall = () => ({
      Status: 'Error',
      ErrorChain: [{ ErrorCode: 14002, ErrorDomain: 'MCCloudConfigErrorDomain', LocalizedDescription: 'Déjà là', USEnglishDescription: 'The cloud configuration is already present.' }],
    });
    const connection = await createDeviceServices(lockdown).management.open(udid);
    const attempt = connection.setCloudConfiguration({ IsSupervised: true });
    await expect(attempt).rejects.toBeInstanceOf(ManagementError);
    await expect(attempt).rejects.toMatchObject({ code: 'MCInstall.14002', message: expect.stringContaining('The cloud configuration is already present.') });
    // A refusal leaves the connection usable.
    mcinstall = () => ({ Status: 'Acknowledged' });
    await expect(connection.hello()).resolves.toBeUndefined();
    await connection.close();
  });

  it('keeps uint64 values exact both ways', async () => {
    const { udid } = device(0);
    const big = 2n ** 64n - 1n;
    mcinstall = (request): PlistDict =>
      request.RequestType === 'GetCloudConfiguration' ? { Status: 'Acknowledged', CloudConfiguration: { IsSupervised: true, Magic: 2n ** 63n + 5n } } : { Status: 'Acknowledged' };
    const connection = await createDeviceServices(lockdown).management.open(udid);
    await connection.setCloudConfiguration({ IsSupervised: false, Magic: big });
    const configuration = await connection.getCloudConfiguration();
    await connection.close();
    expect((requestsTo('com.apple.mobile.MCInstall')[0]!.CloudConfiguration as PlistDict).Magic).toBe(big);
    expect(configuration).toMatchObject({ IsSupervised: true, Magic: 2n ** 63n + 5n });
  });

  it('no cloud configuration is null, not an empty one', async () => {
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(connection.getCloudConfiguration()).resolves.toBeNull();
    await connection.close();
  });

  it('a device that does not answer is a ServiceTimeout after the time asked for, and the connection is then done', async () => {
    mcinstall = never;
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    const started = Date.now();
    await expect(connection.hello({ timeoutMs: 300 })).rejects.toBeInstanceOf(ServiceTimeout);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5_000);
    await expect(connection.hello()).rejects.toBeInstanceOf(ServiceConnectionLost);
    await connection.close();
  });

  it('the default timeout is the one given to createDeviceServices', async () => {
    mcinstall = never;
    const connection = await createDeviceServices(lockdown, { timeoutMs: 200 }).management.open(device(0).udid);
    await expect(connection.getProfileList()).rejects.toMatchObject({ code: 'ServiceTimeout', timeoutMs: 200 });
    await connection.close();
  });

  it('EraseDevice: Acknowledged is success', async () => {
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(connection.eraseDevice({ preserveDataPlan: true, disallowProximitySetup: false })).resolves.toBeUndefined();
    expect(requestsTo('com.apple.mobile.MCInstall')[0]).toEqual({ RequestType: 'EraseDevice', PreserveDataPlan: true, DisallowProximitySetup: false });
    await connection.close();
  });

  it('EraseDevice: the connection dropping before the acknowledgement is OutcomeUnknown', async () => {
    mcinstall = () => null; // hang up without answering
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    const attempt = connection.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: true });
    await expect(attempt).rejects.toBeInstanceOf(OutcomeUnknown);
    await expect(attempt).rejects.toMatchObject({ code: 'OutcomeUnknown', request: 'EraseDevice' });
    await connection.close();
  });

  it('EraseDevice: silence past the timeout is OutcomeUnknown too; a refusal is a ManagementError', async () => {
    mcinstall = never;
    const first = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(first.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false }, { timeoutMs: 200 })).rejects.toBeInstanceOf(OutcomeUnknown);
    await first.close();
    mcinstall = () => ({ Status: 'NotNow' });
    const second = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(second.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).rejects.toMatchObject({ code: 'MCInstall.NotNow' });
    await second.close();
  });

  it('a reply that is not a property list is a ProtocolError', async () => {
    const channel = await lockdown.openService(device(0).udid, 'com.example.garbage');
    await channel.send({ RequestType: 'HelloHostIdentifier' }, 'xml');
    await expect(channel.receive(2_000, 'HelloHostIdentifier')).rejects.toBeInstanceOf(ProtocolError);
    expect(requestsTo('com.example.garbage')).toEqual([{ RequestType: 'HelloHostIdentifier' }]);
    await channel.close();
  });

  it('a reply without a Status is a ProtocolError', async () => {
    mcinstall = () => ({ Hello: 'there' });
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(connection.hello()).rejects.toBeInstanceOf(ProtocolError);
    await connection.close();
  });
});

describe('mobileactivation over the wire', () => {
  it('reads the activation state', async () => {
    await expect(createDeviceServices(lockdown).activation.getActivationState(device(0).udid)).resolves.toBe('Unactivated');
    expect(requestsTo('com.apple.mobileactivationd')).toEqual([{ Command: 'GetActivationStateRequest' }]);
  });

  it('activates: the info goes to the authority, its record back to the device', async () => {
    const { udid } = device(1);
    activation = (request): PlistDict => (request.Command === 'CreateActivationInfoRequest' ? { Value: { ActivationInfoXML: Buffer.from('<info/>'), Serial: udid } } : {});
    const seen: PlistDict[] = [];
    await createDeviceServices(lockdown).activation.activate(udid, {
      requestActivationRecord: (forUdid, info) => {
        seen.push({ forUdid, ...info });
        return Promise.resolve({ AccountToken: Buffer.from('token'), Unbrick: true });
      },
    });
    expect(seen).toEqual([{ forUdid: udid, ActivationInfoXML: Buffer.from('<info/>'), Serial: udid }]);
    expect(requestsTo('com.apple.mobileactivationd')).toEqual([
      { Command: 'CreateActivationInfoRequest' },
      { Command: 'HandleActivationInfoRequest', Value: { AccountToken: Buffer.from('token'), Unbrick: true } },
    ]);
  });

  it("the daemon's Error comes back as an ActivationError with its words", async () => {
    activation = () => ({ Error: 'Device is not ready for activation' });
    const attempt = createDeviceServices(lockdown).activation.activate(device(0).udid, { requestActivationRecord: () => Promise.reject(new Error('not reached')) });
    await expect(attempt).rejects.toBeInstanceOf(ActivationError);
    await expect(attempt).rejects.toMatchObject({ code: 'ActivationFailed', deviceMessage: 'Device is not ready for activation' });
  });
});

describe('diagnostics_relay over the wire', () => {
  it('restart: Success, then Goodbye, with WaitForDisconnect', async () => {
    await createDeviceServices(lockdown).diagnostics.restart(device(0).udid);
    expect(requestsTo('com.apple.mobile.diagnostics_relay')).toEqual([{ Request: 'Restart', WaitForDisconnect: true }, { Request: 'Goodbye' }]);
  });

  it('the device going away right after the request is success', async () => {
    diagnostics = () => null;
    await expect(createDeviceServices(lockdown).diagnostics.shutdown(device(0).udid)).resolves.toBeUndefined();
  });

  it('Failure is a DiagnosticsError', async () => {
    diagnostics = () => ({ Status: 'Failure' });
    await expect(createDeviceServices(lockdown).diagnostics.restart(device(0).udid)).rejects.toMatchObject({ code: 'Diagnostics.Failure' });
    diagnostics = () => ({ Status: 'UnknownRequest' });
    await expect(createDeviceServices(lockdown).diagnostics.shutdown(device(0).udid)).rejects.toBeInstanceOf(DiagnosticsError);
  });

  it('falls back to the legacy service name where the device only offers that', async () => {
    await createDeviceServices(lockdown).diagnostics.restart(device(3).udid);
    expect(requestsTo('com.apple.iosdiagnostics.relay').map((r) => r.Request)).toEqual(['Restart', 'Goodbye']);
  });
});
