/**
 * The device services' pure parts and their rules over a fake channel: how
 * MCInstall refusals become errors a technician can act on, how replies are
 * read and garbage refused, and which erase failures leave the outcome unknown.
 */
import { describe, expect, it } from 'vitest';
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
import {
  checkManagementReply,
  parseCloudConfiguration,
  parseProfileList,
  removeProfileRequest,
  setCloudConfigurationRequest,
} from '../../native/imobiledevice/mcinstall-protocol.js';
import { McInstallConnection } from '../../native/imobiledevice/mcinstall.js';
import { checkActivationReply } from '../../native/imobiledevice/mobileactivation.js';
import { checkDiagnosticsReply, DiagnosticsRelayService } from '../../native/imobiledevice/diagnostics-relay.js';
import type { PlistFormat, ServiceChannel } from '../../native/imobiledevice/service-connection.js';
import { parsePlistDict } from '../../native/plist/codec.js';

/** A channel whose replies are scripted, one function per request. */
class FakeChannel implements ServiceChannel {
  readonly udid = 'FAKE-UDID';
  readonly sent: PlistDict[] = [];
  closed = 0;
  constructor(
    readonly service: string,
    private readonly replies: ((message: PlistDict) => PlistDict | Promise<PlistDict>)[],
  ) {}
  get isOpen(): boolean {
    return this.closed === 0;
  }
  send(message: PlistDict, _format: PlistFormat): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }
  receive(): Promise<PlistDict> {
    return Promise.reject(new Error('not used'));
  }
  async request(message: PlistDict): Promise<PlistDict> {
    if (this.closed > 0) throw new ServiceConnectionLost(this.service, 'closed', true);
    this.sent.push(message);
    const next = this.replies.shift();
    if (!next) throw new Error(`unexpected request ${JSON.stringify(message)}`);
    return next(message);
  }
  close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
}

const ack = (): PlistDict => ({ Status: 'Acknowledged' });

describe('MCInstall refusals', () => {
  it('an ErrorChain becomes MCInstall.<ErrorCode> with the domain and every description, outermost first', () => {
    const reply = {
      Status: 'Error',
      ErrorChain: [
        { ErrorCode: 4001, ErrorDomain: 'MCInstallationErrorDomain', USEnglishDescription: 'The profile could not be installed.' },
        { ErrorCode: 1000, ErrorDomain: 'MCProfileErrorDomain', USEnglishDescription: 'The profile is malformed.' },
      ],
    };
    let error: unknown;
    try {
      checkManagementReply('InstallProfile', reply);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManagementError);
    const management = error as ManagementError;
    expect(management.code).toBe('MCInstall.4001');
    expect(management.message).toBe('InstallProfile: the device answered The profile could not be installed. — The profile is malformed. [MCInstallationErrorDomain 4001]');
    expect(management.chain.map((cause) => cause.domain)).toEqual(['MCInstallationErrorDomain', 'MCProfileErrorDomain']);
    // No instruction of its own for 4001: the technician reads the device's words.
    expect(management.instruction).toContain('"The profile could not be installed."');
  });

  it('14002 (a cloud configuration already present) says to erase first', () => {
    const reply = { Status: 'Error', ErrorChain: [{ ErrorCode: 14002, ErrorDomain: 'MCCloudConfigErrorDomain', LocalizedDescription: 'Already there' }] };
    expect(() => checkManagementReply('SetCloudConfiguration', reply)).toThrow(expect.objectContaining({ code: 'MCInstall.14002', instruction: expect.stringMatching(/Erase the device/) }));
  });

  it.each([
    ['CommandFormatError', /iOS version/],
    ['NotNow', /Unlock it/],
    ['CertificateRejected', /supervision identity/],
  ])('the status %s without a chain is MCInstall.%s', (status, instruction) => {
    expect(() => checkManagementReply('Escalate', { Status: status })).toThrow(expect.objectContaining({ code: `MCInstall.${status}`, instruction: expect.stringMatching(instruction) }));
  });

  it('a chain of garbage entries still refuses, by status', () => {
    expect(() => checkManagementReply('GetProfileList', { Status: 'Error', ErrorChain: ['nonsense', 3] })).toThrow(expect.objectContaining({ code: 'MCInstall.Error' }));
  });

  it('a reply without a Status is a ProtocolError, not a success', () => {
    expect(() => checkManagementReply('HelloHostIdentifier', {})).toThrow(ProtocolError);
    expect(() => checkManagementReply('HelloHostIdentifier', { Status: 7 })).toThrow(ProtocolError);
    expect(checkManagementReply('HelloHostIdentifier', { Status: 'Acknowledged', Extra: 1 })).toEqual({ Status: 'Acknowledged', Extra: 1 });
  });
});

describe('profile lists', () => {
  const metadata = (uuid: string, version: number | bigint): PlistDict => ({ PayloadDisplayName: uuid, PayloadUUID: uuid, PayloadVersion: version });

  it("follows OrderedIdentifiers, then profiles only the metadata names, each once", () => {
    const profiles = parseProfileList({
      Status: 'Acknowledged',
      OrderedIdentifiers: ['b', 'a', 'b'],
      ProfileManifest: { a: { IsActive: true } },
      ProfileMetadata: { a: metadata('UA', 1), b: metadata('UB', 2n), c: { PayloadUUID: 'UC', PayloadVersion: 1, PayloadRemovalDisallowed: true } },
    });
    expect(profiles.map((p) => p.identifier)).toEqual(['b', 'a', 'c']);
    expect(profiles[1]).toMatchObject({ uuid: 'UA', isActive: true });
    expect(profiles[0]).toMatchObject({ version: 2, isActive: false, description: null });
    // A profile without a display name shows its identifier.
    expect(profiles[2]).toMatchObject({ displayName: 'c', removalDisallowed: true });
  });

  it('an empty device has no profiles', () => {
    expect(parseProfileList({ Status: 'Acknowledged' })).toEqual([]);
  });

  it.each([
    ['OrderedIdentifiers is not a list', { OrderedIdentifiers: 'a' }],
    ['an identifier is not a string', { OrderedIdentifiers: [1] }],
    ['ProfileMetadata is not a dictionary', { ProfileMetadata: [] }],
    ['a listed profile has no metadata', { OrderedIdentifiers: ['a'], ProfileMetadata: {} }],
    ['a profile lacks its UUID (RemoveProfile needs it)', { ProfileMetadata: { a: { PayloadVersion: 1 } } }],
    ['a profile version is not a number', { ProfileMetadata: { a: { PayloadUUID: 'U', PayloadVersion: '1' } } }],
  ])('garbage is a ProtocolError: %s', (_case, reply) => {
    expect(() => parseProfileList(reply as PlistDict)).toThrow(ProtocolError);
  });

  it('RemoveProfile names the profile in a plist carried as data', () => {
    const request = removeProfileRequest({ identifier: 'com.example', uuid: 'U-1', version: 4 });
    expect(request.RequestType).toBe('RemoveProfile');
    expect(parsePlistDict(request.ProfileIdentifier as Uint8Array)).toEqual({ PayloadType: 'Configuration', PayloadIdentifier: 'com.example', PayloadUUID: 'U-1', PayloadVersion: 4 });
  });
});

describe('cloud configuration', () => {
  it('absent is null; present keeps every key, small bigints as numbers', () => {
    expect(parseCloudConfiguration({ Status: 'Acknowledged' })).toBeNull();
    const certificate = Buffer.from([0x30, 0x82]);
    expect(parseCloudConfiguration({ CloudConfiguration: { IsSupervised: true, ConfigurationSource: 2n, SupervisorHostCertificates: [certificate], Custom: 'x' } })).toEqual({
      IsSupervised: true,
      ConfigurationSource: 2,
      SupervisorHostCertificates: [certificate],
      Custom: 'x',
    });
  });

  it.each([
    ['IsSupervised as a string', { IsSupervised: 'true' }],
    ['SkipSetup holding a number', { SkipSetup: ['Location', 3] }],
    ['certificates that are not data', { SupervisorHostCertificates: ['PEM'] }],
  ])('a typed key with the wrong type is a ProtocolError: %s', (_case, configuration) => {
    expect(() => parseCloudConfiguration({ CloudConfiguration: configuration as PlistDict })).toThrow(ProtocolError);
  });

  it('the request carries certificates as data and drops undefined keys; values a plist cannot hold are refused', () => {
    const request = setCloudConfigurationRequest({ IsSupervised: true, OrganizationName: undefined, SupervisorHostCertificates: [new Uint8Array([1, 2])] });
    expect(request).toEqual({ RequestType: 'SetCloudConfiguration', CloudConfiguration: { IsSupervised: true, SupervisorHostCertificates: [Buffer.from([1, 2])] } });
    expect(() => setCloudConfigurationRequest({ Bad: () => 1 })).toThrow(TypeError);
    expect(() => setCloudConfigurationRequest({ Bad: Number.NaN })).toThrow(TypeError);
  });
});

describe('a management connection', () => {
  it('escalates in order and signs exactly the challenge the device sent', async () => {
    const challenge = Buffer.from('12345678');
    const channel = new FakeChannel('com.apple.mobile.MCInstall', [() => ({ Status: 'Acknowledged', Challenge: challenge }), ack, ack]);
    const signed: Uint8Array[] = [];
    await new McInstallConnection(channel).escalate({
      certificateDer: new Uint8Array([0xde, 0xad]),
      signChallenge: (data) => {
        signed.push(data);
        return Buffer.from('signature');
      },
    });
    expect(signed).toEqual([challenge]);
    expect(channel.sent).toEqual([
      { RequestType: 'Escalate', SupervisorCertificate: Buffer.from([0xde, 0xad]) },
      { RequestType: 'EscalateResponse', SignedRequest: Buffer.from('signature') },
      { RequestType: 'ProceedWithKeybagMigration' },
    ]);
  });

  it('stops escalating when the certificate is rejected, and when an acknowledgement has no challenge', async () => {
    const rejected = new FakeChannel('mc', [() => ({ Status: 'CertificateRejected' })]);
    const identity = { certificateDer: new Uint8Array([1]), signChallenge: () => new Uint8Array([2]) };
    await expect(new McInstallConnection(rejected).escalate(identity)).rejects.toMatchObject({ code: 'MCInstall.CertificateRejected' });
    expect(rejected.sent).toHaveLength(1);
    const noChallenge = new FakeChannel('mc', [ack]);
    await expect(new McInstallConnection(noChallenge).escalate(identity)).rejects.toBeInstanceOf(ProtocolError);
    expect(noChallenge.sent).toHaveLength(1);
  });

  it('erase: acknowledged resolves and closes the connection (the device resets)', async () => {
    const channel = new FakeChannel('mc', [ack]);
    await new McInstallConnection(channel).eraseDevice({ preserveDataPlan: false, disallowProximitySetup: true });
    expect(channel.sent).toEqual([{ RequestType: 'EraseDevice', PreserveDataPlan: false, DisallowProximitySetup: true }]);
    expect(channel.closed).toBe(1);
  });

  it.each([
    ['the connection drops before the acknowledgement', new ServiceConnectionLost('mc', 'dropped')],
    ['no answer in time', new ServiceTimeout('mc', 'EraseDevice', 100)],
    ['the answer is garbage', new ProtocolError('garbage')],
  ])('erase: %s is OutcomeUnknown', async (_case, failure) => {
    const channel = new FakeChannel('mc', [() => Promise.reject(failure)]);
    await expect(new McInstallConnection(channel).eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).rejects.toBeInstanceOf(OutcomeUnknown);
  });

  it('erase: a refusal, or a connection already lost so nothing went out, is a known outcome', async () => {
    const refused = new FakeChannel('mc', [() => ({ Status: 'NotNow' })]);
    await expect(new McInstallConnection(refused).eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false })).rejects.toBeInstanceOf(ManagementError);
    const closed = new FakeChannel('mc', []);
    await closed.close();
    const attempt = new McInstallConnection(closed).eraseDevice({ preserveDataPlan: false, disallowProximitySetup: false });
    await expect(attempt).rejects.toBeInstanceOf(ServiceConnectionLost);
    await expect(attempt).rejects.not.toBeInstanceOf(OutcomeUnknown);
  });

  it('close() lets requests already made finish, refuses later ones, and closes the channel once', async () => {
    let answer: (reply: PlistDict) => void = () => undefined;
    const channel = new FakeChannel('mc', [() => new Promise<PlistDict>((resolve) => (answer = resolve))]);
    const connection = new McInstallConnection(channel);
    const hello = connection.hello();
    const closing = connection.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(channel.closed).toBe(0);
    answer({ Status: 'Acknowledged' });
    await expect(hello).resolves.toBeUndefined();
    await closing;
    await connection.close();
    expect(channel.closed).toBe(1);
    await expect(connection.hello()).rejects.toBeInstanceOf(ServiceConnectionLost);
  });
});

describe('mobileactivation and diagnostics_relay replies', () => {
  it('an Error from mobileactivationd is an ActivationError with its words; otherwise the Value', () => {
    expect(() => checkActivationReply('HandleActivationInfoRequest', { Error: 'Invalid activation record' })).toThrow(
      expect.objectContaining({ code: 'ActivationFailed', deviceMessage: 'Invalid activation record' }),
    );
    expect(() => checkActivationReply('X', { Error: { Code: -1 } })).toThrow(ActivationError);
    expect(checkActivationReply('GetActivationStateRequest', { Value: 'Activated' })).toBe('Activated');
  });

  it('diagnostics_relay: Success passes, Failure and UnknownRequest are DiagnosticsErrors, no Status is garbage', () => {
    expect(() => checkDiagnosticsReply('Restart', { Status: 'Success' })).not.toThrow();
    expect(() => checkDiagnosticsReply('Restart', { Status: 'Failure' })).toThrow(expect.objectContaining({ code: 'Diagnostics.Failure' }));
    expect(() => checkDiagnosticsReply('Shutdown', { Status: 'UnknownRequest' })).toThrow(expect.objectContaining({ code: 'Diagnostics.UnknownRequest' }));
    expect(() => checkDiagnosticsReply('Restart', {})).toThrow(ProtocolError);
  });

  it('diagnostics falls back to the legacy service only when the first is InvalidService', async () => {
    const opened: string[] = [];
    const opener = (refusal: LockdownError) => ({
      openService: (_udid: string, service: string): Promise<ServiceChannel> => {
        opened.push(service);
        if (service === 'com.apple.mobile.diagnostics_relay') return Promise.reject(refusal);
        return Promise.resolve(new FakeChannel(service, [() => ({ Status: 'Success' }), () => ({ Status: 'Success' })]));
      },
    });
    await new DiagnosticsRelayService(opener(new LockdownError('InvalidService'))).restart('U');
    expect(opened).toEqual(['com.apple.mobile.diagnostics_relay', 'com.apple.iosdiagnostics.relay']);
    opened.length = 0;
    await expect(new DiagnosticsRelayService(opener(new LockdownError('PasswordProtected'))).restart('U')).rejects.toMatchObject({ code: 'PasswordProtected' });
    expect(opened).toEqual(['com.apple.mobile.diagnostics_relay']);
  });

  it('diagnostics: a request that could not go out at all is an error, not a restart', async () => {
    const channel = new FakeChannel('d', []);
    await channel.close();
    const service = new DiagnosticsRelayService({ openService: () => Promise.resolve(channel) });
    await expect(service.restart('U')).rejects.toBeInstanceOf(ServiceConnectionLost);
    expect(new DiagnosticsError('Restart', 'Failure').instruction).toMatch(/Unlock/);
  });
});
