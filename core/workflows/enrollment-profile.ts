/**
 * The MDM enrollment profile the Prepare workflow installs: a .mobileconfig
 * with one com.apple.mdm payload pointing at the organisation's MDM server.
 * Organisations with a signed profile from their MDM use that file instead
 * (organization.ts); this one is for benches whose MDM hands out only a URL.
 */
import { createHash } from 'node:crypto';
import { serialize } from '@plist/plist';

/** @plist/common's PlistFormat.XML, by number to avoid a deep import. */
const XML = 1;

export interface EnrollmentProfile {
  payload: Uint8Array;
  identifier: string;
  uuid: string;
  displayName: string;
}

/** A UUID derived from text, so the same organisation always builds the same profile (idempotent installs). */
function stableUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

export function buildEnrollmentProfile(options: { organizationName: string; serverUrl: string; identifier: string; topic?: string }): EnrollmentProfile {
  const uuid = stableUuid(`${options.identifier}\n${options.serverUrl}`);
  const displayName = `${options.organizationName} device management`;
  const profile = {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: options.identifier,
    PayloadUUID: uuid,
    PayloadDisplayName: displayName,
    PayloadDescription: `Enrolls this device in ${options.organizationName}'s device management.`,
    PayloadOrganization: options.organizationName,
    PayloadRemovalDisallowed: false,
    PayloadContent: [
      {
        PayloadType: 'com.apple.mdm',
        PayloadVersion: 1,
        PayloadIdentifier: `${options.identifier}.mdm`,
        PayloadUUID: stableUuid(`${options.identifier}.mdm\n${options.serverUrl}`),
        PayloadDisplayName: 'MDM',
        ServerURL: options.serverUrl,
        CheckInURL: options.serverUrl,
        Topic: options.topic ?? `com.apple.mgmt.${options.identifier}`,
        AccessRights: 8191,
        CheckOutWhenRemoved: true,
        ServerCapabilities: ['com.apple.mdm.per-user-connections'],
      },
    ],
  };
  return { payload: new Uint8Array(Buffer.from(serialize(profile, XML) as string, 'utf8')), identifier: options.identifier, uuid, displayName };
}
