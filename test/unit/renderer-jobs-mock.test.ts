import { describe, expect, it } from 'vitest';
import type { BenchEvent, Device, Envelope, Job, Method, Params, Result } from '../../core/contract/index.js';
import { createMockApi } from '../../renderer/api/mock.js';

/** The mock bench with its timers in the test's hands: `tick(n)` runs n rounds of every timer. */
function mockBench(search = '?technician=Alex&rate=0') {
  const timers: (() => void)[] = [];
  const api = createMockApi(12, search, { every: (callback) => void timers.push(callback) });
  const events: BenchEvent[] = [];
  api.subscribe((event) => events.push(event));
  const call = async <M extends Method>(method: M, params: Params<M>): Promise<Result<M>> => {
    const result: Envelope<Result<M>> = await api.call(method, params);
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
    return result.value;
  };
  const tick = (n: number) => {
    for (let i = 0; i < n; i++) timers.forEach((timer) => timer());
  };
  return { api, call, tick, events };
}

async function readyDevices(call: ReturnType<typeof mockBench>['call'], count: number): Promise<Device[]> {
  const ready = (await call('devices.list', {})).filter((device) => device.state === 'ready');
  expect(ready.length).toBeGreaterThanOrEqual(count);
  return ready.slice(0, count);
}

const byId = async (call: ReturnType<typeof mockBench>['call']) => new Map((await call('jobs.list', {})).map((job) => [job.id, job]));

describe('the mock bench runs fake jobs', () => {
  it('offers Erase (destructive, with reasons), Prepare and Restart', async () => {
    const { call } = mockBench();
    const workflows = await call('workflows.list', {});
    expect(workflows.map((w) => [w.id, w.destructive, w.reasons.length > 0])).toEqual([
      ['erase', true, true],
      ['prepare', false, false],
      ['restart', false, false],
    ]);
    expect(workflows[0]!.acknowledgement).toMatch(/erased/);
  });

  it('erases devices over a few seconds: steps, waiting for the device, then unactivated devices; the third fails with a hint', async () => {
    const { call, tick, events } = mockBench();
    const devices = await readyDevices(call, 4);
    const { jobs, refused } = await call('jobs.start', { workflowId: 'erase', udids: devices.map((d) => d.udid!), acknowledged: true, reason: 'retire' });
    expect(refused).toEqual([]);
    expect(jobs.map((job) => [job.state, job.technician, job.reason])).toEqual(Array(4).fill(['queued', 'Alex', 'retire']));
    tick(5);
    let now = await byId(call);
    expect(now.get(jobs[0]!.id)).toMatchObject({ state: 'running', currentStep: 'Erase all content and settings', cancellable: false });
    tick(6);
    now = await byId(call);
    expect(now.get(jobs[0]!.id)).toMatchObject({ state: 'waiting-device', instruction: 'The device is restarting: keep it connected.' });
    tick(40);
    now = await byId(call);
    expect([...now.values()].map((job) => job.state)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
    expect(now.get(jobs[0]!.id)?.progress).toBe(1);
    expect(now.get(jobs[2]!.id)?.error).toMatchObject({ code: 'BatteryTooLow', hint: expect.stringMatching(/Charge the device/) });
    const after = new Map((await call('devices.list', {})).map((d) => [d.udid, d]));
    expect(after.get(devices[0]!.udid)).toMatchObject({ state: 'ready', activationState: 'Unactivated', deviceName: null });
    // The failed one never got as far as erasing.
    expect(after.get(devices[2]!.udid)).toMatchObject({ state: 'ready', activationState: 'Activated' });
    expect(events.filter((e) => e.event === 'jobs.changed').length).toBeGreaterThan(10);
  });

  it('refuses a device already busy (AlreadyInProgress) and one not on the bench, and starts the rest', async () => {
    const { call } = mockBench();
    const [a, b] = await readyDevices(call, 2);
    await call('jobs.start', { workflowId: 'restart', udids: [a!.udid!], acknowledged: true });
    const second = await call('jobs.start', { workflowId: 'restart', udids: [a!.udid!, b!.udid!, 'nope'], acknowledged: true });
    expect(second.jobs.map((job) => job.udid)).toEqual([b!.udid]);
    expect(second.refused.map((r) => [r.udid, r.code])).toEqual([
      [a!.udid, 'AlreadyInProgress'],
      ['nope', 'DeviceNotTethered'],
    ]);
  });

  it('answers like the host when the acknowledgement, the reason or the technician is missing', async () => {
    const { api, call } = mockBench('?rate=0');
    const [d] = await readyDevices(call, 1);
    const start = (params: Params<'jobs.start'>) => api.call('jobs.start', params).then((r) => (r.ok ? 'ok' : r.error.code));
    expect(await start({ workflowId: 'erase', udids: [d!.udid!], acknowledged: true, reason: 'retire' })).toBe('NoTechnician');
    await call('technician.set', { name: 'Sam' });
    expect(await call('technician.get', {})).toEqual({ name: 'Sam' });
    expect(await start({ workflowId: 'erase', udids: [d!.udid!], acknowledged: false, reason: 'retire' })).toBe('NotAcknowledged');
    expect(await start({ workflowId: 'erase', udids: [d!.udid!], acknowledged: true })).toBe('ReasonRequired');
    expect(await start({ workflowId: 'wipe', udids: [d!.udid!], acknowledged: true })).toBe('UnknownWorkflow');
  });

  it('cancels a job before its destructive step, refuses once it has started', async () => {
    const { api, call, tick } = mockBench();
    const [a, b] = await readyDevices(call, 2);
    const { jobs } = await call('jobs.start', { workflowId: 'erase', udids: [a!.udid!, b!.udid!], acknowledged: true, reason: 'repair' });
    tick(1);
    const cancelled: Job = await call('jobs.cancel', { jobId: jobs[0]!.id });
    expect(cancelled).toMatchObject({ state: 'cancelled', cancellable: false });
    tick(5);
    const refused = await api.call('jobs.cancel', { jobId: jobs[1]!.id });
    expect(refused.ok ? null : refused.error.code).toBe('NotCancellable');
  });

  it('fail=none lets every job succeed', async () => {
    const { call, tick } = mockBench('?technician=Alex&rate=0&fail=none');
    const devices = await readyDevices(call, 3);
    await call('jobs.start', { workflowId: 'prepare', udids: devices.map((d) => d.udid!), acknowledged: true });
    tick(30);
    expect((await call('jobs.list', {})).map((job) => job.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('jobs=unavailable answers like a host without a job engine, and the devices are unaffected', async () => {
    const { api, call } = mockBench('?rate=0&jobs=unavailable');
    const answer = await api.call('workflows.list', {});
    expect(answer.ok ? null : answer.error.code).toBe('ServiceUnavailable');
    expect((await call('devices.list', {})).length).toBe(12);
  });
});
