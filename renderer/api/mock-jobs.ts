/**
 * DEVELOPMENT ONLY: the mock bench's job engine (see mock.ts), so the action
 * panel can be built and tested without the real one. Three workflows —
 * Erase (destructive, with reasons), Prepare and Restart — whose jobs move a
 * step every second or so when `tick()` is called (every 250 ms in the page).
 * Erase and Restart take their device away and bring it back; an erased
 * device comes back unactivated, nameless, as in Setup Assistant.
 *
 * So that failures can be seen without hardware, the third device of every
 * batch fails at a step of its workflow with a message and a hint (`fail=none`
 * in the URL turns that off). It answers like the host: refusals per device
 * (AlreadyInProgress, DeviceNotTethered), envelope errors for the rest.
 */
import type { BenchEvent, Device, Envelope, Job, JobRefusal, Params, Result, WorkflowSummary } from '../../core/contract/index.js';
import { JOB_ERROR_CODES, STATE_INSTRUCTIONS, fail, ok } from '../../core/contract/index.js';

type JobError = NonNullable<Job['error']>;

interface MockStep {
  readonly kind: string;
  readonly label: string;
  /** How many ticks it takes. */
  readonly ticks: number;
  /** Starting it is the point of no return: the job can no longer be cancelled. */
  readonly destructive?: boolean;
  /** While it runs the job waits for the device, which is away. */
  readonly waitsForDevice?: boolean;
  /** What happens to the device when the step starts and when it ends. */
  readonly onStart?: (device: Device) => Device;
  readonly onEnd?: (device: Device) => Device;
  /** How it fails, for the device chosen to fail. */
  readonly failure?: JobError;
}

interface MockWorkflow extends WorkflowSummary {
  readonly plan: readonly MockStep[];
}

const away = (device: Device): Device => ({ ...device, state: 'reading', instruction: STATE_INSTRUCTIONS.reading });
const back = (device: Device): Device => ({ ...device, state: 'ready', instruction: STATE_INSTRUCTIONS.ready });
const wiped = (device: Device): Device => ({ ...back(device), activationState: 'Unactivated', deviceName: null, passwordProtected: false });

const ERASE_STEPS: readonly MockStep[] = [
  {
    kind: 'check',
    label: 'Check the device can be erased',
    ticks: 3,
    failure: { code: 'BatteryTooLow', message: 'The battery is at 9%: erasing needs at least 20%.', hint: 'Charge the device to 20% or more, then run Erase again for this device.' },
  },
  { kind: 'erase', label: 'Erase all content and settings', ticks: 5, destructive: true, onStart: away },
  { kind: 'wait-device', label: 'Wait for the device to restart', ticks: 6, waitsForDevice: true, onEnd: wiped },
  { kind: 'verify', label: 'Check it is in Setup Assistant', ticks: 3 },
];

const PREPARE_STEPS: readonly MockStep[] = [
  { kind: 'check-activation', label: 'Check activation', ticks: 3 },
  {
    kind: 'install-profile',
    label: 'Install the Wi-Fi profile',
    ticks: 4,
    failure: {
      code: 'ProfileRejected',
      message: 'The device refused the Wi-Fi profile: one for this network is already installed.',
      hint: 'Remove the old profile in Settings → General → VPN & Device Management, then run Prepare again for this device.',
    },
  },
  { kind: 'set-name', label: 'Name the device', ticks: 2 },
];

const RESTART_STEPS: readonly MockStep[] = [
  { kind: 'restart', label: 'Restart the device', ticks: 2, onEnd: away },
  {
    kind: 'wait-device',
    label: 'Wait for the device to come back',
    ticks: 6,
    waitsForDevice: true,
    onEnd: back,
    failure: { code: 'DeviceDidNotReturn', message: 'The device did not come back after restarting.', hint: 'Unplug it and plug it back in; if it stays dark, hold the side button until the Apple logo appears.' },
  },
];

const summaryOf = (plan: readonly MockStep[]) => plan.map(({ kind, label }) => ({ kind, label }));

export const MOCK_WORKFLOWS: readonly MockWorkflow[] = [
  {
    id: 'erase',
    name: 'Erase',
    description: 'Erase all content and settings and return the device to Setup Assistant.',
    destructive: true,
    acknowledgement:
      'Everything on these devices will be erased: apps, data, accounts and settings. They will restart into Setup Assistant and must be set up or enrolled again before anyone can use them. This cannot be undone.',
    reasons: [
      { id: 'retire', label: 'Retire or recycle' },
      { id: 'reassign', label: 'Give to another person' },
      { id: 'repair', label: 'Send for repair' },
      { id: 'return', label: 'Return to the supplier' },
    ],
    steps: summaryOf(ERASE_STEPS),
    plan: ERASE_STEPS,
  },
  {
    id: 'prepare',
    name: 'Prepare',
    description: 'Check activation, install the Wi-Fi profile and name the device.',
    destructive: false,
    acknowledgement: 'A Wi-Fi profile will be installed on these devices and they will be renamed. Nothing on them is erased.',
    reasons: [],
    steps: summaryOf(PREPARE_STEPS),
    plan: PREPARE_STEPS,
  },
  {
    id: 'restart',
    name: 'Restart',
    description: 'Restart the device and wait for it to come back.',
    destructive: false,
    acknowledgement: 'These devices will restart. Anything unsaved on them is lost; nothing is erased.',
    reasons: [],
    steps: summaryOf(RESTART_STEPS),
    plan: RESTART_STEPS,
  },
];

interface Running {
  job: Job;
  readonly plan: readonly MockStep[];
  /** Index of the step running, -1 while queued. */
  step: number;
  ticksInStep: number;
  readonly failsAt: number | null;
}

export interface MockJobsBench {
  readonly devices: Map<string, Device>;
  emit(event: BenchEvent): void;
  now(): string;
}

type JobMethod = 'technician.get' | 'technician.set' | 'workflows.list' | 'jobs.start' | 'jobs.list' | 'jobs.cancel';

export interface MockJobs {
  handles(method: string): method is JobMethod;
  answer<M extends JobMethod>(method: M, params: Params<M>): Envelope<Result<M>>;
  /** Moves every running job along by one tick. */
  tick(): void;
}

export function createMockJobs(bench: MockJobsBench, options: { technician: string | null; failures: boolean }): MockJobs {
  let technician = options.technician;
  const jobs = new Map<string, Running>();
  let serial = 0;

  const active = (job: Job) => job.state === 'queued' || job.state === 'running' || job.state === 'waiting-device';
  const deviceOf = (udid: string) => [...bench.devices.values()].find((device) => device.udid === udid);
  const changeDevice = (udid: string, change: ((device: Device) => Device) | undefined) => {
    const device = deviceOf(udid);
    if (device === undefined || change === undefined) return;
    const next = { ...change(device), updatedAt: bench.now() };
    bench.devices.set(device.id, next);
    bench.emit({ event: 'devices.changed', data: { kind: 'updated', device: next } });
  };
  const publish = (running: Running, change: Partial<Job>) => {
    running.job = { ...running.job, ...change };
    bench.emit({ event: 'jobs.changed', data: running.job });
  };
  const stepsWith = (running: Running, index: number, state: Job['steps'][number]['state'], note: string | null = null) =>
    running.job.steps.map((step, i) => (i === index ? { ...step, state, note } : step));
  const progressAfter = (running: Running, finished: number) => finished / running.plan.length;

  const startStep = (running: Running, index: number) => {
    const step = running.plan[index]!;
    running.step = index;
    running.ticksInStep = 0;
    changeDevice(running.job.udid, step.onStart);
    const cancellable = running.job.cancellable && step.destructive !== true;
    publish(running, {
      state: step.waitsForDevice ? 'waiting-device' : 'running',
      currentStep: step.label,
      instruction: step.waitsForDevice ? 'The device is restarting: keep it connected.' : null,
      steps: stepsWith(running, index, 'running'),
      cancellable,
    });
  };

  const finish = (running: Running, change: Partial<Job>) =>
    publish(running, { currentStep: null, instruction: null, cancellable: false, finishedAt: bench.now(), ...change });

  const advance = (running: Running) => {
    if (running.step < 0) return startStep(running, 0);
    const step = running.plan[running.step]!;
    running.ticksInStep++;
    if (running.ticksInStep < step.ticks) return;
    if (running.failsAt === running.step && step.failure) {
      // A step that took the device away and failed leaves it where it is: as a real one would.
      return finish(running, { state: 'failed', error: step.failure, steps: stepsWith(running, running.step, 'failed', step.failure.message) });
    }
    changeDevice(running.job.udid, step.onEnd);
    running.job = { ...running.job, steps: stepsWith(running, running.step, 'succeeded'), progress: progressAfter(running, running.step + 1) };
    if (running.step + 1 < running.plan.length) return startStep(running, running.step + 1);
    finish(running, { state: 'succeeded', progress: 1 });
  };

  const start = (params: Params<'jobs.start'>): Envelope<Result<'jobs.start'>> => {
    const workflow = MOCK_WORKFLOWS.find((candidate) => candidate.id === params.workflowId);
    if (workflow === undefined) return fail(JOB_ERROR_CODES.UnknownWorkflow, `There is no workflow "${params.workflowId}".`, 'Reload the window to see the workflows this bench offers.');
    if (technician === null) return fail(JOB_ERROR_CODES.NoTechnician, 'No technician is set.', 'Enter your name at the top of the window.');
    if (workflow.destructive && !params.acknowledged) return fail(JOB_ERROR_CODES.NotAcknowledged, `${workflow.name} erases data and was not acknowledged.`, 'Tick the acknowledgement box.');
    if (workflow.reasons.length > 0 && !workflow.reasons.some((reason) => reason.id === params.reason)) return fail(JOB_ERROR_CODES.ReasonRequired, `${workflow.name} needs a reason.`, 'Pick one of the reasons.');
    const batchId = `mock-batch-${++serial}`;
    const started: Job[] = [];
    const refused: JobRefusal[] = [];
    for (const udid of params.udids) {
      const device = deviceOf(udid);
      const busy = [...jobs.values()].find((running) => running.job.udid === udid && active(running.job));
      if (device === undefined) {
        refused.push({ udid, code: JOB_ERROR_CODES.DeviceNotTethered, message: 'This device is not on the bench.', hint: 'Plug it in and select it again.' });
        continue;
      }
      if (busy !== undefined) {
        refused.push({ udid, code: JOB_ERROR_CODES.AlreadyInProgress, message: `${busy.job.workflowName} is already running on this device.`, hint: 'Wait for it to finish, then start again.' });
        continue;
      }
      const position = started.length;
      const job: Job = {
        id: `mock-job-${++serial}`,
        batchId,
        workflowId: workflow.id,
        workflowName: workflow.name,
        udid,
        serialNumber: device.serialNumber,
        ecid: device.ecid,
        technician,
        reason: params.reason ?? null,
        state: 'queued',
        progress: 0,
        currentStep: null,
        instruction: null,
        steps: workflow.plan.map(({ kind, label }) => ({ kind, label, state: 'pending', note: null })),
        error: null,
        cancellable: true,
        createdAt: bench.now(),
        finishedAt: null,
      };
      const failing = options.failures && position === 2 ? workflow.plan.findIndex((step) => step.failure !== undefined) : -1;
      jobs.set(job.id, { job, plan: workflow.plan, step: -1, ticksInStep: 0, failsAt: failing >= 0 ? failing : null });
      started.push(job);
    }
    for (const job of started) bench.emit({ event: 'jobs.changed', data: job });
    return ok({ batchId, jobs: started, refused });
  };

  const cancel = (jobId: string): Envelope<Result<'jobs.cancel'>> => {
    const running = jobs.get(jobId);
    if (running === undefined) return fail(JOB_ERROR_CODES.UnknownJob, `There is no job ${jobId}.`, 'Reload the window.');
    if (!active(running.job) || !running.job.cancellable) {
      return fail(JOB_ERROR_CODES.NotCancellable, `${running.job.workflowName} can no longer be cancelled on this device.`, 'Let it finish; the device must not be unplugged now.');
    }
    const steps = running.job.steps.map((step) => (step.state === 'running' || step.state === 'pending' ? { ...step, state: 'skipped' as const } : step));
    finish(running, { state: 'cancelled', steps });
    return ok(running.job);
  };

  const handlers: { [K in JobMethod]: (params: Params<K>) => Envelope<Result<K>> } = {
    'technician.get': () => ok({ name: technician }),
    'technician.set': ({ name }) => {
      technician = name.trim();
      bench.emit({ event: 'technician.changed', data: { name: technician } });
      return ok({ name: technician });
    },
    'workflows.list': () => ok(MOCK_WORKFLOWS.map(({ plan: _plan, ...summary }) => summary)),
    'jobs.start': start,
    'jobs.list': ({ activeOnly }) => ok([...jobs.values()].map((running) => running.job).filter((job) => !activeOnly || active(job))),
    'jobs.cancel': ({ jobId }) => cancel(jobId),
  };

  return {
    handles: (method): method is JobMethod => Object.prototype.hasOwnProperty.call(handlers, method),
    answer<M extends JobMethod>(method: M, params: Params<M>): Envelope<Result<M>> {
      // Each handler answers its own method; TypeScript cannot pair M's handler with M's params by itself.
      const handler = handlers[method] as (params: Params<M>) => Envelope<Result<M>>;
      return handler(params);
    },
    tick() {
      for (const running of jobs.values()) if (active(running.job)) advance(running);
    },
  };
}
