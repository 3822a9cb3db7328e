/**
 * Reading a .mobileconfig the way MCInstall does: a plist (XML or binary),
 * or CMS SignedData wrapping one, whose top level is a "Configuration"
 * payload with an identifier, a UUID, a version and its PayloadContent.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { isDict, parsePlist } from '../../native/plist/codec.js';
import { CmsError, parseSignedData } from './cms.js';
import type { ProfileRecord } from './management.js';

export class ProfileFormatError extends Error {}

function looksLikePlist(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 64).toString('latin1').trimStart();
  return head.startsWith('<?xml') || head.startsWith('<plist') || head.startsWith('bplist00');
}

/** The profile's plist: the payload itself, or the content of the CMS envelope around it. */
export function unwrapProfile(payload: Uint8Array): PlistDict {
  let bytes: Buffer = Buffer.from(payload);
  if (!looksLikePlist(bytes)) {
    try {
      const content = parseSignedData(bytes).content;
      if (content === null) throw new ProfileFormatError('the signed profile has no content (detached signature)');
      bytes = content;
    } catch (error) {
      if (error instanceof CmsError) throw new ProfileFormatError('the payload is neither a property list nor a signed (CMS) profile');
      throw error;
    }
  }
  let value: PlistValue;
  try {
    value = parsePlist(bytes);
  } catch {
    throw new ProfileFormatError('the profile is not a valid property list');
  }
  if (!isDict(value)) throw new ProfileFormatError('the profile is not a dictionary');
  return value;
}

function requiredString(dict: PlistDict, key: string): string {
  const value = dict[key];
  if (typeof value !== 'string' || value === '') throw new ProfileFormatError(`the profile has no ${key}`);
  return value;
}

function optionalString(dict: PlistDict, key: string): string | null {
  const value = dict[key];
  return typeof value === 'string' ? value : null;
}

/** What the device keeps of an installable profile. Throws ProfileFormatError when it is not one. */
export function readProfile(payload: Uint8Array): ProfileRecord {
  const profile = unwrapProfile(payload);
  if (profile.PayloadType !== 'Configuration') throw new ProfileFormatError('the profile\'s PayloadType is not "Configuration"');
  const identifier = requiredString(profile, 'PayloadIdentifier');
  const uuid = requiredString(profile, 'PayloadUUID');
  const version = profile.PayloadVersion;
  if (typeof version !== 'number' && typeof version !== 'bigint') throw new ProfileFormatError('the profile has no PayloadVersion');
  const content = profile.PayloadContent ?? [];
  if (!Array.isArray(content)) throw new ProfileFormatError('PayloadContent is not an array');
  const payloadTypes = content.map((entry, index) => {
    if (!isDict(entry) || typeof entry.PayloadType !== 'string') throw new ProfileFormatError(`payload ${index + 1} has no PayloadType`);
    return entry.PayloadType;
  });
  return {
    identifier,
    uuid,
    version: Number(version),
    displayName: optionalString(profile, 'PayloadDisplayName') ?? identifier,
    description: optionalString(profile, 'PayloadDescription'),
    organization: optionalString(profile, 'PayloadOrganization'),
    removalDisallowed: profile.PayloadRemovalDisallowed === true,
    payloadTypes,
  };
}

/** RemoveProfile's ProfileIdentifier: data holding a plist {PayloadType, PayloadIdentifier, PayloadUUID, PayloadVersion}. */
export function readRemovalTarget(value: PlistValue | undefined): { identifier: string; uuid: string | null } {
  let dict: PlistValue | undefined = value;
  if (value instanceof Uint8Array) {
    try {
      dict = parsePlist(value);
    } catch {
      throw new ProfileFormatError('ProfileIdentifier is not a property list');
    }
  }
  if (!isDict(dict)) throw new ProfileFormatError('ProfileIdentifier must be data holding a property list');
  return { identifier: requiredString(dict, 'PayloadIdentifier'), uuid: optionalString(dict, 'PayloadUUID') };
}
