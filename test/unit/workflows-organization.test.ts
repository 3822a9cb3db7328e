/**
 * The organisation file: what Prepare configures devices with. A mistake in
 * it must say which file and what to fix; the supervision identity must
 * produce signatures a device can verify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrganization, OrganizationConfigError } from '../../core/workflows/organization.js';
import { generateSupervisionIdentityPem, supervisionIdentityFromPem, SupervisionIdentityError } from '../../core/workflows/supervision-identity.js';
import { desiredCloudConfiguration } from '../../core/workflows/steps/cloud-configuration.js';
import { verifySignedContent } from '../../sim/device/cms.js';

let dir: string;
let identity: { certificatePem: string; privateKeyPem: string };

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'benchline-org-'));
  identity = generateSupervisionIdentityPem('Test Supervisor');
  writeFileSync(path.join(dir, 'sup.pem'), identity.certificatePem);
  writeFileSync(path.join(dir, 'sup.key'), identity.privateKeyPem);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function organizationFile(content: unknown): string {
  const file = path.join(dir, `org-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('organisation settings', () => {
  it('load with paths relative to the file and build the enrollment profile from the MDM URL', () => {
    const organization = loadOrganization(organizationFile({ name: 'Example Corp', mdmEnrollmentUrl: 'https://mdm.example.com/enroll', supervisionIdentity: { certificate: 'sup.pem', privateKey: 'sup.key' } }));
    expect(organization.name).toBe('Example Corp');
    expect(organization.mandatory).toBe(true);
    expect(organization.enrollmentProfile?.identifier).toBe('com.benchline.enrollment');
    const profile = Buffer.from(organization.enrollmentProfile!.payload).toString('utf8');
    expect(profile).toContain('<string>com.apple.mdm</string>');
    expect(profile).toContain('https://mdm.example.com/enroll');
    const configuration = desiredCloudConfiguration(organization, true);
    expect(configuration).toMatchObject({ IsSupervised: true, OrganizationName: 'Example Corp', ConfigurationURL: 'https://mdm.example.com/enroll', IsMDMUnremovable: true });
    expect(Buffer.from(configuration.SupervisorHostCertificates![0]!)).toEqual(Buffer.from(organization.supervisionIdentity!.certificateDer));
  });

  it('builds the same enrollment profile every time, so installing it again is recognised as done', () => {
    const file = organizationFile({ name: 'Example Corp', mdmEnrollmentUrl: 'https://mdm.example.com/enroll' });
    expect(loadOrganization(file).enrollmentProfile?.uuid).toBe(loadOrganization(file).enrollmentProfile?.uuid);
  });

  it('refuses bad settings naming the file and the field', () => {
    const bad = (content: unknown): OrganizationConfigError => {
      const file = organizationFile(content);
      try {
        loadOrganization(file);
      } catch (error) {
        expect(error).toBeInstanceOf(OrganizationConfigError);
        expect((error as Error).message).toContain(file);
        return error as OrganizationConfigError;
      }
      throw new Error('accepted');
    };
    expect(bad('not json').message).toMatch(/not JSON/);
    expect(bad({ mdmEnrollmentUrl: 'https://x' }).message).toMatch(/name/);
    expect(bad({ name: 'X', mdmEnrollmentUrl: 'ftp://x' }).message).toMatch(/mdmEnrollmentUrl/);
    expect(bad({ name: 'X', supervisionIdentity: { certificate: 'missing.pem', privateKey: 'sup.key' } }).message).toMatch(/cannot read the supervision certificate .*missing\.pem/);
    expect(bad({ name: 'X', activationServerUrl: 'https://albert.example' }).message).toMatch(/cannot reach an activation server/);
  });
});

describe('supervision identity', () => {
  it('signs a challenge as PKCS#7 SignedData that a device accepts (checked by the simulator\'s own CMS code)', () => {
    const signer = supervisionIdentityFromPem(identity.certificatePem, identity.privateKeyPem);
    const challenge = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const signed = signer.signChallenge(challenge);
    expect(verifySignedContent(signed, challenge, signer.certificateDer)).toBe(true);
    expect(verifySignedContent(signed, new Uint8Array([8, 7, 6, 5, 4, 3, 2, 1]), signer.certificateDer)).toBe(false);
    const stranger = supervisionIdentityFromPem(...Object.values(generateSupervisionIdentityPem('Stranger')) as [string, string]);
    expect(verifySignedContent(signed, challenge, stranger.certificateDer)).toBe(false);
  });

  it('refuses a private key that does not belong to the certificate', () => {
    const other = generateSupervisionIdentityPem('Someone Else');
    expect(() => supervisionIdentityFromPem(identity.certificatePem, other.privateKeyPem)).toThrow(SupervisionIdentityError);
    expect(() => supervisionIdentityFromPem('garbage', identity.privateKeyPem)).toThrow(/not a PEM X.509 certificate/);
  });
});
