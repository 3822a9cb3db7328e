/**
 * The job engine: one workflow on one device per job, many jobs at once up to
 * a bench-wide limit, one active job per device, every change recorded in the
 * store and the audit log before it is announced. After a crash, `resume()`
 * picks up every job the store says was active; the step runner reconciles a
 * step that was in flight from the device's actual state.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobRefusal } from '../contract/jobs.js';
import type { DeviceServices } from '../devices/services.js';
import { Semaphore } from '../devices/semaphore.js';
import type { Subscription } from '../devices/ports.js';
import type { BenchStore, JobRow, NewJob } from '../store/types.js';
import { StoreError } from '../store/errors.js';
import type { WorkflowCatalog } from '../workflows/catalog.js';
import type { Organization } from '../workflows/organization.js';
import { JobCommandError } from './errors.js';
import { toStoredError } from './failures.js';
import type { DevicePresence } from './presence.js';
import { isAbort, runJobSteps, type JobRunEnvironment } from './step-runner.js';
import { isCancellable, jobView } from './views.js';

export interface JobEngineOptions {
  store: BenchStore;
  presence: DevicePresence;
  services: DeviceServices;
  catalog: WorkflowCatalog;
  organization: Organization;
  /** Jobs running at once across the bench (iMazing's "maximum simultaneous operations"). Default 64. */
  concurrency?: number;
  /** How long a job waits for its device to come back or become ready. Default 30 min. */
  deviceWaitMs?: number;
  /** First retry delay, doubling per attempt. Default 1 s. */
  retryBackoffMs?: number;
  now?: () => Date;
}

export interface StartRequest {
  workflowId: string;
  udids: readonly string[];
  acknowledged: boolean;
  reason?: string | undefined;
  technician: string | null;
  /** Workflow parameters stored with every job of the request (e.g. `{ deprovisionId }`). */
  params?: Record<string, unknown> | undefined;
  /**
   * The id to give the job of each device (by UDID); others get a fresh one. Lets a caller
   * reserve something under the job's own id before the job exists (a device lease).
   */
  jobIds?: ReadonlyMap<string, string> | undefined;
}

export interface StartOutcome {
  batchId: string;
  jobs: Job[];
  refused: JobRefusal[];
}

interface Runner {
  controller: AbortController;
  cancelRequested: boolean;
  instruction: string | null;
  done: Promise<void>;
}

const SHUTDOWN = 'shutdown';

export class JobEngine {
  private readonly runners = new Map<string, Runner>();
  private readonly listeners = new Set<(job: Job) => void>();
  private readonly limit: Semaphore;
  private readonly now: () => Date;
  private stopping = false;

  constructor(private readonly options: JobEngineOptions) {
    this.limit = new Semaphore(options.concurrency ?? 64);
    this.now = options.now ?? (() => new Date());
    options.catalog.persist(options.store);
  }

  private get store(): BenchStore {
    return this.options.store;
  }

  private iso(): string {
    return this.now().toISOString();
  }

  onChange(listener: (job: Job) => void): Subscription {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  view(jobId: string): Job | null {
    const job = this.store.job(jobId);
    return job ? this.viewOf(job) : null;
  }

  list(query: { activeOnly?: boolean; limit?: number; batchId?: string } = {}): Job[] {
    return this.store.jobs(query).map((job) => this.viewOf(job));
  }

  /** Starts one job per device. Throws JobCommandError for what refuses the whole command; per-device refusals come back. */
  start(request: StartRequest): StartOutcome {
    if (this.stopping) throw new JobCommandError('DeviceNotTethered', 'Benchline is shutting down.', 'Wait for it to restart, then try again.');
    const entry = this.options.catalog.get(request.workflowId);
    if (!entry) throw new JobCommandError('UnknownWorkflow', `There is no workflow "${request.workflowId}".`, `Choose one of: ${this.options.catalog.list().map((e) => e.definition.id).join(', ')}.`);
    const { definition } = entry;
    if (!request.technician) throw new JobCommandError('NoTechnician', 'No technician is set at this bench.', 'Enter your name at the bench first: every action is recorded with it.');
    if (definition.destructive && !request.acknowledged) {
      throw new JobCommandError('NotAcknowledged', `${definition.name} cannot be undone and was not acknowledged.`, 'Tick "I acknowledge" (or pass --yes) to confirm.');
    }
    if (definition.reasons.length > 0 && !definition.reasons.some((reason) => reason.id === request.reason)) {
      throw new JobCommandError('ReasonRequired', `${definition.name} needs a reason${request.reason ? `; "${request.reason}" is not one of them` : ''}.`, `Choose one of: ${definition.reasons.map((r) => `${r.id} (${r.label})`).join(', ')}.`);
    }
    const batchId = randomUUID();
    const jobs: JobRow[] = [];
    const refused: JobRefusal[] = [];
    for (const udid of new Set(request.udids)) {
      // An active job first: a device away mid-job (an erase resetting it) is busy, not missing.
      const active = this.store.jobs({ udid, activeOnly: true, limit: 1 })[0];
      const device = this.options.presence.find(udid);
      if (active) {
        refused.push({
          udid,
          code: 'AlreadyInProgress',
          message: `${active.workflowId} is already in progress on ${device?.serialNumber ?? active.serialNumber ?? udid} (started ${active.createdAt} by ${active.technician}).`,
          hint: 'Wait for it to finish, or cancel it first. The same command is never sent twice.',
        });
        continue;
      }
      if (!device) {
        refused.push({ udid, code: 'DeviceNotTethered', message: `Device ${udid} is not on the bench.`, hint: 'Plug it in and wait until it shows as ready.' });
        continue;
      }
      const job = this.createJob({
        id: request.jobIds?.get(udid) ?? randomUUID(),
        batchId,
        workflowId: definition.id,
        workflowHash: entry.hash,
        udid,
        ecid: device.ecid,
        serialNumber: device.serialNumber,
        technician: request.technician,
        reason: request.reason ?? null,
        params: request.params ?? {},
        createdAt: this.iso(),
        steps: definition.steps.map((step) => ({ kind: step.kind })),
      });
      if (job === null) {
        refused.push({ udid, code: 'AlreadyInProgress', message: `Another action is already in progress on ${device.serialNumber ?? udid}.`, hint: 'Wait for it to finish, or cancel it first. The same command is never sent twice.' });
        continue;
      }
      this.audit(job, 'job.created', null, 'queued', request.reason ? `reason: ${request.reason}` : null);
      jobs.push(job);
    }
    for (const job of jobs) this.launch(job);
    return { batchId, jobs: jobs.map((job) => this.viewOf(this.store.job(job.id) ?? job)), refused };
  }

  /** null when the store refuses because the device gained an active job meanwhile (another process on the same record). */
  private createJob(job: NewJob): JobRow | null {
    try {
      return this.store.createJob(job);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'active-job-exists') return null;
      throw error;
    }
  }

  /** Picks up the jobs the store says are active (after a restart or crash). Returns how many. */
  resume(): number {
    const active = this.store.jobs({ activeOnly: true, limit: 100_000 }).filter((job) => !this.runners.has(job.id));
    for (const job of active) {
      this.audit(job, 'job.resumed', null, job.state, 'Benchline restarted while the job was active');
      this.launch(job);
    }
    return active.length;
  }

  async cancel(jobId: string): Promise<Job> {
    const job = this.store.job(jobId);
    if (!job) throw new JobCommandError('UnknownJob', `There is no job ${jobId}.`, 'Refresh the list of jobs.');
    if (!isCancellable(job, this.store.steps(jobId))) {
      throw new JobCommandError('NotCancellable', `The job on ${job.serialNumber ?? job.udid} can no longer be cancelled.`, 'A destructive step has started (or the job is finished); let it finish.');
    }
    const runner = this.runners.get(jobId);
    if (runner) {
      runner.cancelRequested = true;
      runner.controller.abort(new Error('cancelled'));
      await runner.done;
    } else {
      this.finish(job, 'cancelled', null);
    }
    return this.viewOf(this.store.job(jobId) ?? job);
  }

  /** Stops running jobs without finishing them: they stay active in the store and resume on the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const runner of this.runners.values()) runner.controller.abort(new Error(SHUTDOWN));
    await Promise.all([...this.runners.values()].map((runner) => runner.done));
  }

  /** Resolves when no job is running (tests, the CLI). */
  async idle(): Promise<void> {
    while (this.runners.size > 0) await Promise.all([...this.runners.values()].map((runner) => runner.done));
  }

  private launch(job: JobRow): void {
    const runner: Runner = { controller: new AbortController(), cancelRequested: false, instruction: null, done: Promise.resolve() };
    this.runners.set(job.id, runner);
    runner.done = this.limit
      .run(() => this.execute(job.id, runner))
      .catch((error: unknown) => {
        // execute() records its own failures; anything here is a bug, but the job must still end.
        const current = this.store.job(job.id);
        if (current && !runner.controller.signal.aborted) this.finish(current, 'failed', error);
      })
      .finally(() => this.runners.delete(job.id));
  }

  private async execute(jobId: string, runner: Runner): Promise<void> {
    let job = this.store.job(jobId);
    if (!job || runner.controller.signal.aborted) {
      if (job && runner.cancelRequested) this.finish(job, 'cancelled', null);
      return;
    }
    const entry = this.options.catalog;
    const definition = entry.definitionFor(job.workflowId, job.workflowHash, this.store);
    if (!definition) {
      this.finish(job, 'failed', new JobCommandError('UnknownWorkflow', `The workflow ${job.workflowId} this job was started with is no longer known.`, 'Start the action again.'));
      return;
    }
    if (job.state === 'queued') {
      job = this.store.updateJob(jobId, { state: 'running', startedAt: this.iso() });
      this.audit(job, 'job.started', null, 'running', null);
    }
    this.emit(jobId);
    const env: JobRunEnvironment = {
      store: this.store,
      presence: this.options.presence,
      services: this.options.services,
      organization: this.options.organization,
      deviceWaitMs: this.options.deviceWaitMs ?? 30 * 60_000,
      retryBackoffMs: this.options.retryBackoffMs ?? 1000,
      signal: runner.controller.signal,
      now: () => this.iso(),
      setWaiting: (instruction) => {
        runner.instruction = instruction;
        const current = this.store.job(jobId);
        const state = instruction === null ? 'running' : 'waiting-device';
        if (current && current.state !== state && (current.state === 'running' || current.state === 'waiting-device')) this.store.updateJob(jobId, { state });
        this.emit(jobId);
      },
      enterPointOfNoReturn: () => {
        if (runner.cancelRequested) throw new Error('cancelled');
      },
      audit: (action, step, result, detail) => {
        const current = this.store.job(jobId);
        if (current) this.audit(current, action, step?.kind ?? null, result, detail);
      },
      changed: () => this.emit(jobId),
    };
    try {
      await runJobSteps(env, job, definition);
      this.finish(this.store.job(jobId) ?? job, 'succeeded', null);
    } catch (error) {
      const current = this.store.job(jobId) ?? job;
      if (runner.cancelRequested) this.finish(current, 'cancelled', null);
      else if (runner.controller.signal.aborted || (isAbort(error) && this.stopping)) return; // shutting down: resume later
      else this.finish(current, 'failed', error);
    }
  }

  private finish(job: JobRow, state: 'succeeded' | 'failed' | 'cancelled', error: unknown): void {
    const stored = state === 'failed' ? toStoredError(error) : null;
    const finished = this.store.updateJob(job.id, { state, error: stored, finishedAt: this.iso() });
    const runner = this.runners.get(job.id);
    if (runner) runner.instruction = null;
    this.audit(finished, `job.${state}`, null, stored ? `failed: ${stored.code}` : state === 'succeeded' ? 'ok' : 'cancelled', stored?.message ?? null);
    this.emit(job.id);
  }

  private audit(job: JobRow, action: string, stepKind: string | null, result: string, detail: string | null): void {
    this.store.audit.append({
      at: this.iso(),
      technician: job.technician,
      action,
      jobId: job.id,
      workflowId: job.workflowId,
      stepKind,
      udid: job.udid,
      serialNumber: job.serialNumber,
      result,
      detail,
    });
  }

  private viewOf(job: JobRow): Job {
    const definition = this.options.catalog.definitionFor(job.workflowId, job.workflowHash, this.store);
    return jobView(job, this.store.steps(job.id), definition, this.runners.get(job.id));
  }

  private emit(jobId: string): void {
    if (this.listeners.size === 0) return;
    const job = this.store.job(jobId);
    if (!job) return;
    const view = this.viewOf(job);
    for (const listener of [...this.listeners]) listener(view);
  }
}
