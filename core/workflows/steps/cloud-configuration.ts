/**
 * Supervise and set the cloud configuration (what Setup Assistant applies:
 * supervision with the organisation's certificate, MDM enrollment URL,
 * skipped panes, mandatory / removable MDM). A device keeps one cloud
 * configuration until erased: an equal one means done, another one is a
 * conflict only an erase resolves.
 */
import { z } from 'zod';
import type { CloudConfiguration } from '../../devices/services.js';
import type { Organization } from '../organization.js';
import { StepError, type StepContext, type StepKind } from './types.js';

const CloudParams = z.object({ supervised: z.boolean().default(true) }).strict();
type CloudParams = z.infer<typeof CloudParams>;

export function desiredCloudConfiguration(organization: Organization, supervised: boolean): CloudConfiguration {
  const configuration: CloudConfiguration = {
    IsSupervised: supervised,
    AllowPairing: true,
    OrganizationName: organization.name,
    SkipSetup: organization.skipSetup,
    IsMandatory: organization.mandatory,
    IsMDMUnremovable: !organization.removable,
  };
  if (organization.mdmEnrollmentUrl) configuration.ConfigurationURL = organization.mdmEnrollmentUrl;
  if (supervised) {
    if (!organization.supervisionIdentity) {
      throw new StepError('NoSupervisionIdentity', 'The organisation has no supervision identity.', 'Set supervisionIdentity (certificate and private key) in the organisation settings.');
    }
    configuration.SupervisorHostCertificates = [organization.supervisionIdentity.certificateDer];
  }
  return configuration;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function matches(existing: CloudConfiguration, desired: CloudConfiguration): boolean {
  if (existing.OrganizationName !== desired.OrganizationName) return false;
  if ((existing.ConfigurationURL ?? null) !== (desired.ConfigurationURL ?? null)) return false;
  if (Boolean(existing.IsSupervised) !== Boolean(desired.IsSupervised)) return false;
  const wanted = desired.SupervisorHostCertificates?.[0];
  return !wanted || (existing.SupervisorHostCertificates ?? []).some((certificate) => sameBytes(certificate, wanted));
}

async function check(context: StepContext<CloudParams>): Promise<{ done: boolean; note: string }> {
  const desired = desiredCloudConfiguration(context.organization, context.params.supervised);
  const existing = await (await context.management()).getCloudConfiguration();
  if (existing === null) return { done: false, note: 'no cloud configuration' };
  if (matches(existing, desired)) return { done: true, note: `already configured for "${desired.OrganizationName}"${existing.IsSupervised ? ', supervised' : ''}` };
  throw new StepError(
    'CloudConfigurationConflict',
    `The device already has a cloud configuration from "${existing.OrganizationName ?? 'another organisation'}".`,
    'A cloud configuration can only be replaced by erasing the device: run Erase first, then Prepare.',
  );
}

export const cloudConfigurationStep: StepKind<CloudParams> = {
  kind: 'set-cloud-configuration',
  label: 'Supervise and set the cloud configuration',
  destructive: false,
  params: CloudParams,
  defaultTimeoutMs: 2 * 60_000,
  defaultRetries: 2,
  check,
  async run(context) {
    const desired = desiredCloudConfiguration(context.organization, context.params.supervised);
    await (await context.management()).setCloudConfiguration(desired);
    const after = await check(context);
    if (!after.done) throw new StepError('CloudConfigurationNotConfirmed', 'The device accepted the cloud configuration but does not report it.', 'Replug the device and run Prepare again.', true);
    return `Configured for "${desired.OrganizationName}"${desired.IsSupervised ? ', supervised' : ''}`;
  },
};
