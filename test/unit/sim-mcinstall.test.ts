import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import { toBinaryPlist, toXmlPlist } from '../../native/plist/codec.js';
import { SimDevice } from '../../sim/device/device.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { LifecycleSettings } from '../../sim/device/lifecycle.js';
import { createMcInstallService } from '../../sim/device/mcinstall.js';
import { connectInMemory } from '../../sim/device/memory-client.js';
import { createSupervisionIdentity } from '../../sim/device/supervision-identity.js';
import type { TestSupervisionIdentity } from '../../sim/device/supervision-identity.js';

const [identity] = generateIdentities(1, 'mcinstall-unit');
const service = createMcInstallService();
let supervisor: TestSupervisionIdentity;
let stranger: TestSupervisionIdentity;

beforeAll(() => {
  supervisor = createSupervisionIdentity({ commonName: 'Acme Supervisor' });
  stranger = createSupervisionIdentity({ commonName: 'Someone Else' });
});

afterEach(() => {
  vi.useRealTimers();
});

function makeDevice(lifecycle = new LifecycleSettings()): { device: SimDevice; attaches: number[]; detaches: number[] } {
  const attaches: number[] = [];
  const detaches: number[] = [];
  let next = 1;
  const device = new SimDevice(
    identity!,
    'trusted',
    {
      attach: (d) => {
        d.muxId = next++;
        attaches.push(d.muxId);
      },
      detach: (d) => {
        detaches.push(d.muxId!);
        d.muxId = null;
      },
    },
    lifecycle,
  );
  device.attach();
  return { device, attaches, detaches };
}

function profile(identifier: string, options: { uuid?: string; types?: string[]; removalDisallowed?: boolean; name?: string } = {}): Buffer {
  return toXmlPlist({
    PayloadType: 'Configuration',
    PayloadIdentifier: identifier,
    PayloadUUID: options.uuid ?? `${identifier}-uuid`,
    PayloadVersion: 1,
    PayloadDisplayName: options.name ?? `Profile ${identifier}`,
    PayloadDescription: 'for tests',
    PayloadRemovalDisallowed: options.removalDisallowed ?? false,
    PayloadContent: (options.types ?? ['com.apple.wifi.managed']).map((type, index) => ({
      PayloadType: type,
      PayloadIdentifier: `${identifier}.${index}`,
      PayloadUUID: `${identifier}-${index}`,
      PayloadVersion: 1,
    })),
  });
}

function removal(identifier: string, uuid: string): PlistDict {
  return {
    RequestType: 'RemoveProfile',
    ProfileIdentifier: toXmlPlist({ PayloadType: 'Configuration', PayloadIdentifier: identifier, PayloadUUID: uuid, PayloadVersion: 1 }),
  };
}

const supervisedConfig = (certificates: Uint8Array[]): PlistDict => ({
  IsSupervised: true,
  AllowPairing: true,
  OrganizationName: 'Acme',
  SkipSetup: ['Location', 'Restore'],
  SupervisorHostCertificates: certificates.map((c) => Buffer.from(c)),
  ConfigurationSource: 2,
});

async function escalate(client: ReturnType<typeof connectInMemory>, identity: TestSupervisionIdentity) {
  const challenge = await client.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(identity.certificateDer) });
  if (challenge.Status !== 'Acknowledged') return challenge;
  const answer = await client.request({ RequestType: 'EscalateResponse', SignedRequest: Buffer.from(identity.signChallenge(challenge.Challenge as Buffer)) });
  if (answer.Status !== 'Acknowledged') return answer;
  return client.request({ RequestType: 'ProceedWithKeybagMigration' });
}

function errorCode(reply: PlistDict): number | undefined {
  const chain = reply.ErrorChain as PlistDict[] | undefined;
  return chain?.[0]?.ErrorCode as number | undefined;
}

describe('MCInstall (simulated)', () => {
  it('says hello, flushes, and lists no profiles on a fresh device', async () => {
    const { device } = makeDevice();
    const client = connectInMemory(service, device);
    expect(await client.request({ RequestType: 'HelloHostIdentifier' })).toEqual({ Status: 'Acknowledged' });
    expect(await client.request({ RequestType: 'Flush' })).toEqual({ Status: 'Acknowledged' });
    expect(await client.request({ RequestType: 'GetProfileList' })).toEqual({ Status: 'Acknowledged', OrderedIdentifiers: [], ProfileManifest: {}, ProfileMetadata: {} });
    expect(await client.request({ RequestType: 'GetCloudConfiguration' })).toEqual({ Status: 'Acknowledged' });
    expect(await client.request({ RequestType: 'NoSuchThing' })).toEqual({ Status: 'CommandFormatError' });
    expect(device.info().counters).toEqual({ HelloHostIdentifier: 1, Flush: 1, GetProfileList: 1, GetCloudConfiguration: 1, NoSuchThing: 1 });
  });

  it('stores one cloud configuration and refuses a second with error 14002', async () => {
    const { device } = makeDevice();
    const client = connectInMemory(service, device);
    const config = supervisedConfig([supervisor.certificateDer]);
    expect(await client.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: config })).toEqual({ Status: 'Acknowledged' });
    const again = await client.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: config });
    expect(again.Status).toBe('Error');
    expect(errorCode(again)).toBe(14002);
    const chain = (again.ErrorChain as PlistDict[])[0]!;
    expect(Object.keys(chain).sort()).toEqual(['ErrorCode', 'ErrorDomain', 'LocalizedDescription', 'USEnglishDescription']);
    const read = await client.request({ RequestType: 'GetCloudConfiguration' });
    expect((read.CloudConfiguration as PlistDict).OrganizationName).toBe('Acme');
    expect(device.info().supervised).toBe(true);
    expect(device.info().cloudConfiguration?.SupervisorHostCertificates).toEqual([Buffer.from(supervisor.certificateDer).toString('base64')]);
  });

  it('escalates a connection with the supervisor identity, and only that connection', async () => {
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const first = connectInMemory(service, device);
    const challenge = await first.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(supervisor.certificateDer) });
    expect(challenge.Status).toBe('Acknowledged');
    expect((challenge.Challenge as Buffer).length).toBe(8);
    const signed = supervisor.signChallenge(challenge.Challenge as Buffer);
    expect(await first.request({ RequestType: 'EscalateResponse', SignedRequest: Buffer.from(signed) })).toEqual({ Status: 'Acknowledged' });
    expect(await first.request({ RequestType: 'ProceedWithKeybagMigration' })).toEqual({ Status: 'Acknowledged' });
    expect(await first.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.wifi') })).toEqual({ Status: 'Acknowledged' });

    const second = connectInMemory(service, device);
    const refused = await second.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.other') });
    expect(refused.Status).toBe('Error');
    expect(String((refused.ErrorChain as PlistDict[])[0]!.USEnglishDescription)).toMatch(/Escalate/);
    expect(device.info().profiles.map((p) => p.identifier)).toEqual(['com.acme.wifi']);
  });

  it('rejects an unknown certificate, a signature by another key, and a replayed challenge', async () => {
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const client = connectInMemory(service, device);
    expect(await client.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(stranger.certificateDer) })).toEqual({ Status: 'CertificateRejected' });

    const challenge = await client.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(supervisor.certificateDer) });
    const forged = stranger.signChallenge(challenge.Challenge as Buffer);
    expect(await client.request({ RequestType: 'EscalateResponse', SignedRequest: Buffer.from(forged) })).toEqual({ Status: 'SignedRequestRejected' });

    const fresh = await client.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(supervisor.certificateDer) });
    const wrongChallenge = supervisor.signChallenge(Buffer.alloc(8, 1));
    expect(await client.request({ RequestType: 'EscalateResponse', SignedRequest: Buffer.from(wrongChallenge) })).toEqual({ Status: 'SignedRequestRejected' });
    // The challenge was used up by the failed answer: even a good signature over it is refused now.
    const late = supervisor.signChallenge(fresh.Challenge as Buffer);
    expect(await client.request({ RequestType: 'EscalateResponse', SignedRequest: Buffer.from(late) })).toEqual({ Status: 'SignedRequestRejected' });
    expect((await client.request({ RequestType: 'ProceedWithKeybagMigration' })).Status).toBe('Error');
  });

  it('accepts a signature without signed attributes (content signed directly)', async () => {
    const plain = createSupervisionIdentity({ signedAttributes: false });
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([plain.certificateDer]);
    expect(await escalate(connectInMemory(service, device), plain)).toEqual({ Status: 'Acknowledged' });
  });

  it('refuses to install a profile on an unsupervised device', async () => {
    const { device } = makeDevice();
    const client = connectInMemory(service, device);
    const reply = await client.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.wifi') });
    expect(reply.Status).toBe('Error');
    expect(String((reply.ErrorChain as PlistDict[])[0]!.LocalizedDescription)).toMatch(/supervised/);
    expect(device.info().profiles).toEqual([]);
  });

  it('installs plist and CMS-signed profiles, replaces by identifier, and lists them', async () => {
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const client = connectInMemory(service, device);
    expect(await escalate(client, supervisor)).toEqual({ Status: 'Acknowledged' });

    const mdm = toBinaryPlist({
      PayloadType: 'Configuration',
      PayloadIdentifier: 'com.acme.mdm',
      PayloadUUID: 'MDM-1',
      PayloadVersion: 1,
      PayloadDisplayName: 'Acme MDM',
      PayloadOrganization: 'Acme',
      PayloadRemovalDisallowed: true,
      PayloadContent: [{ PayloadType: 'com.apple.mdm', PayloadIdentifier: 'com.acme.mdm.mdm', PayloadUUID: 'X', PayloadVersion: 1 }, { PayloadType: 'com.apple.security.scep', PayloadIdentifier: 'com.acme.mdm.scep', PayloadUUID: 'Y', PayloadVersion: 1 }],
    });
    // A signed profile: CMS SignedData around the plist (signed by any key; devices show it as verified or not).
    expect(await client.request({ RequestType: 'InstallProfile', Payload: Buffer.from(supervisor.signChallenge(mdm)) })).toEqual({ Status: 'Acknowledged' });
    expect(await client.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.wifi', { uuid: 'W-1' }) })).toEqual({ Status: 'Acknowledged' });
    expect(await client.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.wifi', { uuid: 'W-2', name: 'Wi-Fi v2' }) })).toEqual({ Status: 'Acknowledged' });

    const list = await client.request({ RequestType: 'GetProfileList' });
    expect(list.OrderedIdentifiers).toEqual(['com.acme.mdm', 'com.acme.wifi']);
    expect((list.ProfileManifest as PlistDict)['com.acme.mdm']).toEqual({ Description: 'Acme MDM', IsActive: true });
    expect((list.ProfileMetadata as PlistDict)['com.acme.wifi']).toMatchObject({ PayloadDisplayName: 'Wi-Fi v2', PayloadUUID: 'W-2', PayloadVersion: 1, PayloadRemovalDisallowed: false });
    expect((list.ProfileMetadata as PlistDict)['com.acme.mdm']).toMatchObject({ PayloadRemovalDisallowed: true, PayloadOrganization: 'Acme' });

    const profiles = device.info().profiles;
    expect(profiles.find((p) => p.identifier === 'com.acme.mdm')).toEqual({
      identifier: 'com.acme.mdm',
      uuid: 'MDM-1',
      version: 1,
      displayName: 'Acme MDM',
      description: null,
      organization: 'Acme',
      removalDisallowed: true,
      payloadTypes: ['com.apple.mdm', 'com.apple.security.scep'],
    });
    expect(profiles.some((p) => p.payloadTypes.includes('com.apple.mdm'))).toBe(true);
  });

  it('refuses a malformed profile with an error chain', async () => {
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const client = connectInMemory(service, device);
    await escalate(client, supervisor);
    for (const payload of [Buffer.from('definitely not a profile'), toXmlPlist({ PayloadType: 'Configuration', PayloadUUID: 'x', PayloadVersion: 1 })]) {
      const reply = await client.request({ RequestType: 'InstallProfile', Payload: payload });
      expect(reply.Status).toBe('Error');
      expect((reply.ErrorChain as PlistDict[])[0]!.ErrorDomain).toBe('MCProfileErrorDomain');
    }
    expect(device.info().profiles).toEqual([]);
  });

  it('removes profiles: unknown is an error, removal-disallowed needs an escalated connection', async () => {
    const { device } = makeDevice();
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const admin = connectInMemory(service, device);
    await escalate(admin, supervisor);
    await admin.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.locked', { uuid: 'L', removalDisallowed: true, types: ['com.apple.mdm'] }) });
    await admin.request({ RequestType: 'InstallProfile', Payload: profile('com.acme.free', { uuid: 'F' }) });

    const user = connectInMemory(service, device);
    expect((await user.request(removal('com.acme.nothing', 'N'))).Status).toBe('Error');
    expect((await user.request(removal('com.acme.free', 'WRONG-UUID'))).Status).toBe('Error');
    const locked = await user.request(removal('com.acme.locked', 'L'));
    expect(locked.Status).toBe('Error');
    expect(String((locked.ErrorChain as PlistDict[])[0]!.USEnglishDescription)).toMatch(/cannot be removed/);
    expect(await user.request(removal('com.acme.free', 'F'))).toEqual({ Status: 'Acknowledged' });
    expect(await admin.request(removal('com.acme.locked', 'L'))).toEqual({ Status: 'Acknowledged' });
    expect(device.info().profiles).toEqual([]);
  });

  it('answers EraseDevice, then the device drops off and comes back wiped after eraseGoneMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { device, attaches, detaches } = makeDevice(new LifecycleSettings({ eraseGoneMs: 5000 }));
    device.management.cloudConfiguration = supervisedConfig([supervisor.certificateDer]);
    const client = connectInMemory(service, device);
    expect(await client.request({ RequestType: 'EraseDevice', PreserveDataPlan: true, DisallowProximitySetup: false })).toEqual({ Status: 'Acknowledged' });
    await client.closed;
    expect(device.attached).toBe(false);
    expect(device.power).toBe('erasing');
    expect(detaches).toEqual([1]);
    expect(device.info().erasures).toEqual([{ at: expect.any(String), preserveDataPlan: true, disallowProximitySetup: false }]);

    await vi.advanceTimersByTimeAsync(4999);
    expect(device.attached).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(attaches).toEqual([1, 2]);
    const info = device.info();
    expect(info).toMatchObject({ attached: true, power: 'on', activationState: 'Unactivated', inSetupAssistant: true, supervised: false, cloudConfiguration: null, profiles: [] });
    expect(info.counters.EraseDevice).toBe(1);
  });

  it('applies a step duration before the reply', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { device } = makeDevice(new LifecycleSettings({ durations: { SetCloudConfiguration: 2000 } }));
    const client = connectInMemory(service, device);
    let answered = false;
    const reply = client.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: { IsSupervised: false } }).then((r) => {
      answered = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(answered).toBe(false);
    expect(device.management.cloudConfiguration).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(await reply).toEqual({ Status: 'Acknowledged' });
  });
});
