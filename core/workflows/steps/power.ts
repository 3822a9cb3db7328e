/** Restart and Shut down through diagnostics_relay. */
import { z } from 'zod';
import { StepError, type StepKind } from './types.js';

const PowerParams = z
  .object({
    leaveTimeoutMs: z.number().int().positive().default(60_000),
    returnTimeoutMs: z.number().int().positive().default(10 * 60_000),
  })
  .strict();
type PowerParams = z.infer<typeof PowerParams>;

const RESTARTING = 'The device is restarting. Keep it connected; unlock it when it is back if it has a passcode.';

export const restartStep: StepKind<PowerParams> = {
  kind: 'restart',
  label: 'Restart',
  destructive: false,
  params: PowerParams,
  defaultTimeoutMs: 15 * 60_000,
  defaultRetries: 1,
  // A restart leaves nothing to observe afterwards: it is never "already done".
  check: () => Promise.resolve({ done: false, note: 'a restart is always performed' }),
  async run(context) {
    context.markDispatched();
    await context.services.diagnostics.restart(context.udid);
    const left = await context.waitForDeparture(context.params.leaveTimeoutMs);
    if (!left) throw new StepError('RestartNotConfirmed', 'The device accepted the restart but did not restart.', 'Restart it by hand (hold the side button), then check it.');
    await context.waitUntilReady({ instruction: RESTARTING, timeoutMs: context.params.returnTimeoutMs });
    return 'Restarted; the device is back';
  },
  async reconcile(context) {
    // Sent before the bench stopped: a second restart would do no harm, but nor is one needed once it is back.
    await context.waitUntilReady({ instruction: RESTARTING, timeoutMs: context.params.returnTimeoutMs });
    return { done: true, note: 'restart was sent before Benchline stopped; the device is back' };
  },
};

export const shutdownStep: StepKind<PowerParams> = {
  kind: 'shutdown',
  label: 'Shut down',
  destructive: false,
  params: PowerParams,
  defaultTimeoutMs: 5 * 60_000,
  defaultRetries: 1,
  check: () => Promise.resolve({ done: false, note: 'the device is on' }),
  async run(context) {
    context.markDispatched();
    await context.services.diagnostics.shutdown(context.udid);
    const left = await context.waitForDeparture(context.params.leaveTimeoutMs);
    if (!left) throw new StepError('ShutdownNotConfirmed', 'The device accepted the shutdown but stayed on.', 'Shut it down by hand.');
    return 'Shut down';
  },
  async reconcile(context) {
    const left = await context.waitForDeparture(context.params.leaveTimeoutMs);
    return left ? { done: true, note: 'the device is off' } : { done: false, note: 'the device is still on' };
  },
};
