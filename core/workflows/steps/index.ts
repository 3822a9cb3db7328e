/** Every step kind a workflow may name. */
import { activateStep } from './activate.js';
import { cloudConfigurationStep } from './cloud-configuration.js';
import { eraseStep } from './erase.js';
import { installEnrollmentProfileStep, removeManagementProfileStep } from './profiles.js';
import { restartStep, shutdownStep } from './power.js';
import type { StepKind } from './types.js';

export type { StepCheck, StepContext, StepKind, WaitOptions } from './types.js';
export { StepError } from './types.js';

/** Typed per kind where it is defined; here only the shared shape matters. */
export type AnyStepKind = StepKind<unknown>;

/** Forgets a kind's parameter type: the engine parses params with the kind's own schema before calling it. */
function widen<P>(kind: StepKind<P>): AnyStepKind {
  return kind as unknown as AnyStepKind;
}

export const STEP_KINDS: ReadonlyMap<string, AnyStepKind> = new Map(
  [
    widen(eraseStep),
    widen(activateStep),
    widen(cloudConfigurationStep),
    widen(installEnrollmentProfileStep),
    widen(removeManagementProfileStep),
    widen(restartStep),
    widen(shutdownStep),
  ].map((kind) => [kind.kind, kind]),
);
