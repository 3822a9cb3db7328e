/**
 * The device services through the real libimobiledevice against the
 * simulator's own MCInstall, mobileactivationd and diagnostics_relay and its
 * device life cycle: what a technician would see happen to a device.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActivationError, DiagnosticsError, LockdownError, ManagementError, OutcomeUnknown } from '../../core/devices/errors.js';
import type { SupervisionIdentity } from '../../core/devices/services.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { createDeviceServices } from '../../native/imobiledevice/services.js';
import { toXmlPlist } from '../../native/plist/codec.js';
import { SimActivationAuthority } from '../../sim/apple/activation-authority.js';
import type { SimDevice } from '../../sim/device/device.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';

const GONE_MS = 300;
const sim = new DeviceSimulator();
let dir = '';
let lockdown: ImobiledeviceLockdown;

/**
 * A supervision identity made here, independently of the simulator's helper:
 * a self-signed RSA certificate, and CMS SignedData (content attached, signed
 * attributes) over each challenge.
 */
function makeIdentity(commonName: string, signWith?: forge.pki.rsa.PrivateKey): SupervisionIdentity & { key: forge.pki.rsa.PrivateKey } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 3_600_000);
  certificate.validity.notAfter = new Date(Date.now() + 3_600_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: commonName }]);
  certificate.sign(key, forge.md.sha256.create());
  return {
    key,
    certificateDer: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary'),
    signChallenge(challenge) {
      const signed = forge.pkcs7.createSignedData();
      signed.content = forge.util.createBuffer(Buffer.from(challenge).toString('binary'));
      signed.addCertificate(certificate);
      signed.addSigner({
        key: signWith ?? key,
        certificate,
        digestAlgorithm: forge.pki.oids.sha256!,
        authenticatedAttributes: [{ type: forge.pki.oids.contentType!, value: forge.pki.oids.data! }, { type: forge.pki.oids.messageDigest! }, { type: forge.pki.oids.signingTime! }],
      });
      signed.sign({ detached: false });
      return Buffer.from(forge.asn1.toDer(signed.toAsn1()).getBytes(), 'binary');
    },
  };
}

function mobileconfig(identifier: string, uuid: string): Buffer {
  return toXmlPlist({
    PayloadType: 'Configuration',
    PayloadIdentifier: identifier,
    PayloadUUID: uuid,
    PayloadVersion: 1,
    PayloadDisplayName: 'Bench Wi-Fi',
    PayloadContent: [{ PayloadType: 'com.apple.wifi.managed', PayloadIdentifier: `${identifier}.wifi`, PayloadUUID: `${uuid}-W`, PayloadVersion: 1, SSID_STR: 'bench' }],
  });
}

const device = (index: number): SimDevice => sim.allDevices()[index]!;

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-native-sim-'));
  await sim.start({
    socketPath: path.join(dir, 'mux.sock'),
    devices: 6,
    seed: 'native-services-sim',
    allTrusted: true,
    control: false,
    lifecycle: { eraseGoneMs: GONE_MS, restartGoneMs: GONE_MS },
  });
  process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
  lockdown = new ImobiledeviceLockdown();
});

afterAll(async () => {
  await lockdown.close();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const d of sim.allDevices()) d.faults.clear();
});

describe('supervision and profiles (MCInstall)', () => {
  const identity = makeIdentity('Benchline QA Supervisor');

  it('supervises a device with a cloud configuration, which cannot be set twice', async () => {
    const { udid } = device(0);
    const connection = await createDeviceServices(lockdown).management.open(udid);
    await connection.hello();
    expect(await connection.getCloudConfiguration()).toBeNull();
    await connection.setCloudConfiguration({
      IsSupervised: true,
      AllowPairing: true,
      OrganizationName: 'Benchline QA',
      SkipSetup: ['Location', 'Siri'],
      SupervisorHostCertificates: [identity.certificateDer],
    });
    const configuration = await connection.getCloudConfiguration();
    expect(configuration).toMatchObject({ IsSupervised: true, OrganizationName: 'Benchline QA', SkipSetup: ['Location', 'Siri'] });
    expect(Buffer.from(configuration!.SupervisorHostCertificates![0]!).equals(Buffer.from(identity.certificateDer))).toBe(true);
    expect(device(0).management.supervised).toBe(true);

    const again = connection.setCloudConfiguration({ IsSupervised: false });
    await expect(again).rejects.toBeInstanceOf(ManagementError);
    await expect(again).rejects.toMatchObject({ code: 'MCInstall.14002' });
    await connection.close();
  });

  it('escalates with the supervision identity, then installs, lists and removes a profile silently', async () => {
    const { udid } = device(0);
    const connection = await createDeviceServices(lockdown).management.open(udid);
    // Not escalated yet: the device refuses and installs nothing.
    await expect(connection.installProfile(mobileconfig('com.benchline.wifi', 'P-1'))).rejects.toBeInstanceOf(ManagementError);
    expect(device(0).management.profiles.size).toBe(0);

    await connection.escalate(identity);
    await connection.installProfile(mobileconfig('com.benchline.wifi', 'P-1'));
    const profiles = await connection.getProfileList();
    expect(profiles).toEqual([
      { identifier: 'com.benchline.wifi', uuid: 'P-1', version: 1, displayName: 'Bench Wi-Fi', description: null, removalDisallowed: false, isActive: true },
    ]);
    await connection.removeProfile(profiles[0]!);
    expect(await connection.getProfileList()).toEqual([]);
    await connection.close();
  });

  it('escalation belongs to one connection: a new one must escalate again', async () => {
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(connection.installProfile(mobileconfig('com.benchline.other', 'P-2'))).rejects.toBeInstanceOf(ManagementError);
    await connection.close();
  });

  it("another organisation's certificate, or a signature by the wrong key, is refused", async () => {
    const connection = await createDeviceServices(lockdown).management.open(device(0).udid);
    await expect(connection.escalate(makeIdentity('Someone Else'))).rejects.toMatchObject({ code: 'MCInstall.CertificateRejected' });
    const forged = makeIdentity('Benchline QA Supervisor', makeIdentity('Thief').key);
    const forgedWithKnownCertificate = { certificateDer: identity.certificateDer, signChallenge: forged.signChallenge };
    await expect(connection.escalate(forgedWithKnownCertificate)).rejects.toMatchObject({ code: 'MCInstall.SignedRequestRejected' });
    await connection.close();
  });
});

describe('erase (MCInstall EraseDevice)', () => {
  it('resolves once acknowledged; the device drops off USB and comes back wiped', async () => {
    const sim1 = device(1);
    sim1.management.activationState = 'Activated';
    const connection = await createDeviceServices(lockdown).management.open(sim1.udid);
    await connection.eraseDevice({ preserveDataPlan: true, disallowProximitySetup: true });
    await connection.close();
    expect(sim1.management.info().erasures).toMatchObject([{ preserveDataPlan: true, disallowProximitySetup: true }]);
    await until('the erased device to come back', () => sim1.attached && sim1.power === 'on');
    // Back as a new device: unactivated, and (after re-pairing) reachable again.
    await expect(createDeviceServices(lockdown).activation.getActivationState(sim1.udid)).resolves.toBe('Unactivated');
  });

  it('a connection dropped before the acknowledgement is OutcomeUnknown (and here nothing was erased)', async () => {
    const sim2 = device(2);
    sim2.faults.add({ kind: 'drop', request: 'EraseDevice', service: 'mcinstall' });
    const connection = await createDeviceServices(lockdown).management.open(sim2.udid);
    await expect(connection.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).rejects.toBeInstanceOf(OutcomeUnknown);
    await connection.close();
    expect(sim2.management.info().erasures).toEqual([]);
  });

  it('a device that never answers is OutcomeUnknown after the timeout', async () => {
    const sim2 = device(2);
    sim2.faults.add({ kind: 'hang', request: 'EraseDevice', service: 'mcinstall' });
    const connection = await createDeviceServices(lockdown, { timeoutMs: 400 }).management.open(sim2.udid);
    const started = Date.now();
    await expect(connection.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).rejects.toMatchObject({ code: 'OutcomeUnknown' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await connection.close();
  });

  it('the cable pulled right after the acknowledgement is still success', async () => {
    const sim2 = device(2);
    sim2.faults.add({ kind: 'unplug', phase: 'after', request: 'EraseDevice', service: 'mcinstall' });
    const connection = await createDeviceServices(lockdown).management.open(sim2.udid);
    await expect(connection.eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).resolves.toBeUndefined();
    await connection.close();
    expect(sim2.management.info().erasures).toHaveLength(1);
    sim2.attach();
    await until('the erased device to come back', () => sim2.attached);
  });
});

describe('activation (mobileactivationd)', () => {
  it('activates an unactivated device through the authority', async () => {
    const sim3 = device(3);
    sim3.management.activationState = 'Unactivated';
    const services = createDeviceServices(lockdown);
    expect(await services.activation.getActivationState(sim3.udid)).toBe('Unactivated');
    const authority = new SimActivationAuthority();
    await services.activation.activate(sim3.udid, authority);
    expect(authority.issued).toBe(1);
    expect(await services.activation.getActivationState(sim3.udid)).toBe('Activated');
  });

  it('a record the device does not accept is an ActivationError, and the device stays unactivated', async () => {
    const sim4 = device(4);
    sim4.management.activationState = 'Unactivated';
    const services = createDeviceServices(lockdown);
    const attempt = services.activation.activate(sim4.udid, { requestActivationRecord: () => Promise.resolve({ AccountToken: Buffer.from('forged') }) });
    await expect(attempt).rejects.toBeInstanceOf(ActivationError);
    expect(await services.activation.getActivationState(sim4.udid)).toBe('Unactivated');
  });
});

describe('restart and shutdown (diagnostics_relay)', () => {
  it('restart: resolves, the device goes away and comes back, and reads work again', async () => {
    const sim5 = device(5);
    sim5.passcode = false; // boots unlocked, so reads work at once
    await lockdown.readIdentity(sim5.udid, []);
    await createDeviceServices(lockdown).diagnostics.restart(sim5.udid);
    await until('the device to restart', () => sim5.power === 'restarting' || !sim5.attached, 3_000);
    await until('the device to come back', () => sim5.attached && sim5.power === 'on');
    const snapshot = await lockdown.readIdentity(sim5.udid, []);
    expect(snapshot.values.UniqueDeviceID).toBe(sim5.udid);
  });

  it('a refused restart is a DiagnosticsError and the device stays up', async () => {
    const sim5 = device(5);
    sim5.faults.add({ kind: 'error', request: 'Restart', service: 'diagnostics' });
    await expect(createDeviceServices(lockdown).diagnostics.restart(sim5.udid)).rejects.toBeInstanceOf(DiagnosticsError);
    await new Promise((resolve) => setTimeout(resolve, GONE_MS / 2));
    expect(sim5.power).toBe('on');
  });

  it('shutdown: resolves and the device stays off until powered on', async () => {
    const sim5 = device(5);
    await createDeviceServices(lockdown).diagnostics.shutdown(sim5.udid);
    await until('the device to shut down', () => sim5.power === 'off' && !sim5.attached, 3_000);
    sim5.powerOn();
    await until('the device to come back', () => sim5.attached);
  });
});

describe('lockdownd refusing to start a service', () => {
  it('a device locked since it booted is LockdownError PasswordProtected, telling the technician to unlock it', async () => {
    const sim4 = device(4);
    await lockdown.release(sim4.udid); // no kept session: the next start needs a new one
    sim4.lockScreen(true);
    const attempt = createDeviceServices(lockdown).management.open(sim4.udid);
    await expect(attempt).rejects.toBeInstanceOf(LockdownError);
    await expect(attempt).rejects.toMatchObject({ code: 'PasswordProtected', instruction: expect.stringMatching(/Unlock the device/) });
    sim4.unlock();
    const connection = await createDeviceServices(lockdown).management.open(sim4.udid);
    await connection.hello();
    await connection.close();
  });
});
