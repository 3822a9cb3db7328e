/**
 * The organisation a bench prepares devices for: its name, MDM enrollment
 * URL, Setup Assistant panes to skip, supervision identity, enrollment
 * profile, and the activation server. Loaded from a JSON file (paths in it are
 * relative to the file); the central server will supply it later.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ActivationAuthority, SupervisionIdentity } from '../devices/services.js';
import { buildEnrollmentProfile, type EnrollmentProfile } from './enrollment-profile.js';
import { generateSupervisionIdentityPem, supervisionIdentityFromPem } from './supervision-identity.js';

export interface Organization {
  name: string;
  mdmEnrollmentUrl: string | null;
  /** Setup Assistant panes to skip (cloud configuration SkipSetup keys). */
  skipSetup: string[];
  /** The user cannot skip MDM enrollment in Setup Assistant. */
  mandatory: boolean;
  /** The user may remove the MDM profile (IsMDMUnremovable = !removable). */
  removable: boolean;
  supervisionIdentity: SupervisionIdentity | null;
  enrollmentProfile: EnrollmentProfile | null;
  /** null: this bench cannot activate devices itself (they activate over Wi-Fi in Setup Assistant). */
  activationAuthority: ActivationAuthority | null;
}

export const DEFAULT_SKIP_SETUP = ['Location', 'Privacy', 'Siri', 'ScreenTime', 'Diagnostics', 'AppleID', 'TOS'];

export const OrganizationFileSchema = z
  .object({
    name: z.string().min(1),
    mdmEnrollmentUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
    skipSetup: z.array(z.string().min(1)).default(DEFAULT_SKIP_SETUP),
    mandatory: z.boolean().default(true),
    removable: z.boolean().default(false),
    supervisionIdentity: z.object({ certificate: z.string().min(1), privateKey: z.string().min(1) }).strict().nullable().default(null),
    /** A .mobileconfig from the MDM; without it one is built from mdmEnrollmentUrl. */
    enrollmentProfile: z.object({ file: z.string().min(1), identifier: z.string().min(1), uuid: z.string().min(1) }).strict().nullable().default(null),
    enrollmentProfileIdentifier: z.string().min(1).default('com.benchline.enrollment'),
    activationServerUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  })
  .strict();
export type OrganizationFile = z.infer<typeof OrganizationFileSchema>;

export class OrganizationConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`Organisation settings ${file}: ${message}`);
    this.name = 'OrganizationConfigError';
  }
}

/** What an empty bench knows: no MDM, no supervision identity; Erase, Restart and profile removal still work. */
export function unconfiguredOrganization(): Organization {
  return { name: 'Unconfigured', mdmEnrollmentUrl: null, skipSetup: DEFAULT_SKIP_SETUP, mandatory: false, removable: true, supervisionIdentity: null, enrollmentProfile: null, activationAuthority: null };
}

function readText(file: string, what: string, origin: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new OrganizationConfigError(origin, `cannot read the ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface OrganizationDeps {
  /** Builds the client for `activationServerUrl` (native/apple), injected by the composition root. */
  activationAuthorityFor?: (url: string) => ActivationAuthority;
}

export function organizationFromSettings(settings: OrganizationFile, origin: string, baseDir: string, deps: OrganizationDeps = {}): Organization {
  const resolve = (file: string): string => path.resolve(baseDir, file);
  let supervisionIdentity: SupervisionIdentity | null = null;
  if (settings.supervisionIdentity) {
    try {
      supervisionIdentity = supervisionIdentityFromPem(
        readText(resolve(settings.supervisionIdentity.certificate), 'supervision certificate', origin),
        readText(resolve(settings.supervisionIdentity.privateKey), 'supervision private key', origin),
      );
    } catch (error) {
      if (error instanceof OrganizationConfigError) throw error;
      throw new OrganizationConfigError(origin, error instanceof Error ? error.message : String(error));
    }
  }
  let enrollmentProfile: EnrollmentProfile | null = null;
  if (settings.enrollmentProfile) {
    const file = resolve(settings.enrollmentProfile.file);
    let payload: Buffer;
    try {
      payload = readFileSync(file);
    } catch (error) {
      throw new OrganizationConfigError(origin, `cannot read the enrollment profile ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    enrollmentProfile = { payload, identifier: settings.enrollmentProfile.identifier, uuid: settings.enrollmentProfile.uuid, displayName: path.basename(file) };
  } else if (settings.mdmEnrollmentUrl) {
    enrollmentProfile = buildEnrollmentProfile({ organizationName: settings.name, serverUrl: settings.mdmEnrollmentUrl, identifier: settings.enrollmentProfileIdentifier });
  }
  let activationAuthority: ActivationAuthority | null = null;
  if (settings.activationServerUrl) {
    if (!deps.activationAuthorityFor) throw new OrganizationConfigError(origin, 'activationServerUrl is set but this bench cannot reach an activation server.');
    activationAuthority = deps.activationAuthorityFor(settings.activationServerUrl);
  }
  return {
    name: settings.name,
    mdmEnrollmentUrl: settings.mdmEnrollmentUrl,
    skipSetup: settings.skipSetup,
    mandatory: settings.mandatory,
    removable: settings.removable,
    supervisionIdentity,
    enrollmentProfile,
    activationAuthority,
  };
}

/** Reads and validates an organisation file; every problem names the file and what to fix. */
export function loadOrganization(file: string, deps: OrganizationDeps = {}): Organization {
  const text = readText(file, 'file', file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OrganizationConfigError(file, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = OrganizationFileSchema.safeParse(json);
  if (!parsed.success) throw new OrganizationConfigError(file, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '));
  return organizationFromSettings(parsed.data, file, path.dirname(file), deps);
}

/** A demo organisation for simulated benches: a fresh supervision identity and an MDM URL on loopback. */
export function simulatedOrganization(activationAuthority: ActivationAuthority): Organization {
  const pem = generateSupervisionIdentityPem('Benchline Simulated Supervisor');
  const mdmEnrollmentUrl = 'https://127.0.0.1:8443/mdm/enroll';
  return {
    name: 'Simulated Organisation',
    mdmEnrollmentUrl,
    skipSetup: DEFAULT_SKIP_SETUP,
    mandatory: true,
    removable: false,
    supervisionIdentity: supervisionIdentityFromPem(pem.certificatePem, pem.privateKeyPem),
    enrollmentProfile: buildEnrollmentProfile({ organizationName: 'Simulated Organisation', serverUrl: mdmEnrollmentUrl, identifier: 'com.benchline.enrollment' }),
    activationAuthority,
  };
}
