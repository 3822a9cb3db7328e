/** Reads of the device's management state that several step kinds share. */
import type { CloudConfiguration, InstalledProfile } from '../../devices/services.js';
import type { StepContext } from './types.js';

export interface ManagementState {
  activationState: string;
  cloudConfiguration: CloudConfiguration | null;
  profiles: InstalledProfile[];
}

export async function readManagementState<P>(context: StepContext<P>): Promise<ManagementState> {
  const activationState = await context.services.activation.getActivationState(context.udid);
  const connection = await context.management();
  const cloudConfiguration = await connection.getCloudConfiguration();
  const profiles = await connection.getProfileList();
  return { activationState, cloudConfiguration, profiles };
}

/** What a freshly erased device looks like: not activated, nothing configured, nothing installed. */
export function looksErased(state: ManagementState): boolean {
  return state.activationState === 'Unactivated' && state.cloudConfiguration === null && state.profiles.length === 0;
}

export function describeState(state: ManagementState): string {
  const cloud = state.cloudConfiguration;
  const configured = cloud ? `cloud configuration from "${cloud.OrganizationName ?? 'unknown'}"${cloud.IsSupervised ? ', supervised' : ''}` : 'no cloud configuration';
  return `${state.activationState}, ${configured}, ${state.profiles.length} profile${state.profiles.length === 1 ? '' : 's'}`;
}
