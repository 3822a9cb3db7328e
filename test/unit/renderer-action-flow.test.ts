import { describe, expect, it } from 'vitest';
import type { ApiError, Device, Envelope, Job, Method, Params, Result } from '../../core/contract/index.js';
import { createBenchCommands } from '../../renderer/api/commands.js';
import { blockerOf, completionMessage, planOf, summaryOf, summaryText, type ActionFlow } from '../../renderer/state/action-flow.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { ERASE, READY_STATUS, RESTART, device, job, jobChanged, updated } from './renderer-fixtures.js';
import type { JobEvent } from '../../renderer/state/jobs.js';

/** A bench of devices (ready unless said otherwise), jobs and a technician, with a recording API behind the commands. */
function bench(options: { devices: Device[]; technician?: string | null; jobs?: Job[] }) {
  const store = createBenchStore('websocket');
  const { actions } = store.getState();
  actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, options.devices, []);
  actions.jobsSynced({ technician: options.technician === undefined ? 'Alex' : options.technician, workflows: [ERASE, RESTART], jobs: options.jobs ?? [] }, []);
  const sent: { method: Method; params: unknown }[] = [];
  const answers: Partial<Record<Method, Envelope<unknown>>> = {};
  let release: (() => void) | null = null;
  let hold = false;
  const api = {
    call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
      sent.push({ method, params });
      const answer = (answers[method] ?? { ok: true, value: defaultAnswer(method, params) }) as Envelope<Result<M>>;
      if (!hold) return Promise.resolve(answer);
      return new Promise((resolve) => (release = () => resolve(answer)));
    },
  };
  const commands = createBenchCommands(api, store, () => {});
  const select = (...ds: Device[]) => {
    actions.selectNone();
    for (const d of ds) actions.click(d.id, { range: false, toggle: true });
  };
  return {
    store,
    actions,
    commands,
    sent,
    answers,
    select,
    holdAnswers: () => (hold = true),
    releaseAnswer: () => release?.(),
    flow: (): ActionFlow => store.getState().flow,
    step: () => {
      const flow = store.getState().flow;
      return flow.stage === 'closed' ? 'closed' : flow.draft.step;
    },
    blocker: () => blockerOf(store.getState()),
  };
}

function defaultAnswer(method: Method, params: unknown): unknown {
  if (method === 'technician.set') return { name: (params as { name: string }).name };
  if (method === 'jobs.start') {
    const { udids, workflowId } = params as Params<'jobs.start'>;
    return { batchId: 'batch-9', jobs: udids.map((udid, i) => job({ id: `started-${i}`, batchId: 'batch-9', udid, workflowId, state: 'queued' })), refused: [] };
  }
  return null;
}


describe('choosing devices for an action', () => {
  it('takes the selected devices in slot order; devices not ready are shown with the reason and left out', () => {
    const ready1 = device({ slot: '1-2' });
    const ready2 = device({ slot: '1-1' });
    const locked = device({ state: 'locked', instruction: 'Unlock the device with its passcode.' });
    const dfu = device({ state: 'dfu', udid: null, mode: 'dfu', instruction: 'The device is in DFU mode. Restore it to continue.' });
    const b = bench({ devices: [ready1, ready2, locked, dfu] });
    b.select(ready1, ready2, locked, dfu);
    b.actions.openAction('erase');
    const flow = b.flow();
    if (flow.stage !== 'composing') throw new Error('the panel did not open');
    const plan = planOf(flow.draft, b.store.getState());
    expect(plan.included.map((p) => p.id)).toEqual([ready2.id, ready1.id]);
    expect(Object.fromEntries(plan.excluded.map((p) => [p.id, p.reason]))).toEqual({
      [locked.id]: 'Unlock with passcode: Unlock the device with its passcode.',
      [dfu.id]: 'DFU mode: The device is in DFU mode. Restore it to continue.',
    });
  });

  it('leaves out a device already running a job, so the same command is never sent to it twice', () => {
    const busy = device();
    const free = device();
    const b = bench({ devices: [busy, free], jobs: [job({ udid: busy.udid!, state: 'running', workflowName: 'Erase' })] });
    b.select(busy, free);
    b.actions.openAction('erase');
    const flow = b.flow();
    if (flow.stage !== 'composing') throw new Error('the panel did not open');
    const plan = planOf(flow.draft, b.store.getState());
    expect(plan.included.map((p) => p.id)).toEqual([free.id]);
    expect(plan.excluded[0]?.reason).toMatch(/Already running Erase/);
  });

  it('blocks when none of the selected devices can run it, and opens nothing without a selection', () => {
    const locked = device({ state: 'needs-trust' });
    const b = bench({ devices: [locked] });
    b.actions.openAction('erase');
    expect(b.flow().stage).toBe('closed');
    b.select(locked);
    b.actions.openAction('erase');
    expect(b.blocker()).toBe('None of the selected devices can run Erase now.');
    b.actions.acknowledge(true);
    b.actions.nextStep();
    expect(b.step()).toBe('acknowledge');
  });

  it('a device that locks before Execute drops out; one that becomes ready is not added', () => {
    const a = device();
    const c = device({ state: 'locked' });
    const b = bench({ devices: [a, c] });
    b.select(a, c);
    b.actions.openAction('restart');
    b.actions.applyEvents([updated({ ...a, state: 'locked', instruction: 'Unlock the device with its passcode.' }), updated({ ...c, state: 'ready' })]);
    const flow = b.flow();
    if (flow.stage !== 'composing') throw new Error('the panel did not open');
    const plan = planOf(flow.draft, b.store.getState());
    expect(plan.included).toEqual([]);
    expect(plan.excluded.find((p) => p.id === c.id)?.reason).toMatch(/Became ready after the action was chosen/);
  });
});

describe('the steps of a destructive action: acknowledge, reason, review, Execute', () => {
  it('needs the box ticked and a reason picked; Back returns and keeps what was chosen; nothing is sent before Execute', () => {
    const devices = [device(), device()];
    const b = bench({ devices });
    b.select(...devices);
    b.actions.openAction('erase');
    expect(b.step()).toBe('acknowledge');
    expect(b.blocker()).toBe('Tick the box to acknowledge what will happen.');
    b.actions.nextStep();
    expect(b.step()).toBe('acknowledge');
    b.actions.acknowledge(true);
    b.actions.nextStep();
    expect(b.step()).toBe('reason');
    expect(b.blocker()).toBe('Pick a reason.');
    b.actions.nextStep();
    expect(b.step()).toBe('reason');
    b.actions.pickReason('repair');
    b.actions.nextStep();
    expect(b.step()).toBe('review');
    b.actions.previousStep();
    expect(b.step()).toBe('reason');
    b.actions.previousStep();
    expect(b.step()).toBe('acknowledge');
    b.actions.previousStep();
    expect(b.step()).toBe('acknowledge');
    const flow = b.flow();
    expect(flow.stage === 'composing' && flow.draft.acknowledged && flow.draft.reason).toBe('repair');
    expect(b.sent).toEqual([]);
  });

  it('Cancel closes the panel at any step, and nothing is sent', () => {
    const d = device();
    const b = bench({ devices: [d] });
    b.select(d);
    for (const steps of [0, 1, 2]) {
      b.actions.openAction('erase');
      b.actions.acknowledge(true);
      b.actions.pickReason('retire');
      for (let i = 0; i < steps; i++) b.actions.nextStep();
      b.actions.cancelAction();
      expect(b.flow().stage).toBe('closed');
    }
    expect(b.sent).toEqual([]);
  });

  it('Execute sends jobs.start once, with the included devices, the acknowledgement and the reason', async () => {
    const devices = [device(), device(), device({ state: 'locked' })];
    const b = bench({ devices });
    b.select(...devices);
    b.actions.openAction('erase');
    b.actions.acknowledge(true);
    b.actions.nextStep();
    b.actions.pickReason('retire');
    b.actions.nextStep();
    b.holdAnswers();
    const first = b.commands.execute();
    expect(b.flow().stage).toBe('sending');
    void b.commands.execute(); // a double click
    b.actions.cancelAction(); // too late to cancel the panel: the jobs have their own Cancel
    expect(b.flow().stage).toBe('sending');
    b.releaseAnswer();
    await first;
    expect(b.sent).toEqual([{ method: 'jobs.start', params: { workflowId: 'erase', udids: [devices[0]!.udid, devices[1]!.udid], acknowledged: true, reason: 'retire' } }]);
    expect(b.flow().stage).toBe('closed');
    const [run] = b.store.getState().runs;
    expect(run?.jobIds).toEqual(['started-0', 'started-1']);
    expect(run?.labels[devices[0]!.udid!]).toBe(`${devices[0]!.deviceName} · ${devices[0]!.serialNumber}`);
    expect(b.store.getState().jobs.byId['started-0']?.state).toBe('queued');
  });

  it('Execute does nothing from a step before review', async () => {
    const d = device();
    const b = bench({ devices: [d] });
    b.select(d);
    b.actions.openAction('erase');
    b.actions.acknowledge(true);
    await b.commands.execute();
    expect(b.sent).toEqual([]);
    expect(b.step()).toBe('acknowledge');
  });

  it('a start the host refused as a whole stays on review with its words, and may be sent again', async () => {
    const d = device();
    const b = bench({ devices: [d] });
    b.select(d);
    b.actions.openAction('erase');
    b.actions.acknowledge(true);
    b.actions.nextStep();
    b.actions.pickReason('retire');
    b.actions.nextStep();
    const error: ApiError = { code: 'ServiceUnavailable', message: 'The job engine is not running.', hint: 'Restart Benchline.' };
    b.answers['jobs.start'] = { ok: false, error };
    await b.commands.execute();
    const flow = b.flow();
    expect(flow.stage === 'composing' && flow.draft.step === 'review' && flow.draft.error).toEqual(error);
    delete b.answers['jobs.start'];
    await b.commands.execute();
    expect(b.sent.filter((call) => call.method === 'jobs.start')).toHaveLength(2);
    expect(b.flow().stage).toBe('closed');
  });
});

describe('a workflow without reasons or data loss', () => {
  it('goes from what will happen straight to review, without a checkbox, and says it was acknowledged', async () => {
    const d = device();
    const b = bench({ devices: [d] });
    b.select(d);
    b.actions.openAction('restart');
    expect(b.blocker()).toBeNull();
    b.actions.nextStep();
    expect(b.step()).toBe('review');
    await b.commands.execute();
    expect(b.sent[0]?.params).toEqual({ workflowId: 'restart', udids: [d.udid], acknowledged: true });
  });
});

describe('the technician', () => {
  it('is asked for before the first action when no name is set, and the flow then carries on', async () => {
    const d = device();
    const b = bench({ devices: [d], technician: null });
    b.select(d);
    b.actions.openAction('erase');
    expect(b.step()).toBe('technician');
    b.actions.nextStep();
    expect(b.step()).toBe('technician');
    expect(await b.commands.setTechnician('  Alex Doe ')).toBeNull();
    expect(b.sent).toEqual([{ method: 'technician.set', params: { name: 'Alex Doe' } }]);
    expect(b.store.getState().jobs.technician).toBe('Alex Doe');
    expect(b.step()).toBe('acknowledge');
  });

  it('a name the host refuses is reported and the flow stays put', async () => {
    const d = device();
    const b = bench({ devices: [d], technician: null });
    b.select(d);
    b.actions.openAction('restart');
    const error: ApiError = { code: 'BadRequest', message: 'name too long', hint: 'Shorter.' };
    b.answers['technician.set'] = { ok: false, error };
    expect(await b.commands.setTechnician('x')).toEqual(error);
    expect(b.step()).toBe('technician');
  });
});

describe('following a run', () => {
  async function started(count: number, refusedOf: (devices: Device[]) => string[] = () => []) {
    const devices = Array.from({ length: count }, () => device());
    const refused = refusedOf(devices);
    const b = bench({ devices });
    b.select(...devices);
    b.answers['jobs.start'] = {
      ok: true,
      value: {
        batchId: 'batch-7',
        jobs: devices.filter((d) => !refused.includes(d.udid!)).map((d, i) => job({ id: `run-${i}`, udid: d.udid!, batchId: 'batch-7' })),
        refused: refused.map((udid) => ({ udid, code: 'AlreadyInProgress', message: 'Erase is already running on this device.', hint: 'Wait for it to finish.' })),
      },
    };
    b.actions.openAction('restart');
    b.actions.nextStep();
    await b.commands.execute();
    return { b, devices, run: () => b.store.getState().runs[0]! };
  }

  it('counts succeeded and failed as jobs finish, and has a completion message once all have', async () => {
    const { b, run } = await started(3);
    const jobs = run().jobIds.map((id) => b.store.getState().jobs.byId[id]!);
    expect(summaryOf(run(), b.store.getState().jobs)).toMatchObject({ active: 3, finished: false, progress: 0 });
    const events = [
      jobChanged({ ...jobs[0]!, state: 'succeeded', progress: 1 }),
      jobChanged({ ...jobs[1]!, state: 'running', progress: 0.5 }),
      jobChanged({ ...jobs[2]!, state: 'failed', error: { code: 'BatteryTooLow', message: 'Battery at 9%.', hint: 'Charge it.' } }),
    ] as JobEvent[];
    b.actions.applyJobEvents(events);
    const midway = summaryOf(run(), b.store.getState().jobs);
    expect(midway).toMatchObject({ succeeded: 1, failed: 1, active: 1, finished: false });
    expect(midway.progress).toBeCloseTo(2.5 / 3);
    // The one running job's current step (one of its two) shows moving on the run's bar.
    expect(midway.running).toBeCloseTo(0.5 / 3);
    expect(completionMessage(run(), midway)).toBe('');
    b.actions.applyJobEvents([jobChanged({ ...jobs[1]!, state: 'succeeded', progress: 1 })] as JobEvent[]);
    const done = summaryOf(run(), b.store.getState().jobs);
    expect(summaryText(done)).toBe('2 succeeded, 1 failed');
    expect(completionMessage(run(), done)).toBe('Restart finished: 2 succeeded, 1 failed.');
  });

  it('says completed successfully when every device succeeded, and OK dismisses the run', async () => {
    const { b, run } = await started(2);
    b.actions.applyJobEvents(run().jobIds.map((id) => jobChanged({ ...b.store.getState().jobs.byId[id]!, state: 'succeeded', progress: 1 })) as JobEvent[]);
    expect(completionMessage(run(), summaryOf(run(), b.store.getState().jobs))).toBe('Restart completed successfully on 2 devices.');
    b.actions.dismissRun('batch-7');
    expect(b.store.getState().runs).toEqual([]);
  });

  it('keeps the refusals per device and counts them as not started', async () => {
    const { b, devices, run } = await started(3, (all) => [all[1]!.udid!]);
    expect(run().refused).toEqual([{ udid: devices[1]!.udid, code: 'AlreadyInProgress', message: 'Erase is already running on this device.', hint: 'Wait for it to finish.' }]);
    expect(run().labels[devices[1]!.udid!]).toContain(devices[1]!.serialNumber!);
    b.actions.applyJobEvents(run().jobIds.map((id) => jobChanged({ ...b.store.getState().jobs.byId[id]!, state: 'succeeded', progress: 1 })) as JobEvent[]);
    const done = summaryOf(run(), b.store.getState().jobs);
    expect(summaryText(done)).toBe('2 succeeded, 0 failed, 1 not started');
    expect(completionMessage(run(), done)).toBe('Restart finished: 2 succeeded, 0 failed, 1 not started.');
  });
});
