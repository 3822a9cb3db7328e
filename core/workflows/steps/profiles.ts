/**
 * Install the organisation's enrollment profile, and remove the management
 * profile (the corporate-data wipe of a personal device: managed apps and
 * data go with it). On a supervised device both first escalate the MCInstall
 * connection with the supervision identity, which lets them act silently.
 */
import { z } from 'zod';
import type { ManagementConnection } from '../../devices/services.js';
import { refusalOf, StepError, type StepContext, type StepKind } from './types.js';

/** On the attempt's connection, which the check, the action and the confirmation share (escalation included). */
async function withManagement<P, T>(context: StepContext<P>, use: (connection: ManagementConnection) => Promise<T>): Promise<T> {
  return use(await context.management());
}

/** Escalates when the device is supervised and we hold the identity; an unsupervised device has nothing to escalate to. */
async function escalateIfSupervised<P>(context: StepContext<P>, connection: ManagementConnection): Promise<boolean> {
  const configuration = await connection.getCloudConfiguration();
  if (!configuration?.IsSupervised || !context.organization.supervisionIdentity) return false;
  await connection.escalate(context.organization.supervisionIdentity);
  return true;
}

const InstallParams = z.object({}).strict();

export const installEnrollmentProfileStep: StepKind<z.infer<typeof InstallParams>> = {
  kind: 'install-enrollment-profile',
  label: 'Install the enrollment profile',
  destructive: false,
  params: InstallParams,
  defaultTimeoutMs: 2 * 60_000,
  defaultRetries: 2,
  async check(context) {
    const profile = context.organization.enrollmentProfile;
    if (!profile) return { done: false, note: 'no enrollment profile configured' };
    const installed = await withManagement(context, (connection) => connection.getProfileList());
    const match = installed.find((candidate) => candidate.identifier === profile.identifier);
    if (match && match.uuid === profile.uuid) return { done: true, note: `"${match.displayName}" already installed` };
    return { done: false, note: match ? `an older "${match.displayName}" is installed` : 'not installed' };
  },
  async run(context) {
    const profile = context.organization.enrollmentProfile;
    if (!profile) {
      throw new StepError('NoEnrollmentProfile', 'The organisation has no enrollment profile or MDM enrollment URL.', 'Set mdmEnrollmentUrl (or enrollmentProfile) in the organisation settings.');
    }
    return withManagement(context, async (connection) => {
      const escalated = await escalateIfSupervised(context, connection);
      await connection.installProfile(profile.payload);
      const installed = await connection.getProfileList();
      if (!installed.some((candidate) => candidate.identifier === profile.identifier && candidate.uuid === profile.uuid)) {
        throw new StepError('ProfileNotConfirmed', 'The device accepted the profile but does not list it.', 'Check Settings → General → VPN & Device Management on the device, then run Prepare again.', true);
      }
      return `Installed "${profile.displayName}"${escalated ? ' (supervised, escalated)' : ''}`;
    });
  },
};

const RemoveParams = z.object({ identifier: z.string().min(1).optional() }).strict();
type RemoveParams = z.infer<typeof RemoveParams>;

function identifierToRemove(context: StepContext<RemoveParams>): string {
  const identifier = context.params.identifier ?? context.organization.enrollmentProfile?.identifier;
  if (!identifier) {
    throw new StepError('NoProfileIdentifier', 'Which management profile to remove is not configured.', 'Set enrollmentProfileIdentifier in the organisation settings, or give the workflow step an "identifier".');
  }
  return identifier;
}

async function checkRemoved(context: StepContext<RemoveParams>): Promise<{ done: boolean; note: string }> {
  const identifier = identifierToRemove(context);
  const installed = await withManagement(context, (connection) => connection.getProfileList());
  const match = installed.find((candidate) => candidate.identifier === identifier);
  return match ? { done: false, note: `"${match.displayName}" (${identifier}) is installed` } : { done: true, note: `no profile ${identifier} on the device` };
}

export const removeManagementProfileStep: StepKind<RemoveParams> = {
  kind: 'remove-management-profile',
  label: 'Remove the management profile',
  destructive: true,
  params: RemoveParams,
  defaultTimeoutMs: 2 * 60_000,
  defaultRetries: 2,
  check: checkRemoved,
  async run(context) {
    const identifier = identifierToRemove(context);
    await withManagement(context, async (connection) => {
      const installed = await connection.getProfileList();
      const match = installed.find((candidate) => candidate.identifier === identifier);
      if (!match) return;
      await escalateIfSupervised(context, connection);
      context.markDispatched();
      await connection.removeProfile(match).catch(refusalOf);
    });
    const after = await checkRemoved(context);
    if (!after.done) throw new StepError('ProfileRemovalNotConfirmed', `The device still lists ${identifier}.`, 'The profile may be locked by supervision with another identity. Check the device, then erase it if it must be cleared.');
    return `Removed ${identifier}`;
  },
};
