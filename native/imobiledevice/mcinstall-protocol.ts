/**
 * MCInstall's messages, without any I/O: building requests, and checking and
 * reading replies. A reply that does not have the shape MCInstall uses is a
 * ProtocolError; a refusal is a ManagementError built from its ErrorChain.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import type { CloudConfiguration, EraseOptions, InstalledProfile } from '../../core/devices/services.js';
import { ManagementError, ProtocolError, type ManagementErrorCause } from '../../core/devices/errors.js';
import { isDict, toXmlPlist } from '../plist/codec.js';

export const MCINSTALL_SERVICE = 'com.apple.mobile.MCInstall';

function optionalString(value: PlistValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function optionalInteger(value: PlistValue | undefined): number | null {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function causeFrom(entry: PlistValue): ManagementErrorCause {
  if (!isDict(entry)) return { code: null, domain: null, description: null };
  return {
    code: optionalInteger(entry.ErrorCode),
    domain: optionalString(entry.ErrorDomain),
    description: optionalString(entry.USEnglishDescription) ?? optionalString(entry.LocalizedDescription),
  };
}

/**
 * The reply's payload when the device acknowledged `request`; otherwise the
 * refusal as a ManagementError, or a ProtocolError for a reply without a Status.
 */
export function checkManagementReply(request: string, reply: PlistDict): PlistDict {
  const status = reply.Status;
  if (status === 'Acknowledged') return reply;
  if (typeof status !== 'string') throw new ProtocolError(`MCInstall answered ${request} without a Status`);
  const chain = Array.isArray(reply.ErrorChain) ? reply.ErrorChain.map(causeFrom) : [];
  throw new ManagementError(request, status, chain);
}

export function request(type: string, fields: PlistDict = {}): PlistDict {
  return { RequestType: type, ...fields };
}

// ---- profiles -------------------------------------------------------------

function profileFrom(identifier: string, metadata: PlistValue | undefined, manifest: PlistValue | undefined): InstalledProfile {
  if (!isDict(metadata)) throw new ProtocolError(`GetProfileList: profile ${identifier} has no metadata`);
  const uuid = optionalString(metadata.PayloadUUID);
  const version = optionalInteger(metadata.PayloadVersion);
  // RemoveProfile needs both, so a profile without them could not be acted on.
  if (uuid === null || version === null) throw new ProtocolError(`GetProfileList: profile ${identifier} lacks PayloadUUID or PayloadVersion`);
  return {
    identifier,
    uuid,
    version,
    displayName: optionalString(metadata.PayloadDisplayName) ?? identifier,
    description: optionalString(metadata.PayloadDescription),
    removalDisallowed: metadata.PayloadRemovalDisallowed === true,
    isActive: isDict(manifest) ? manifest.IsActive === true : false,
  };
}

/** Profiles in the device's order (OrderedIdentifiers), then any it listed only in ProfileMetadata. */
export function parseProfileList(reply: PlistDict): InstalledProfile[] {
  const metadata = reply.ProfileMetadata ?? {};
  const manifest = reply.ProfileManifest ?? {};
  const ordered = reply.OrderedIdentifiers ?? [];
  if (!isDict(metadata) || !isDict(manifest) || !Array.isArray(ordered)) throw new ProtocolError('GetProfileList: the reply is not a profile list');
  const identifiers: string[] = [];
  for (const identifier of ordered) {
    if (typeof identifier !== 'string') throw new ProtocolError('GetProfileList: OrderedIdentifiers holds something other than a string');
    if (!identifiers.includes(identifier)) identifiers.push(identifier);
  }
  for (const identifier of Object.keys(metadata)) if (!identifiers.includes(identifier)) identifiers.push(identifier);
  return identifiers.map((identifier) => profileFrom(identifier, metadata[identifier], manifest[identifier]));
}

/** RemoveProfile's ProfileIdentifier: an XML plist naming the profile, carried as data. */
export function removeProfileRequest(profile: Pick<InstalledProfile, 'identifier' | 'uuid' | 'version'>): PlistDict {
  const identifier = toXmlPlist({ PayloadType: 'Configuration', PayloadIdentifier: profile.identifier, PayloadUUID: profile.uuid, PayloadVersion: profile.version });
  return request('RemoveProfile', { ProfileIdentifier: identifier });
}

// ---- cloud configuration --------------------------------------------------

function toPlistValue(value: unknown, path: string): PlistValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || value instanceof Date) return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`);
    return value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map((item, index) => toPlistValue(item, `${path}[${index}]`));
  if (typeof value === 'object') {
    const out: PlistDict = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toPlistValue(item, `${path}.${key}`);
    return out;
  }
  throw new TypeError(`${path} cannot be put in a property list (${typeof value})`);
}

export function setCloudConfigurationRequest(configuration: CloudConfiguration): PlistDict {
  return request('SetCloudConfiguration', { CloudConfiguration: toPlistValue(configuration, 'CloudConfiguration') });
}

/** The keys CloudConfiguration types, and the check each value must pass for the type to hold. */
const CLOUD_KEY_CHECKS: Record<string, (value: PlistValue) => boolean> = {
  IsSupervised: (value) => typeof value === 'boolean',
  AllowPairing: (value) => typeof value === 'boolean',
  IsMandatory: (value) => typeof value === 'boolean',
  IsMDMUnremovable: (value) => typeof value === 'boolean',
  OrganizationName: (value) => typeof value === 'string',
  ConfigurationURL: (value) => typeof value === 'string',
  ConfigurationSource: (value) => typeof value === 'number',
  SkipSetup: (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
  SupervisorHostCertificates: (value) => Array.isArray(value) && value.every((item) => item instanceof Uint8Array),
};

/** The CloudConfiguration dictionary, or null when the device has none. */
export function parseCloudConfiguration(reply: PlistDict): CloudConfiguration | null {
  const configuration = reply.CloudConfiguration;
  if (configuration === undefined || configuration === null) return null;
  if (!isDict(configuration)) throw new ProtocolError('GetCloudConfiguration: CloudConfiguration is not a dictionary');
  const out: CloudConfiguration = {};
  for (const [key, raw] of Object.entries(configuration)) {
    // Small integers may arrive as bigint from a binary plist; the typed keys want numbers.
    const value = typeof raw === 'bigint' && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    const check = CLOUD_KEY_CHECKS[key];
    if (check && !check(value)) throw new ProtocolError(`GetCloudConfiguration: ${key} has the wrong type`);
    out[key] = value;
  }
  return out;
}

// ---- escalation and erase -------------------------------------------------

export function escalateRequest(certificateDer: Uint8Array): PlistDict {
  return request('Escalate', { SupervisorCertificate: Buffer.from(certificateDer) });
}

/** The challenge the device wants signed. */
export function challengeFrom(reply: PlistDict): Uint8Array {
  const challenge = reply.Challenge;
  if (!(challenge instanceof Uint8Array) || challenge.length === 0) throw new ProtocolError('Escalate: the device acknowledged without a Challenge');
  return challenge;
}

export function eraseRequest(options: EraseOptions): PlistDict {
  return request('EraseDevice', { PreserveDataPlan: options.preserveDataPlan, DisallowProximitySetup: options.disallowProximitySetup });
}
