import { describe, expect, it } from 'vitest';
import type { Job, Params } from '../../core/contract/index.js';
import type { JobEvent } from '../../renderer/state/jobs.js';
import { deprovisionBlocker, deprovisionCompletion, deprovisionRunSummary, planDeprovision, type DeprovisionFlow } from '../../renderer/state/deprovision-flow.js';
import { READY_STATUS, device, job, jobChanged } from './renderer-fixtures.js';
import { record, serverBench, syncStatus } from './renderer-server-fixtures.js';

const corporate = device({ serialNumber: 'C02CORP' });
const personal = device({ serialNumber: 'C02PERS' });
const unread = device({ serialNumber: null, state: 'reading' });

function deprovisionBench() {
  const bench = serverBench();
  const { actions } = bench.store.getState();
  actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [corporate, personal, unread], []);
  actions.jobsSynced({ technician: 'Alex', workflows: [], jobs: [] }, []);
  bench.send({ type: 'inventory-known', devices: [record('C02CORP', { ownership: 'corporate' }), record('C02PERS', { ownership: 'personal' })] });
  for (const d of [corporate, personal, unread]) actions.click(d.id, { range: false, toggle: true });
  const flow = (): DeprovisionFlow => bench.server().deprovision;
  const draft = () => {
    const current = flow();
    if (current.stage !== 'composing' && current.stage !== 'sending') throw new Error(`no draft: ${current.stage}`);
    return current.draft;
  };
  return { ...bench, actions, flow, draft, plan: () => planDeprovision(draft(), bench.server().inventory.known) };
}

async function toReview(bench: ReturnType<typeof deprovisionBench>, reason: 'employee-left' | 'other' = 'employee-left') {
  await bench.commands.openDeprovision('bench');
  bench.send({ type: 'deprovision-acknowledge', acknowledged: true });
  bench.send({ type: 'deprovision-next' });
  bench.send({ type: 'deprovision-reason', reason });
  bench.send({ type: 'deprovision-next' });
}

describe('deprovisioning selected devices', () => {
  it('opens on the tethered devices by serial number, leaving out one whose serial is not read yet, and requires the acknowledgement', async () => {
    const bench = deprovisionBench();
    await bench.commands.openDeprovision('bench');
    expect(bench.draft().targets.map((target) => target.serialNumber).sort()).toEqual(['C02CORP', 'C02PERS']);
    expect(bench.draft().excluded).toHaveLength(1);
    expect(deprovisionBlocker(bench.flow())).toMatch(/Tick the box/);
    bench.send({ type: 'deprovision-next' });
    expect(bench.draft().step).toBe('acknowledge');
  });

  it('shows per device what will happen by ownership: Employee left wipes a corporate device fully into stock, a personal one of corporate data and retires it', async () => {
    const bench = deprovisionBench();
    await bench.commands.openDeprovision('bench');
    bench.send({ type: 'deprovision-acknowledge', acknowledged: true });
    bench.send({ type: 'deprovision-next' });
    expect(deprovisionBlocker(bench.flow())).toBe('Pick a reason.');
    bench.send({ type: 'deprovision-reason', reason: 'employee-left' });
    const bySerial = Object.fromEntries(bench.plan().map((item) => [item.serialNumber, item]));
    expect(bySerial['C02CORP']).toMatchObject({ wipe: 'full', toStatus: 'in-stock', outcome: '(corporate) → Full wipe, In stock' });
    expect(bySerial['C02PERS']).toMatchObject({ wipe: 'corporate-data', toStatus: 'retired', outcome: '(personal) → Corporate data only, Retired' });
  });

  it('Other needs the wipe chosen and a note; the choice applies to every device', async () => {
    const bench = deprovisionBench();
    await toReview(bench, 'other');
    expect(bench.draft().step).toBe('reason');
    expect(deprovisionBlocker(bench.flow())).toMatch(/Choose the wipe/);
    bench.send({ type: 'deprovision-wipe', wipe: 'corporate-data' });
    expect(deprovisionBlocker(bench.flow())).toMatch(/note/);
    bench.send({ type: 'deprovision-note', note: 'Lost in transit' });
    expect(bench.plan().every((item) => item.wipe === 'corporate-data')).toBe(true);
    bench.send({ type: 'deprovision-next' });
    expect(bench.draft().step).toBe('review');
  });

  it('Back keeps the choices and Cancel closes without sending anything', async () => {
    const bench = deprovisionBench();
    await toReview(bench);
    expect(bench.draft().step).toBe('review');
    bench.send({ type: 'deprovision-back' });
    bench.send({ type: 'deprovision-back' });
    expect(bench.draft()).toMatchObject({ step: 'acknowledge', acknowledged: true, reason: 'employee-left' });
    bench.send({ type: 'deprovision-cancel' });
    expect(bench.flow().stage).toBe('closed');
    expect(bench.calls('deprovision.start')).toHaveLength(0);
  });

  it('Execute sends one deprovision.start however often it is clicked, then asks for a sync; a refusal as a whole keeps the review', async () => {
    const bench = deprovisionBench();
    await toReview(bench);
    bench.send({ type: 'deprovision-request-info', requestInfo: true });
    bench.answers['deprovision.start'] = () => ({ ok: false, error: { code: 'NoServer', message: 'No server.', hint: 'Start with the embedded server.' } });
    await bench.commands.executeDeprovision();
    expect(bench.draft()).toMatchObject({ step: 'review', error: { code: 'NoServer' } });

    bench.answers['deprovision.start'] = (params) => ({
      ok: true,
      value: { started: (params as Params<'deprovision.start'>).serialNumbers.map((serialNumber, i) => ({ serialNumber, deprovisionId: `00000000-0000-4000-8000-00000000000${i}`, wipe: 'full', jobId: `job-${i}` })), refused: [] },
    });
    bench.answers['sync.now'] = () => ({ ok: true, value: syncStatus({ pending: 2, connected: false }) });
    bench.holdAnswers();
    const first = bench.commands.executeDeprovision();
    void bench.commands.executeDeprovision();
    bench.send({ type: 'deprovision-cancel' });
    bench.releaseAll();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    bench.releaseAll();
    expect(bench.calls('deprovision.start')).toHaveLength(2);
    expect(bench.calls('deprovision.start')[1]!.params).toEqual({ serialNumbers: expect.arrayContaining(['C02CORP', 'C02PERS']), acknowledged: true, reason: 'employee-left', requestInfo: true });
    expect(bench.calls('sync.now')).toHaveLength(1);
    expect(bench.flow().stage).toBe('run');
  });

  it('the run finishes when every wipe job has ended and a sync status after Execute shows nothing pending: "Completed successfully"', async () => {
    const bench = deprovisionBench();
    await toReview(bench);
    bench.answers['deprovision.start'] = () => ({
      ok: true,
      value: {
        started: [{ serialNumber: 'C02CORP', deprovisionId: '00000000-0000-4000-8000-000000000001', wipe: 'full', jobId: 'wipe-1' }],
        refused: [{ serialNumber: 'C02PERS', code: 'DeprovisionPending', message: 'A deprovision of C02PERS is already pending.', hint: 'Wait for it.' }],
      },
    });
    bench.answers['sync.now'] = () => ({ ok: true, value: syncStatus({ pending: 1 }) });
    await bench.commands.executeDeprovision();
    const running: Job = job({ id: 'wipe-1', udid: corporate.udid!, state: 'running' });
    bench.actions.applyJobEvents([jobChanged(running)] as JobEvent[]);
    const runOf = () => {
      const flow = bench.flow();
      if (flow.stage !== 'run') throw new Error('no run');
      return flow.run;
    };
    expect(deprovisionRunSummary(runOf(), bench.store.getState().jobs)).toMatchObject({ wiping: 1, finished: false, finishedServer: false });
    bench.send({ type: 'sync-status', status: syncStatus({ pending: 0 }) });
    expect(deprovisionRunSummary(runOf(), bench.store.getState().jobs)).toMatchObject({ finishedServer: true, finished: false });
    bench.actions.applyJobEvents([jobChanged({ ...running, state: 'succeeded', progress: 1 })] as JobEvent[]);
    const summary = deprovisionRunSummary(runOf(), bench.store.getState().jobs);
    expect(summary).toMatchObject({ finished: true, wiped: 1, refused: 1 });
    expect(deprovisionCompletion(runOf(), summary)).toBe('Deprovision finished: 1 deprovisioned, 1 refused.');
    bench.send({ type: 'deprovision-dismiss' });
    expect(bench.flow().stage).toBe('closed');
  });

  it('says "Completed successfully" when nothing was refused or failed', () => {
    const run = { source: 'inventory' as const, reason: 'retire' as const, labels: {}, started: [{ serialNumber: 'X1', deprovisionId: '00000000-0000-4000-8000-000000000001', wipe: 'full' as const, jobId: null }], refused: [], delivered: true };
    expect(deprovisionCompletion(run, deprovisionRunSummary(run, null))).toBe('Completed successfully: 1 device deprovisioned (Retire device).');
  });

  it('from the Inventory view: the selected records, with a device the bench has not seen said to be decided by the server', async () => {
    const bench = deprovisionBench();
    bench.send({ type: 'inventory-toggle', serialNumber: 'C02CORP' });
    bench.send({ type: 'inventory-toggle', serialNumber: 'c02corp' });
    bench.answers['inventory.search'] = () => ({ ok: true, value: { total: 1, devices: [record('C02CORP')] } });
    await bench.commands.openDeprovision('inventory');
    expect(bench.draft().source).toBe('inventory');
    // Serial numbers are case-sensitive: the search for c02corp found only C02CORP, which is another device.
    const plan = bench.plan();
    expect(plan.find((item) => item.serialNumber === 'c02corp')?.ownership).toBeNull();
    expect(plan.find((item) => item.serialNumber === 'C02CORP')?.ownership).toBe('corporate');
  });
});
