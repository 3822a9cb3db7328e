/**
 * com.apple.mobile.MCInstall: profiles, the cloud configuration
 * (supervision), escalation with a supervision identity, and EraseDevice.
 * Requests are `{RequestType, …}`; success is `{Status: "Acknowledged", …}`,
 * failure `{Status: "Error", ErrorChain: [...]}` (see device-protocols.md).
 *
 * The simulator's rules, stricter than a real device in one place: a profile
 * is installed only on a supervised device over an escalated connection
 * (the silent install Apple Configurator does); there is no user at the
 * screen to accept one.
 */
import { randomBytes } from 'node:crypto';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { isDict } from '../../native/plist/codec.js';
import { verifySignedContent } from './cms.js';
import type { SimDevice } from './device.js';
import { ProfileFormatError, readProfile, readRemovalTarget } from './profiles.js';
import { createStepService } from './step-service.js';
import type { StepContext } from './step-service.js';
import type { SimService } from './services.js';

export const MCINSTALL_SERVICE = 'com.apple.mobile.MCInstall';

/**
 * Error codes. 14002 is what devices send (pymobiledevice3 checks for it);
 * the others are the simulator's own, in the domains devices use.
 */
export const MC_ERRORS = {
  cloudConfigurationAlreadyPresent: { code: 14002, domain: 'MCCloudConfigErrorDomain' },
  noCloudConfiguration: { code: 14001, domain: 'MCCloudConfigErrorDomain' },
  malformedProfile: { code: 1000, domain: 'MCProfileErrorDomain' },
  profileNotInstalled: { code: 1003, domain: 'MCProfileErrorDomain' },
  removalDisallowed: { code: 4005, domain: 'MCInstallationErrorDomain' },
  notSupervised: { code: 4001, domain: 'MCInstallationErrorDomain' },
  notEscalated: { code: 4002, domain: 'MCInstallationErrorDomain' },
  noChallengeAnswered: { code: 4003, domain: 'MCInstallationErrorDomain' },
  simulatedFailure: { code: 4099, domain: 'MCInstallationErrorDomain' },
} as const;

export type MCErrorName = keyof typeof MC_ERRORS;

export function mcError(name: MCErrorName, description: string): PlistDict {
  const { code, domain } = MC_ERRORS[name];
  return { Status: 'Error', ErrorChain: [{ ErrorCode: code, ErrorDomain: domain, LocalizedDescription: description, USEnglishDescription: description }] };
}

const ACK: PlistDict = { Status: 'Acknowledged' };

/** Escalation is per connection: another connection to the same device starts unprivileged. */
interface McSession {
  challenge: Buffer | null;
  supervisor: Buffer | null;
  challengeAnswered: boolean;
  escalated: boolean;
}

function profileList(device: SimDevice): PlistDict {
  const manifest: PlistDict = {};
  const metadata: PlistDict = {};
  for (const profile of device.management.profiles.values()) {
    manifest[profile.identifier] = { Description: profile.displayName, IsActive: true };
    const entry: PlistDict = {
      PayloadDisplayName: profile.displayName,
      PayloadRemovalDisallowed: profile.removalDisallowed,
      PayloadUUID: profile.uuid,
      PayloadVersion: profile.version,
    };
    if (profile.description !== null) entry.PayloadDescription = profile.description;
    if (profile.organization !== null) entry.PayloadOrganization = profile.organization;
    metadata[profile.identifier] = entry;
  }
  return { Status: 'Acknowledged', OrderedIdentifiers: [...device.management.profiles.keys()], ProfileManifest: manifest, ProfileMetadata: metadata };
}

function installProfile(request: PlistDict, { device, session }: StepContext<McSession>): PlistDict {
  const payload = request.Payload;
  if (!(payload instanceof Uint8Array)) return { Status: 'CommandFormatError' };
  if (!device.management.supervised) return mcError('notSupervised', 'Profiles can only be installed without user interaction on a supervised device.');
  if (!session.escalated) return mcError('notEscalated', 'This connection is not authorised by the supervising organisation (Escalate first).');
  let profile;
  try {
    profile = readProfile(payload);
  } catch (error) {
    if (error instanceof ProfileFormatError) return mcError('malformedProfile', `The profile is malformed: ${error.message}.`);
    throw error;
  }
  // Same PayloadIdentifier: the new profile replaces the old one (and moves to the end of the list).
  device.management.profiles.delete(profile.identifier);
  device.management.profiles.set(profile.identifier, profile);
  return ACK;
}

function removeProfile(request: PlistDict, { device, session }: StepContext<McSession>): PlistDict {
  let target;
  try {
    target = readRemovalTarget(request.ProfileIdentifier);
  } catch (error) {
    if (error instanceof ProfileFormatError) return { Status: 'CommandFormatError' };
    throw error;
  }
  const installed = device.management.profiles.get(target.identifier);
  if (!installed || (target.uuid !== null && target.uuid !== installed.uuid)) {
    return mcError('profileNotInstalled', `The profile "${target.identifier}" is not installed.`);
  }
  if (installed.removalDisallowed && !session.escalated) {
    return mcError('removalDisallowed', `The profile "${installed.displayName}" cannot be removed without the supervising organisation's authorisation.`);
  }
  device.management.profiles.delete(target.identifier);
  return ACK;
}

function setCloudConfiguration(request: PlistDict, device: SimDevice): PlistDict {
  const configuration = request.CloudConfiguration;
  if (!isDict(configuration)) return { Status: 'CommandFormatError' };
  if (device.management.cloudConfiguration !== null) return mcError('cloudConfigurationAlreadyPresent', 'The cloud configuration is already present.');
  device.management.cloudConfiguration = configuration;
  device.management.settleSetup();
  return ACK;
}

function sameBytes(a: PlistValue, b: Uint8Array): boolean {
  return a instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
}

function escalate(request: PlistDict, { device, session }: StepContext<McSession>): PlistDict {
  const certificate = request.SupervisorCertificate;
  const known = device.management.cloudConfiguration?.SupervisorHostCertificates;
  session.challenge = null;
  session.challengeAnswered = false;
  if (!(certificate instanceof Uint8Array) || !Array.isArray(known) || !known.some((entry) => sameBytes(entry, certificate))) {
    return { Status: 'CertificateRejected' };
  }
  session.challenge = randomBytes(8);
  session.supervisor = Buffer.from(certificate);
  return { Status: 'Acknowledged', Challenge: session.challenge };
}

function escalateResponse(request: PlistDict, session: McSession): PlistDict {
  const signed = request.SignedRequest;
  const { challenge, supervisor } = session;
  // A challenge is good for one answer.
  session.challenge = null;
  if (!(signed instanceof Uint8Array) || challenge === null || supervisor === null || !verifySignedContent(signed, challenge, supervisor)) {
    return { Status: 'SignedRequestRejected' };
  }
  session.challengeAnswered = true;
  return ACK;
}

function eraseDevice(request: PlistDict, { device, afterReply }: StepContext<McSession>): PlistDict {
  const options = { preserveDataPlan: request.PreserveDataPlan === true, disallowProximitySetup: request.DisallowProximitySetup === true };
  // The reply goes out first; then the device resets and every connection drops.
  afterReply(() => device.erase(options));
  return ACK;
}

function handle(request: PlistDict, step: string, context: StepContext<McSession>): PlistDict {
  const { device, session } = context;
  switch (step) {
    case 'HelloHostIdentifier':
    case 'Flush':
    case 'SetWiFiPowerState':
    case 'EstablishProvisionalEnrollment':
      return ACK;
    case 'GetProfileList':
      return profileList(device);
    case 'InstallProfile':
    case 'InstallProfileSilent':
      return installProfile(request, context);
    case 'RemoveProfile':
      return removeProfile(request, context);
    case 'GetCloudConfiguration': {
      const configuration = device.management.cloudConfiguration;
      return configuration === null ? ACK : { Status: 'Acknowledged', CloudConfiguration: configuration };
    }
    case 'SetCloudConfiguration':
      return setCloudConfiguration(request, device);
    case 'DownloadAndApplyCloudConfiguration':
      // There is no Apple to download one from: the one set (if any) is what applies.
      if (device.management.cloudConfiguration === null) return mcError('noCloudConfiguration', 'There is no cloud configuration for this device.');
      device.management.settleSetup();
      return ACK;
    case 'Escalate':
      return escalate(request, context);
    case 'EscalateResponse':
      return escalateResponse(request, session);
    case 'ProceedWithKeybagMigration':
      if (!session.challengeAnswered) return mcError('noChallengeAnswered', 'Escalate and answer its challenge first.');
      session.escalated = true;
      return ACK;
    case 'StoreProfile': {
      const data = request.ProfileData;
      if (!(data instanceof Uint8Array)) return { Status: 'CommandFormatError' };
      device.management.storedProfiles.set(typeof request.Purpose === 'string' ? request.Purpose : 'PostSetupInstallation', Buffer.from(data));
      return ACK;
    }
    case 'GetStoredProfile': {
      const stored = device.management.storedProfiles.get(typeof request.Purpose === 'string' ? request.Purpose : 'PostSetupInstallation');
      return stored ? { Status: 'Acknowledged', ProfileData: stored } : ACK;
    }
    case 'EraseDevice':
      return eraseDevice(request, context);
    default:
      return { Status: 'CommandFormatError' };
  }
}

export function createMcInstallService(): SimService {
  return createStepService<McSession>({
    name: MCINSTALL_SERVICE,
    target: 'mcinstall',
    ssl: true,
    stepKey: 'RequestType',
    newSession: () => ({ challenge: null, supervisor: null, challengeAnswered: false, escalated: false }),
    handle,
    errorReply: (step) => mcError('simulatedFailure', `The device could not complete ${step || 'the request'} (simulated failure).`),
  });
}
