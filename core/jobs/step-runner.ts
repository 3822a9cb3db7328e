/**
 * Runs one job's steps in order, each idempotently: check the device, skip
 * what is already done, act, confirm. The rules that make it safe:
 * - A destructive command is recorded (dispatchedAt) before it is sent, and
 *   sent at most once per job. If its outcome is unknown — an error after
 *   sending, or a crash — the step is judged from the device's state and fails
 *   with a reason rather than being sent again.
 * - A transient failure is retried with backoff up to the step's retries; a
 *   device that is away is waited for ("Reconnect the device to continue"),
 *   which does not use up an attempt.
 */
import type { DeviceServices } from '../devices/services.js';
import type { BenchStore, JobRow, StepRow, StepState } from '../store/types.js';
import type { WorkflowDefinition } from '../workflows/definition.js';
import type { Organization } from '../workflows/organization.js';
import { StepError, type AnyStepKind, type StepCheck, type StepContext, type WaitOptions } from '../workflows/steps/index.js';
import { stepKindOf } from '../workflows/catalog.js';
import { isRetryable, sleep, toStoredError, withTimeout } from './failures.js';
import { WaitAbortedError, waitForPresence, type DevicePresence } from './presence.js';
import { AttemptManagement } from './attempt-management.js';

export const RECONNECT_INSTRUCTION = 'Reconnect the device to continue.';

/** How many times a step waits for a device that went away mid-step before giving up. */
const MAX_AWAY_WAITS = 20;

export interface JobRunEnvironment {
  store: BenchStore;
  presence: DevicePresence;
  services: DeviceServices;
  organization: Organization;
  /** How long to wait for a device to come back or become ready. */
  deviceWaitMs: number;
  /** First retry delay; doubles per attempt. */
  retryBackoffMs: number;
  signal: AbortSignal;
  now(): string;
  /** What the technician should do while the job waits for the device; null when it stops waiting. */
  setWaiting(instruction: string | null): void;
  /** Called before a destructive step starts: from then on the job cannot be cancelled. */
  enterPointOfNoReturn(): void;
  audit(action: string, step: { kind: string } | null, result: string, detail: string | null): void;
  changed(): void;
}

export function isAbort(error: unknown): boolean {
  return error instanceof WaitAbortedError || (error instanceof Error && error.name === 'AbortError');
}

function kindFor(kindName: string): AnyStepKind {
  const kind = stepKindOf(kindName);
  // The catalog refuses workflows naming unknown kinds; a stored one from a newer Benchline could still get here.
  if (!kind) throw new StepError('UnknownStepKind', `This Benchline does not know the step "${kindName}".`, 'Update Benchline, or run a workflow this version knows.');
  return kind;
}

class StepRun {
  private dispatched: boolean;
  private departuresBaseline: number;
  private attempt: AbortController = new AbortController();
  private management: AttemptManagement | null = null;
  context: StepContext<unknown>;

  constructor(
    private readonly env: JobRunEnvironment,
    private readonly job: JobRow,
    private readonly index: number,
    private readonly kind: AnyStepKind,
    params: unknown,
    row: StepRow,
  ) {
    this.dispatched = row.dispatchedAt !== null;
    this.departuresBaseline = env.presence.departures(job.udid);
    this.context = this.newAttempt(params);
  }

  /**
   * Each attempt gets its own context. An attempt abandoned after a timeout may
   * still be running (a native call finishes on its own); its context is
   * aborted, so it can no longer send the destructive command behind the next
   * attempt's back, and its MCInstall connection is closed.
   */
  newAttempt(params: unknown = this.context.params): StepContext<unknown> {
    this.endAttempt();
    const attempt = new AbortController();
    this.attempt = attempt;
    const signal = AbortSignal.any([this.env.signal, attempt.signal]);
    const management = new AttemptManagement(this.env.services, this.env.presence, this.job.udid);
    this.management = management;
    this.context = {
      udid: this.job.udid,
      params,
      organization: this.env.organization,
      services: this.env.services,
      signal,
      management: () => (signal.aborted ? Promise.reject(new WaitAbortedError()) : management.get()),
      markDispatched: () => {
        if (signal.aborted) throw new WaitAbortedError();
        this.markDispatched();
      },
      waitForDeparture: (timeoutMs) => this.waitForDeparture(timeoutMs, signal),
      waitUntilReady: (options) => this.waitUntilReady(options, signal),
    };
    return this.context;
  }

  /** Ends the current attempt: aborts its signal and closes its MCInstall connection. */
  endAttempt(): void {
    this.attempt.abort(new WaitAbortedError());
    this.management?.end();
  }

  get wasDispatched(): boolean {
    return this.dispatched;
  }

  update(patch: Parameters<BenchStore['updateStep']>[2]): void {
    this.env.store.updateStep(this.job.id, this.index, patch);
    this.env.changed();
  }

  clearDispatch(): void {
    this.dispatched = false;
    this.update({ dispatchedAt: null });
  }

  private markDispatched(): void {
    if (this.dispatched && this.kind.destructive) {
      // Defence in depth: the runner never gets here twice for one job, and must not.
      throw new StepError('AlreadySent', `${this.kind.label} was already sent for this job.`, 'It is never sent twice by one job. Start a new action if it is still needed.');
    }
    this.departuresBaseline = this.env.presence.departures(this.job.udid);
    this.dispatched = true;
    this.update({ dispatchedAt: this.env.now() });
    this.env.audit('step.dispatched', this.kind, 'sent', null);
  }

  private waitForDeparture(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const { presence } = this.env;
    const udid = this.job.udid;
    return waitForPresence(presence, () => presence.departures(udid) > this.departuresBaseline || presence.find(udid) === undefined, timeoutMs, signal);
  }

  private async waitUntilReady(options: WaitOptions = {}, signal: AbortSignal = this.env.signal): Promise<void> {
    const { presence } = this.env;
    const udid = this.job.udid;
    const ready = (): boolean => presence.find(udid)?.state === 'ready';
    if (ready()) return;
    let overdue = false;
    const show = (): void => {
      const device = presence.find(udid);
      if (device?.state === 'ready') return; // about to resolve; "Ready." is no instruction
      const away = overdue && options.overdue ? options.overdue.instruction : (options.instruction ?? RECONNECT_INSTRUCTION);
      this.env.setWaiting(device ? device.instruction : away);
    };
    show();
    const subscription = presence.onChange(show);
    const overdueTimer = options.overdue
      ? setTimeout(() => {
          overdue = true;
          show();
        }, options.overdue.afterMs)
      : undefined;
    let became: boolean;
    try {
      became = await waitForPresence(presence, ready, options.timeoutMs ?? this.env.deviceWaitMs, signal);
    } finally {
      clearTimeout(overdueTimer);
      subscription.close();
      this.env.setWaiting(null);
    }
    if (!became) {
      const device = presence.find(udid);
      throw device
        ? new StepError('DeviceNotReady', `The device did not become ready (${device.state}).`, device.instruction)
        : new StepError('DeviceNotReturned', 'The device was not reconnected in time.', 'Reconnect the device and run the action again.');
    }
  }
}

async function reconcile(kind: AnyStepKind, context: StepContext<unknown>): Promise<StepCheck> {
  if (kind.reconcile) return kind.reconcile(context);
  await context.waitUntilReady();
  return kind.check(context);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runStep(env: JobRunEnvironment, job: JobRow, index: number, step: WorkflowDefinition['steps'][number], row: StepRow): Promise<void> {
  const kind = kindFor(step.kind);
  const params = kind.params.parse(step.params);
  const timeoutMs = step.timeoutMs ?? kind.defaultTimeoutMs;
  const retries = step.retries ?? kind.defaultRetries;
  const run = new StepRun(env, job, index, kind, params, row);
  const resumedInFlight = row.state === 'running' && run.wasDispatched;

  const finish = (state: StepState, note: string): void => {
    run.update({ state, note, finishedAt: env.now(), error: null });
    env.audit(state === 'skipped' ? 'step.skipped' : 'step.succeeded', kind, state === 'skipped' ? 'skipped' : 'ok', note);
  };

  run.update({ state: 'running', startedAt: row.startedAt ?? env.now() });

  if (resumedInFlight) {
    env.audit('step.reconciling', kind, 'checking the device', 'The command may have been sent before Benchline stopped.');
    const outcome = await withTimeout(reconcile(kind, run.newAttempt()), timeoutMs, kind.label);
    if (outcome.done) return finish('succeeded', `Confirmed on the device after Benchline restarted: ${outcome.note}`);
    if (kind.destructive) {
      throw new StepError(
        'NotConfirmedAfterRestart',
        `${kind.label} may have been sent before Benchline stopped, but the device shows it did not happen (${outcome.note}).`,
        'It is never sent twice automatically. Check the device, then run the action again if it is still needed.',
      );
    }
    run.clearDispatch();
  }

  let failures = 0;
  let awayWaits = 0;
  try {
    for (;;) {
      env.signal.throwIfAborted();
      const context = run.newAttempt();
      try {
        await context.waitUntilReady();
        const before = await withTimeout(kind.check(context), timeoutMs, kind.label);
        if (before.done) return finish('skipped', `Already done: ${before.note}`);
        // From here a destructive step may act: the job can no longer be cancelled (views.ts reads `attempts`).
        if (kind.destructive) env.enterPointOfNoReturn();
        run.update({ attempts: (env.store.steps(job.id)[index]?.attempts ?? 0) + 1 });
        const note = await withTimeout(kind.run(context), timeoutMs, kind.label);
        return finish('succeeded', note);
      } catch (error) {
        // Over, whatever comes next (a reconcile or another attempt gets a new context): close its connection now, not after a backoff.
        run.endAttempt();
        if (isAbort(error) && env.signal.aborted) throw error;
        if (run.wasDispatched && kind.destructive) {
          // The step itself judged the outcome (e.g. "came back but not erased"): that is the answer.
          if (error instanceof StepError && !error.retryable) throw error;
          env.audit('step.reconciling', kind, 'checking the device', `After: ${describe(error)}`);
          const outcome = await withTimeout(reconcile(kind, run.newAttempt()), timeoutMs, kind.label);
          if (outcome.done) return finish('succeeded', `${outcome.note} (confirmed on the device after: ${describe(error)})`);
          throw new StepError(
            'NotConfirmed',
            `${kind.label} was sent, then: ${describe(error)}. The device shows it did not happen (${outcome.note}).`,
            'It is never sent twice automatically. Check the device, then run the action again if it is still needed.',
          );
        }
        if (run.wasDispatched) run.clearDispatch();
        if (!isRetryable(error)) throw error;
        const away = env.presence.find(job.udid)?.state !== 'ready';
        if (away && awayWaits < MAX_AWAY_WAITS) {
          awayWaits += 1;
          env.audit('step.waiting', kind, 'device away', describe(error));
          continue;
        }
        if (failures >= retries) throw error;
        failures += 1;
        env.audit('step.retrying', kind, `attempt ${failures + 1}`, describe(error));
        await sleep(env.retryBackoffMs * 2 ** (failures - 1), env.signal);
      }
    }
  } finally {
    run.endAttempt();
  }
}

/** Runs the job's unfinished steps; throws the failing step's error (its step marked failed). */
export async function runJobSteps(env: JobRunEnvironment, job: JobRow, definition: WorkflowDefinition): Promise<void> {
  for (const [index, step] of definition.steps.entries()) {
    const row = env.store.steps(job.id)[index];
    if (!row) throw new Error(`job ${job.id} has no step ${index}`);
    if (row.state === 'succeeded' || row.state === 'skipped') continue;
    // Cancellation and shutdown take effect between steps too, not only inside waits.
    env.signal.throwIfAborted();
    try {
      await runStep(env, job, index, step, row);
    } catch (error) {
      if (!isAbort(error) && !env.signal.aborted) {
        env.store.updateStep(job.id, index, { state: 'failed', finishedAt: env.now(), error: toStoredError(error), note: describe(error) });
        env.changed();
      }
      throw error;
    }
  }
}
