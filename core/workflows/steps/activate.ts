/**
 * Activation through the bench (mobileactivation + an activation server),
 * as Configurator's Prepare does; skipped when the device is activated.
 */
import { z } from 'zod';
import { StepError, type StepKind } from './types.js';

const ActivateParams = z.object({}).strict();
const ACTIVATED = new Set(['Activated', 'FactoryActivated']);

export const activateStep: StepKind<z.infer<typeof ActivateParams>> = {
  kind: 'activate',
  label: 'Activate',
  destructive: false,
  params: ActivateParams,
  defaultTimeoutMs: 5 * 60_000,
  defaultRetries: 2,
  async check(context) {
    const state = await context.services.activation.getActivationState(context.udid);
    return { done: ACTIVATED.has(state), note: `activation state ${state}` };
  },
  async run(context) {
    const authority = context.organization.activationAuthority;
    if (!authority) {
      throw new StepError(
        'NoActivationServer',
        'This bench has no activation server configured.',
        'Join the device to Wi-Fi in Setup Assistant to activate it, or set activationServerUrl in the organisation settings.',
      );
    }
    await context.services.activation.activate(context.udid, authority);
    const state = await context.services.activation.getActivationState(context.udid);
    if (!ACTIVATED.has(state)) throw new StepError('ActivationNotConfirmed', `The activation server answered but the device reports ${state}.`, 'Check the device for an Activation Lock screen; it needs the previous owner\'s Apple ID or removal from their account.');
    return `Activated (${state})`;
  },
};
