/**
 * The job engine against a fake bench and a real SQLite store: what a
 * technician sees happen to jobs, and what reaches the devices.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type BenchStore } from '../../core/store/index.js';
import { JobEngine, type JobEngineOptions } from '../../core/jobs/engine.js';
import type { JobCommandError } from '../../core/jobs/errors.js';
import { builtInWorkflowsDir, WorkflowCatalog } from '../../core/workflows/catalog.js';
import { simulatedOrganization, type Organization } from '../../core/workflows/organization.js';
import { DeviceError, ManagementError, ServiceConnectionLost } from '../../core/devices/errors.js';
import { AttemptManagement } from '../../core/jobs/attempt-management.js';
import { WaitAbortedError } from '../../core/jobs/presence.js';
import type { Job } from '../../core/contract/jobs.js';
import { FakeBench } from './jobs-fakes.js';

let organization: Organization;
let dir: string;
let store: BenchStore;
let bench: FakeBench;
let engines: JobEngine[];

beforeAll(() => {
  organization = simulatedOrganization({ requestActivationRecord: () => Promise.resolve({ ActivationRecord: 'fake' }) });
});

/**
 * Built-in workflows, with erase's settle window shortened so reconciling takes milliseconds, not 15 s;
 * `steps` sets fields (timeoutMs, retries) of the steps of the named kinds.
 */
function testCatalog(eraseParams: Record<string, unknown> = {}, steps: Record<string, Record<string, unknown>> = {}): WorkflowCatalog {
  const extra = path.join(dir, 'workflows');
  mkdirSync(extra, { recursive: true });
  for (const id of ['erase', 'erase-and-prepare', 'prepare']) {
    const definition = JSON.parse(readFileSync(path.join(builtInWorkflowsDir(), `${id}.json`), 'utf8')) as { steps: { kind: string; params?: Record<string, unknown> }[] };
    for (const step of definition.steps) if (step.kind === 'erase') step.params = { ...step.params, settleMs: 50, leaveTimeoutMs: 200, ...eraseParams };
    for (const step of definition.steps) Object.assign(step, steps[step.kind] ?? {});
    writeFileSync(path.join(extra, `${id}.json`), JSON.stringify(definition));
  }
  return new WorkflowCatalog({ extraDir: extra });
}

function engine(options: Partial<JobEngineOptions> = {}): JobEngine {
  const created = new JobEngine({
    store,
    presence: bench.presence(),
    services: bench.services(),
    catalog: testCatalog(),
    organization,
    retryBackoffMs: 5,
    deviceWaitMs: 2000,
    ...options,
  });
  engines.push(created);
  return created;
}

function start(target: JobEngine, workflowId: string, udids: string[], extra: { reason?: string; acknowledged?: boolean } = {}) {
  return target.start({ workflowId, udids, acknowledged: extra.acknowledged ?? true, reason: extra.reason, technician: 'Ada' });
}

function finalJobs(target: JobEngine, batchId: string): Job[] {
  return target.list({ batchId });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'benchline-jobs-'));
  store = openStore(path.join(dir, 'bench.db'));
  bench = new FakeBench();
  engines = [];
});

afterEach(async () => {
  for (const created of engines) await created.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('erase', () => {
  it('erases each device once, waits for it to come back and records who did it and why', async () => {
    bench.add('udid-a');
    bench.add('udid-b');
    const jobs = engine();
    const outcome = start(jobs, 'erase', ['udid-a', 'udid-b'], { reason: 'employee-left' });
    expect(outcome.refused).toEqual([]);
    await jobs.idle();
    const finished = finalJobs(jobs, outcome.batchId);
    expect(finished.map((job) => job.state)).toEqual(['succeeded', 'succeeded']);
    expect(finished.every((job) => job.technician === 'Ada' && job.reason === 'employee-left' && job.progress === 1)).toBe(true);
    expect(bench.count('udid-a', 'EraseDevice')).toBe(1);
    expect(bench.count('udid-b', 'EraseDevice')).toBe(1);
    expect(bench.device('udid-a').activationState).toBe('Unactivated');
    const actions = store.audit.records().filter((record) => record.udid === 'udid-a').map((record) => record.action);
    expect(actions).toEqual(['job.created', 'job.started', 'step.dispatched', 'step.succeeded', 'job.succeeded']);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('skips a device that is already erased and sends nothing destructive', async () => {
    bench.add('fresh', { activationState: 'Unactivated', profiles: [] });
    const jobs = engine();
    const { batchId } = start(jobs, 'erase', ['fresh'], { reason: 'retire' });
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.state).toBe('succeeded');
    expect(job?.steps[0]?.state).toBe('skipped');
    expect(job?.steps[0]?.note).toMatch(/Already done/);
    expect(bench.count('fresh', 'EraseDevice')).toBe(0);
  });

  it('refuses a second action on a device while one is in progress, and the device is erased once', async () => {
    const device = bench.add('busy');
    device.goneMs = 200;
    const jobs = engine();
    const first = start(jobs, 'erase', ['busy'], { reason: 'retire' });
    const second = start(jobs, 'erase', ['busy'], { reason: 'retire' });
    expect(second.jobs).toEqual([]);
    expect(second.refused).toEqual([expect.objectContaining({ udid: 'busy', code: 'AlreadyInProgress' })]);
    expect(second.refused[0]?.message).toMatch(/already in progress/);
    await jobs.idle();
    expect(finalJobs(jobs, first.batchId)[0]?.state).toBe('succeeded');
    expect(bench.count('busy', 'EraseDevice')).toBe(1);
  });

  it('refuses the whole command without acknowledgement, reason or technician', () => {
    bench.add('x');
    const jobs = engine();
    const attempt = (request: Partial<Parameters<JobEngine['start']>[0]>) => () =>
      jobs.start({ workflowId: 'erase', udids: ['x'], acknowledged: true, reason: 'retire', technician: 'Ada', ...request });
    expect(attempt({ acknowledged: false })).toThrow(expect.objectContaining({ code: 'NotAcknowledged' }) as JobCommandError);
    expect(attempt({ reason: undefined })).toThrow(expect.objectContaining({ code: 'ReasonRequired' }) as JobCommandError);
    expect(attempt({ reason: 'bored' })).toThrow(expect.objectContaining({ code: 'ReasonRequired' }) as JobCommandError);
    expect(attempt({ technician: null })).toThrow(expect.objectContaining({ code: 'NoTechnician' }) as JobCommandError);
    expect(attempt({ workflowId: 'nope' })).toThrow(expect.objectContaining({ code: 'UnknownWorkflow' }) as JobCommandError);
    expect(store.jobs()).toEqual([]);
    expect(bench.count('x', 'EraseDevice')).toBe(0);
  });

  it('refuses a device that is not on the bench but starts the others', async () => {
    bench.add('here');
    const jobs = engine();
    const outcome = start(jobs, 'restart', ['here', 'gone']);
    expect(outcome.jobs.map((job) => job.udid)).toEqual(['here']);
    expect(outcome.refused).toEqual([expect.objectContaining({ udid: 'gone', code: 'DeviceNotTethered' })]);
    await jobs.idle();
  });

  it('waits for a device unplugged mid-erase, telling the technician to reconnect it, then finishes', async () => {
    const device = bench.add('pulled');
    device.goneMs = 100_000; // it would not come back by itself: the technician replugs it
    const jobs = engine();
    const seen: Job[] = [];
    jobs.onChange((job) => seen.push(job));
    const { batchId } = start(jobs, 'erase', ['pulled'], { reason: 'retire' });
    await expect.poll(() => seen.some((job) => job.state === 'waiting-device')).toBe(true);
    const waiting = seen.find((job) => job.state === 'waiting-device');
    expect(waiting?.instruction).toMatch(/erasing|Reconnect/);
    expect(waiting?.cancellable).toBe(false);
    bench.attach('pulled');
    await jobs.idle();
    expect(finalJobs(jobs, batchId)[0]?.state).toBe('succeeded');
    expect(bench.count('pulled', 'EraseDevice')).toBe(1);
  });

  it('tells the technician to check the cable once an erasing device is overdue', async () => {
    const device = bench.add('overdue');
    device.goneMs = 100_000;
    const jobs = engine({ catalog: testCatalog({ expectedReturnMs: 100 }) });
    const instructions: string[] = [];
    jobs.onChange((job) => job.instruction && instructions.push(job.instruction));
    start(jobs, 'erase', ['overdue'], { reason: 'retire' });
    await expect.poll(() => instructions.at(-1)).toMatch(/Check the cable and reconnect/);
    expect(instructions[0]).toMatch(/is erasing/);
    bench.attach('overdue');
    await jobs.idle();
  });

  it('fails with the reason, never resending, when the erase was accepted but the device did not erase', async () => {
    const device = bench.add('stubborn');
    device.ignoreErase = true;
    const jobs = engine();
    const { batchId } = start(jobs, 'erase', ['stubborn'], { reason: 'retire' });
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.state).toBe('failed');
    expect(job?.error?.code).toBe('EraseNotConfirmed');
    expect(job?.error?.hint).toMatch(/not sent again/);
    expect(bench.count('stubborn', 'EraseDevice')).toBe(1);
  });

  it('confirms from the device when the answer to EraseDevice is lost, without sending it again', async () => {
    const device = bench.add('lost-answer');
    const services = bench.services();
    const realErase = services.management.open.bind(services.management);
    services.management.open = async (udid) => {
      const connection = await realErase(udid);
      const erase = connection.eraseDevice.bind(connection);
      connection.eraseDevice = async (options) => {
        await erase(options);
        throw new DeviceError('The connection dropped before the answer', 'OutcomeUnknown', 'Check the device.');
      };
      return connection;
    };
    const jobs = engine({ services });
    const { batchId } = start(jobs, 'erase', ['lost-answer'], { reason: 'retire' });
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.state).toBe('succeeded');
    expect(job?.steps[0]?.note).toMatch(/confirmed on the device after/);
    expect(device.counts.EraseDevice).toBe(1);
  });
});

describe('prepare', () => {
  it('activates, supervises, configures and installs the enrollment profile; a second run skips every step', async () => {
    bench.add('new', { activationState: 'Unactivated', profiles: [] });
    const jobs = engine();
    const first = start(jobs, 'prepare', ['new']);
    await jobs.idle();
    const [job] = finalJobs(jobs, first.batchId);
    expect(job?.state).toBe('succeeded');
    expect(job?.steps.map((step) => step.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const device = bench.device('new');
    expect(device.activationState).toBe('Activated');
    expect(device.cloudConfiguration?.IsSupervised).toBe(true);
    expect(device.cloudConfiguration?.ConfigurationURL).toBe(organization.mdmEnrollmentUrl);
    expect(device.profiles.map((profile) => profile.identifier)).toEqual(['com.benchline.enrollment']);
    expect(bench.count('new', 'Escalate')).toBe(1);

    const second = start(jobs, 'prepare', ['new']);
    await jobs.idle();
    expect(finalJobs(jobs, second.batchId)[0]?.steps.map((step) => step.state)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(bench.count('new', 'SetCloudConfiguration')).toBe(1);
    expect(bench.count('new', 'InstallProfile')).toBe(1);
  });

  it('retries a transient failure and succeeds', async () => {
    const device = bench.add('flaky', { activationState: 'Unactivated', profiles: [] });
    device.failures.set('SetCloudConfiguration', new DeviceError('timed out', 'ServiceTimeout', 'Replug.'));
    const jobs = engine();
    const { batchId } = start(jobs, 'prepare', ['flaky']);
    await jobs.idle();
    expect(finalJobs(jobs, batchId)[0]?.state).toBe('succeeded');
    expect(bench.count('flaky', 'SetCloudConfiguration')).toBe(2);
    expect(store.audit.records().some((record) => record.action === 'step.retrying')).toBe(true);
    // The timed-out connection is closed and the retry opens its own: two for the cloud configuration, one for the profile.
    expect(bench.count('flaky', 'open')).toBe(3);
    expect(bench.count('flaky', 'close')).toBe(3);
  });

  it('fails with what to do when the device belongs to another organisation', async () => {
    bench.add('theirs', { cloudConfiguration: { OrganizationName: 'Other Corp', IsSupervised: true } });
    const jobs = engine();
    const { batchId } = start(jobs, 'prepare', ['theirs']);
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.state).toBe('failed');
    expect(job?.error).toEqual(expect.objectContaining({ code: 'CloudConfigurationConflict' }));
    expect(job?.error?.message).toContain('Other Corp');
    expect(job?.error?.hint).toMatch(/Erase first/);
  });

  it('fails a lockdown refusal at once, with the device\'s own instruction', async () => {
    const device = bench.add('locked', { activationState: 'Unactivated', profiles: [] });
    device.failures.set('Activate', new DeviceError('lockdownd answered MCProtected', 'MCProtected', 'Remove the restriction.'));
    const jobs = engine();
    const { batchId } = start(jobs, 'prepare', ['locked']);
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.error).toEqual({ code: 'MCProtected', message: 'lockdownd answered MCProtected', hint: 'Remove the restriction.' });
    expect(job?.steps.map((step) => step.state)).toEqual(['failed', 'pending', 'pending']);
  });
});

describe('one MCInstall connection per step attempt', () => {
  it('prepare: the check, the action and the confirmation share one connection, greeted once and closed after', async () => {
    bench.add('shared', { activationState: 'Unactivated', profiles: [] });
    const jobs = engine();
    const { batchId } = start(jobs, 'prepare', ['shared']);
    await jobs.idle();
    expect(finalJobs(jobs, batchId)[0]?.steps.map((step) => step.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // set-cloud-configuration opened three (check, set, confirm) and install-enrollment-profile two: now one each.
    expect(bench.count('shared', 'open')).toBe(2);
    expect(bench.count('shared', 'HelloHostIdentifier')).toBe(2);
    expect(bench.count('shared', 'close')).toBe(2);
    expect(bench.count('shared', 'Escalate')).toBe(1);
  });

  it('erase: EraseDevice goes on the connection the check used; the check after the return opens a fresh one', async () => {
    // The fake's connections die when the device leaves: reusing the first after the return would fail the step.
    const device = bench.add('returning');
    const jobs = engine();
    const { batchId } = start(jobs, 'erase', ['returning'], { reason: 'retire' });
    await jobs.idle();
    const [job] = finalJobs(jobs, batchId);
    expect(job?.state).toBe('succeeded');
    // Confirmed by the step's own check, not by reconciling after a failure on a dead connection.
    expect(job?.steps[0]?.note).toMatch(/^Erased; the device is back/);
    expect(store.audit.records().map((record) => record.action)).not.toContain('step.reconciling');
    expect(device.opens).toEqual([0, 1]);
    expect(bench.count('returning', 'HelloHostIdentifier')).toBe(2);
    expect(bench.count('returning', 'close')).toBe(2);
    expect(bench.count('returning', 'EraseDevice')).toBe(1);
  });

  it('an attempt abandoned after a timeout has its connection closed; the next attempt opens its own', async () => {
    bench.add('hangs', { activationState: 'Unactivated', profiles: [] });
    const services = bench.services();
    const open = services.management.open.bind(services.management);
    let first = true;
    services.management.open = async (udid) => {
      const connection = await open(udid);
      if (first) {
        first = false;
        connection.getCloudConfiguration = () => new Promise(() => undefined); // never answers
      }
      return connection;
    };
    const jobs = engine({ services, catalog: testCatalog({}, { 'set-cloud-configuration': { timeoutMs: 100 } }) });
    const { batchId } = start(jobs, 'prepare', ['hangs']);
    await jobs.idle();
    expect(finalJobs(jobs, batchId)[0]?.state).toBe('succeeded');
    expect(store.audit.records().some((record) => record.action === 'step.retrying' && record.detail?.includes('did not finish'))).toBe(true);
    expect(bench.count('hangs', 'open')).toBe(3);
    expect(bench.count('hangs', 'close')).toBe(3);
  });

  it('reopens after the device left or the connection failed, keeps it after a refusal, and opens none once the attempt ended', async () => {
    bench.add('direct');
    const management = new AttemptManagement(bench.services(), bench.presence(), 'direct');
    const first = await management.get();
    expect(await management.get()).toBe(first);
    expect(bench.count('direct', 'open')).toBe(1);

    bench.device('direct').failures.set('GetProfileList', new ManagementError('GetProfileList', 'NotNow'));
    await expect(first.getProfileList()).rejects.toBeInstanceOf(ManagementError);
    expect(await management.get()).toBe(first);

    bench.device('direct').failures.set('GetProfileList', new ServiceConnectionLost('com.apple.mobile.MCInstall', 'dropped'));
    await expect(first.getProfileList()).rejects.toBeInstanceOf(ServiceConnectionLost);
    const second = await management.get();
    expect(second).not.toBe(first);
    expect(bench.count('direct', 'close')).toBe(1);

    bench.detach('direct');
    bench.attach('direct');
    const third = await management.get();
    expect(third).not.toBe(second);
    await expect(third.getProfileList()).resolves.toHaveLength(1);
    expect(bench.count('direct', 'open')).toBe(3);
    expect(bench.count('direct', 'HelloHostIdentifier')).toBe(3);

    management.end();
    await expect(management.get()).rejects.toBeInstanceOf(WaitAbortedError);
    await expect.poll(() => bench.count('direct', 'close')).toBe(3);
    expect(bench.count('direct', 'open')).toBe(3);
  });
});

describe('cancellation and limits', () => {
  it('cancels a job waiting for its device before anything destructive started', async () => {
    bench.add('away', { activationState: 'Unactivated', profiles: [] });
    bench.setState('away', 'locked');
    const jobs = engine();
    const { jobs: [started] } = start(jobs, 'erase-and-prepare', ['away'], { reason: 'in-repair' });
    await expect.poll(() => jobs.view(started!.id)?.state).toBe('waiting-device');
    expect(jobs.view(started!.id)?.instruction).toMatch(/Unlock/);
    const cancelled = await jobs.cancel(started!.id);
    expect(cancelled.state).toBe('cancelled');
    expect(bench.count('away', 'EraseDevice')).toBe(0);
  });

  it('refuses to cancel once the erase has started', async () => {
    const device = bench.add('erasing');
    device.goneMs = 300;
    const jobs = engine();
    const { jobs: [started] } = start(jobs, 'erase', ['erasing'], { reason: 'retire' });
    await expect.poll(() => bench.count('erasing', 'EraseDevice')).toBe(1);
    await expect(jobs.cancel(started!.id)).rejects.toMatchObject({ code: 'NotCancellable' });
    await jobs.idle();
    expect(jobs.view(started!.id)?.state).toBe('succeeded');
  });

  it('runs no more jobs at once than the bench-wide limit', async () => {
    const udids = ['l1', 'l2', 'l3', 'l4', 'l5'];
    for (const udid of udids) bench.add(udid).goneMs = 40;
    const jobs = engine({ concurrency: 2 });
    let running = 0;
    let most = 0;
    jobs.onChange(() => {
      running = jobs.list({ activeOnly: true }).filter((job) => job.state !== 'queued').length;
      most = Math.max(most, running);
    });
    start(jobs, 'restart', udids);
    await jobs.idle();
    expect(most).toBe(2);
    expect(udids.every((udid) => bench.count(udid, 'Restart') === 1)).toBe(true);
  });
});

describe('after a crash', () => {
  /** A job as a killed bench left it: the erase step running, EraseDevice possibly sent. */
  function crashedErase(udid: string, dispatched: boolean): string {
    const catalog = testCatalog();
    catalog.persist(store);
    const entry = catalog.get('erase')!;
    const job = store.createJob({ id: `job-${udid}`, batchId: 'b', workflowId: 'erase', workflowHash: entry.hash, udid, ecid: null, serialNumber: null, technician: 'Ada', reason: 'retire', params: {}, createdAt: new Date().toISOString(), steps: [{ kind: 'erase' }] });
    store.updateJob(job.id, { state: 'running', startedAt: new Date().toISOString() });
    store.updateStep(job.id, 0, { state: 'running', startedAt: new Date().toISOString(), attempts: 1, dispatchedAt: dispatched ? new Date().toISOString() : null });
    return job.id;
  }

  it('confirms an erase that reached the device before the crash, without sending it again', async () => {
    bench.add('was-erased', { activationState: 'Unactivated', profiles: [] });
    const id = crashedErase('was-erased', true);
    const jobs = engine();
    expect(jobs.resume()).toBe(1);
    await jobs.idle();
    const job = jobs.view(id);
    expect(job?.state).toBe('succeeded');
    expect(job?.steps[0]?.note).toMatch(/after Benchline restarted/);
    expect(bench.count('was-erased', 'EraseDevice')).toBe(0);
  });

  it('fails with a reason, not a blind resend, when an erase may have been sent but the device is untouched', async () => {
    bench.add('untouched');
    const id = crashedErase('untouched', true);
    const jobs = engine();
    jobs.resume();
    await jobs.idle();
    const job = jobs.view(id);
    expect(job?.state).toBe('failed');
    expect(job?.error?.code).toBe('NotConfirmedAfterRestart');
    expect(bench.count('untouched', 'EraseDevice')).toBe(0);
  });

  it('runs an erase that had not been sent yet when the bench crashed', async () => {
    bench.add('not-sent');
    const id = crashedErase('not-sent', false);
    const jobs = engine();
    jobs.resume();
    await jobs.idle();
    expect(jobs.view(id)?.state).toBe('succeeded');
    expect(bench.count('not-sent', 'EraseDevice')).toBe(1);
    expect(store.audit.records().map((record) => record.action)).toContain('job.resumed');
  });
});
