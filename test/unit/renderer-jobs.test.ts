import { describe, expect, it } from 'vitest';
import type { BenchEvent, Job } from '../../core/contract/index.js';
import { startJobsSession } from '../../renderer/api/jobs-session.js';
import { startSession } from '../../renderer/api/session.js';
import { tileJobOf } from '../../renderer/state/action-flow.js';
import { activeJobOf, type JobEvent } from '../../renderer/state/jobs.js';
import { JOB_LOOK, jobLine, percentOf, runningShare } from '../../renderer/state/job-view.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { fakeConnection } from './renderer-fakes.js';
import { ERASE, READY_STATUS, device, job, jobChanged, technicianChanged } from './renderer-fixtures.js';

const asJobEvents = (...events: BenchEvent[]) => events as JobEvent[];

function storeWith(jobs: readonly Job[], technician: string | null = 'Alex') {
  const store = createBenchStore('websocket');
  store.getState().actions.jobsSynced({ technician, workflows: [ERASE], jobs }, []);
  return store;
}

describe('jobs in the store', () => {
  it('takes technician, workflows and jobs from the host and says jobs are available', () => {
    const running = job({ state: 'running', progress: 0.5 });
    const store = storeWith([running]);
    const { jobs } = store.getState();
    expect(jobs.availability).toEqual({ kind: 'ready' });
    expect(jobs.technician).toBe('Alex');
    expect(jobs.workflows.map((w) => w.id)).toEqual(['erase']);
    expect(jobs.byId[running.id]).toBe(running);
    expect(activeJobOf(jobs, running.udid)).toBe(running);
  });

  it('applies jobs.changed in order: progress, current step, instruction, outcome', () => {
    const queued = job();
    const store = storeWith([queued]);
    const waiting = { ...queued, state: 'waiting-device' as const, progress: 0.5, currentStep: 'Wait for the device to restart', instruction: 'Reconnect the device to continue' };
    store.getState().actions.applyJobEvents(asJobEvents(jobChanged({ ...queued, state: 'running' }), jobChanged(waiting)));
    expect(store.getState().jobs.byId[queued.id]).toEqual(waiting);
    const done = { ...waiting, state: 'succeeded' as const, progress: 1, currentStep: null, instruction: null };
    store.getState().actions.applyJobEvents(asJobEvents(jobChanged(done)));
    expect(activeJobOf(store.getState().jobs, queued.udid)).toBeNull();
  });

  it('knows each device by its newest job, whatever order the jobs arrive in', () => {
    const older = job({ state: 'failed', createdAt: '2026-11-21T08:00:00.000Z' });
    const newer = job({ udid: older.udid, state: 'running', createdAt: '2026-11-21T09:00:00.000Z' });
    const store = storeWith([newer, older]);
    expect(store.getState().jobs.latestByUdid[older.udid]).toBe(newer.id);
    // An update of the old job does not make it the device's job again.
    store.getState().actions.applyJobEvents(asJobEvents(jobChanged({ ...older, finishedAt: '2026-11-21T08:05:00.000Z' })));
    expect(store.getState().jobs.latestByUdid[older.udid]).toBe(newer.id);
  });

  it('follows technician.changed (another window or the CLI set a name)', () => {
    const store = storeWith([], null);
    store.getState().actions.applyJobEvents(asJobEvents(technicianChanged('Sam')));
    expect(store.getState().jobs.technician).toBe('Sam');
  });

  it('records a host without a job engine as unavailable, with its words, and leaves the devices alone', () => {
    const store = createBenchStore('websocket');
    store.getState().actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [device()], []);
    const error = { code: 'ServiceUnavailable', message: 'Jobs are not available.', hint: 'Restart Benchline.' };
    store.getState().actions.jobsUnavailable(error);
    expect(store.getState().jobs.availability).toEqual({ kind: 'unavailable', error });
    expect(store.getState().fatal).toBeNull();
    expect(Object.keys(store.getState().devices)).toHaveLength(1);
  });

  it('marks a cancel pending until answered, keeps a refusal until the job moves on', () => {
    const running = job({ state: 'running', cancellable: true });
    const store = storeWith([running]);
    store.getState().actions.dispatch({ type: 'cancel-requested', jobId: running.id });
    expect(store.getState().jobs.cancels[running.id]).toEqual({ kind: 'pending' });
    const error = { code: 'NotCancellable', message: 'Erase has started.', hint: 'Let it finish.' };
    store.getState().actions.dispatch({ type: 'cancel-answered', jobId: running.id, result: { ok: false, error } });
    expect(store.getState().jobs.cancels[running.id]).toEqual({ kind: 'refused', error });
    store.getState().actions.applyJobEvents(asJobEvents(jobChanged({ ...running, state: 'succeeded', cancellable: false })));
    expect(store.getState().jobs.cancels[running.id]).toBeUndefined();
  });

  it('a cancel the host accepted puts the cancelled job in the map', () => {
    const running = job({ state: 'running' });
    const store = storeWith([running]);
    store.getState().actions.dispatch({ type: 'cancel-requested', jobId: running.id });
    store.getState().actions.dispatch({ type: 'cancel-answered', jobId: running.id, result: { ok: true, job: { ...running, state: 'cancelled', cancellable: false } } });
    expect(store.getState().jobs.byId[running.id]?.state).toBe('cancelled');
    expect(store.getState().jobs.cancels).toEqual({});
  });
});

describe('the job a device tile shows', () => {
  it('is the running job; a finished one only while its run is still on screen', () => {
    const d = device();
    const running = job({ udid: d.udid!, state: 'running' });
    const store = storeWith([running]);
    expect(tileJobOf(store.getState(), d.udid)).toBe(running);
    const done = { ...running, state: 'succeeded' as const, progress: 1 };
    store.getState().actions.applyJobEvents(asJobEvents(jobChanged(done)));
    // Not started from this window: nothing to report on the tile once it is over.
    expect(tileJobOf(store.getState(), d.udid)).toBeNull();
    const withRun = { ...store.getState(), runs: [{ batchId: 'batch-1', workflowName: 'Erase', jobIds: [running.id], refused: [], labels: {} }] };
    expect(tileJobOf(withRun, d.udid)).toEqual(done);
    expect(tileJobOf(withRun, null)).toBeNull();
  });
});

function jobsSetup() {
  const fake = fakeConnection();
  const store = createBenchStore('websocket');
  const frames: (() => void)[] = [];
  const session = startJobsSession(fake.connection, store.getState().actions, (flush) => frames.push(flush));
  const nextFrame = () => frames.splice(0).forEach((flush) => flush());
  return { fake, store, session, nextFrame };
}

describe('the jobs session', () => {
  it('asks for the technician, the workflows and the jobs once the link opens', async () => {
    const s = jobsSetup();
    expect(s.fake.calls).toHaveLength(0);
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.answer('technician.get', { name: 'Alex' });
    await s.fake.answer('workflows.list', [ERASE]);
    expect(s.fake.calls[0]?.method).toBe('jobs.list');
    await s.fake.answer('jobs.list', [job()]);
    expect(s.store.getState().jobs.availability.kind).toBe('ready');
    expect(Object.keys(s.store.getState().jobs.byId)).toHaveLength(1);
  });

  it('drops job events the list already covers, keeps technician changes newer than its answer, then batches per frame', async () => {
    const s = jobsSetup();
    s.fake.link({ phase: 'open', attempt: 0 });
    const queued = job();
    s.fake.emit(technicianChanged('Before'));
    await s.fake.answer('technician.get', { name: 'Before' });
    s.fake.emit(technicianChanged('After'));
    s.fake.emit(jobChanged(queued));
    await s.fake.answer('workflows.list', [ERASE]);
    await s.fake.answer('jobs.list', [{ ...queued, state: 'running' }]);
    expect(s.store.getState().jobs.technician).toBe('After');
    expect(s.store.getState().jobs.byId[queued.id]?.state).toBe('running');

    s.fake.emit(jobChanged({ ...queued, state: 'running', progress: 0.5 }));
    s.fake.emit(jobChanged({ ...queued, state: 'succeeded', progress: 1 }));
    expect(s.store.getState().jobs.byId[queued.id]?.progress).toBe(0);
    s.nextFrame();
    expect(s.store.getState().jobs.byId[queued.id]?.state).toBe('succeeded');
  });

  it('a host without a job engine (ServiceUnavailable) makes jobs unavailable; Try again asks again', async () => {
    const s = jobsSetup();
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.fail('technician.get', 'ServiceUnavailable');
    expect(s.store.getState().jobs.availability).toMatchObject({ kind: 'unavailable', error: { code: 'ServiceUnavailable' } });
    expect(s.store.getState().fatal).toBeNull();
    s.session.resync();
    await s.fake.answer('technician.get', { name: null });
    await s.fake.answer('workflows.list', [ERASE]);
    await s.fake.answer('jobs.list', []);
    expect(s.store.getState().jobs.availability.kind).toBe('ready');
  });

  it('syncs again when the link comes back, and when the device service restarts', async () => {
    const s = jobsSetup();
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.answer('technician.get', { name: 'Alex' });
    await s.fake.answer('workflows.list', [ERASE]);
    await s.fake.answer('jobs.list', []);
    s.fake.link({ phase: 'lost', attempt: 1 });
    s.fake.link({ phase: 'open', attempt: 0 });
    expect(s.fake.calls.map((call) => call.method)).toEqual(['technician.get']);
    await s.fake.answer('technician.get', { name: 'Alex' });
    await s.fake.answer('workflows.list', [ERASE]);
    await s.fake.answer('jobs.list', []);
    s.fake.emit({ event: 'bench.status', data: { ...READY_STATUS, service: { running: false, message: 'down', hint: 'wait' } } });
    s.fake.emit({ event: 'bench.status', data: READY_STATUS });
    expect(s.fake.calls.map((call) => call.method)).toEqual(['technician.get']);
  });

  it('the device session leaves job events to the jobs session', async () => {
    const fake = fakeConnection();
    const store = createBenchStore('websocket');
    const frames: (() => void)[] = [];
    startSession(fake.connection, 'websocket', store.getState().actions, (flush) => frames.push(flush));
    fake.link({ phase: 'open', attempt: 0 });
    await fake.answer('bench.hello', { contractVersion: 1, benchName: 'Bench' });
    await fake.answer('bench.status', READY_STATUS);
    await fake.answer('devices.list', []);
    fake.emit(jobChanged(job()));
    expect(frames).toHaveLength(0);
  });
});

describe('how a job reads', () => {
  it('has a badge per state, a whole percentage that reaches 100 only when done, and one line of what matters now', () => {
    expect(JOB_LOOK['waiting-device']).toEqual({ badge: 'Waiting for the device', tone: 'warning' });
    expect(JOB_LOOK.failed.tone).toBe('danger');
    expect([percentOf(0), percentOf(0.999), percentOf(1), percentOf(1.2)]).toEqual([0, 99, 100, 100]);
    const waiting = job({ state: 'waiting-device', currentStep: 'Wait for the device to restart', instruction: 'Reconnect the device to continue' });
    expect(jobLine(waiting)).toBe('Reconnect the device to continue');
    expect(jobLine({ ...waiting, instruction: null })).toBe('Wait for the device to restart');
    expect(jobLine({ ...waiting, instruction: null, currentStep: null, state: 'failed', error: { code: 'X', message: 'It broke.', hint: 'Fix it.' } })).toBe('It broke.');
    // A one-step erase would sit at 0% for its whole run: its running step is drawn moving across the bar.
    expect(runningShare(job({ state: 'running', steps: [waiting.steps[0]!] }))).toBe(1);
    expect(runningShare(waiting)).toBe(0.5);
    expect(runningShare({ ...waiting, state: 'succeeded' })).toBe(0);
  });
});
