/**
 * Erase all content and settings (MCInstall EraseDevice). The device answers,
 * resets and drops off USB; it comes back unactivated at the Hello screen,
 * no longer paired. Done = looks erased (see device-state.ts); a device that
 * already looks erased is skipped.
 */
import { z } from 'zod';
import { refusalOf, StepError, type StepContext, type StepKind, type WaitOptions } from './types.js';
import { describeState, looksErased, readManagementState } from './device-state.js';

const EraseParams = z
  .object({
    preserveDataPlan: z.boolean().default(false),
    disallowProximitySetup: z.boolean().default(true),
    /** How long the device may take to drop off after accepting the erase. */
    leaveTimeoutMs: z.number().int().positive().default(60_000),
    /** How long it may take to come back at the Hello screen. */
    returnTimeoutMs: z.number().int().positive().default(20 * 60_000),
    /** After this long away the technician is told to check the cable: an erase should be done by then. */
    expectedReturnMs: z.number().int().positive().default(5 * 60_000),
    /**
     * After a crash with the erase possibly sent: how long to watch for the device
     * dropping off before judging from its state. Covers a real device's pause
     * between accepting the command and resetting.
     */
    settleMs: z.number().int().nonnegative().default(15_000),
  })
  .strict();
type EraseParams = z.infer<typeof EraseParams>;

const ERASING = 'The device is erasing. Keep it connected; it comes back at the Hello screen.';
const OVERDUE = 'The device has been away longer than an erase takes. Check the cable and reconnect the device to continue.';

function erasingWait(params: EraseParams, instruction: string): WaitOptions {
  return { instruction, overdue: { afterMs: params.expectedReturnMs, instruction: OVERDUE }, timeoutMs: params.returnTimeoutMs };
}

async function check(context: StepContext<EraseParams>): Promise<{ done: boolean; note: string }> {
  const state = await readManagementState(context);
  return { done: looksErased(state), note: describeState(state) };
}

async function awaitReturn(context: StepContext<EraseParams>): Promise<void> {
  await context.waitForDeparture(context.params.leaveTimeoutMs);
  await context.waitUntilReady(erasingWait(context.params, ERASING));
}

export const eraseStep: StepKind<EraseParams> = {
  kind: 'erase',
  label: 'Erase all content and settings',
  destructive: true,
  params: EraseParams,
  defaultTimeoutMs: 30 * 60_000,
  defaultRetries: 1,
  check,
  async run(context) {
    // The connection the check just used; EraseDevice spends it, and the device leaves, so the check after the return gets a new one.
    const connection = await context.management();
    context.markDispatched();
    await connection.eraseDevice({ preserveDataPlan: context.params.preserveDataPlan, disallowProximitySetup: context.params.disallowProximitySetup }).catch(refusalOf);
    await awaitReturn(context);
    const after = await check(context);
    if (!after.done) throw new StepError('EraseNotConfirmed', `The device came back but does not look erased (${after.note}).`, 'The erase was not sent again. Check the device; if it is not at the Hello screen, run Erase again.');
    return `Erased; the device is back: ${after.note}`;
  },
  async reconcile(context) {
    const left = await context.waitForDeparture(context.params.settleMs);
    await context.waitUntilReady(erasingWait(context.params, left ? ERASING : 'Reconnect the device to continue.'));
    return check(context);
  },
};
