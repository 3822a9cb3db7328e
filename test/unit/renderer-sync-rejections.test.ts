/**
 * "n rejected" in the sync state opens what the server refused, and "Dismiss" acknowledges
 * them: the window's state and commands (state/sync-view.ts, api/server-commands.ts) and the
 * development mock's answers.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope, Method, Params, Result, SyncRejection } from '../../core/contract/index.js';
import { createMockApi } from '../../renderer/api/mock.js';
import { rejectedNote, rejectionsToDismiss } from '../../renderer/state/sync-view.js';
import { serverBench, syncStatus } from './renderer-server-fixtures.js';

function rejection(key: string, overrides: Partial<SyncRejection> = {}): SyncRejection {
  return {
    key,
    type: 'device.deprovision',
    summary: `Deprovision of ${key} (Employee left the organisation)`,
    serialNumber: key,
    occurredAt: '2026-11-21T10:00:00.000Z',
    technician: 'Ana',
    code: 'deprovision-pending',
    message: `A deprovision of ${key} is already pending.`,
    hint: 'Wait until it completes.',
    acknowledgedAt: null,
    ...overrides,
  };
}

describe('the list of what the server refused', () => {
  it('opens with the bench\'s rejections, each with the server\'s reason and what to do', async () => {
    const bench = serverBench();
    bench.answers['sync.rejections'] = () => ({ ok: true, value: [rejection('C02A'), rejection('C02B', { acknowledgedAt: '2026-11-21T10:05:00.000Z' })] });
    await bench.commands.openRejections();
    expect(bench.calls('sync.rejections')).toEqual([{ method: 'sync.rejections', params: { limit: 100 } }]);
    const view = bench.server().sync.rejections;
    expect(view).toMatchObject({ open: true, phase: 'ready', error: null });
    expect(view.rejections.map((item) => [item.key, item.message, item.hint])).toEqual([
      ['C02A', 'A deprovision of C02A is already pending.', 'Wait until it completes.'],
      ['C02B', 'A deprovision of C02B is already pending.', 'Wait until it completes.'],
    ]);
    // Only the one not dismissed yet is what "Dismiss" acknowledges.
    expect(rejectionsToDismiss(view)).toEqual(['C02A']);
  });

  it('Dismiss acknowledges the shown ones once however often it is pressed; the count and the list follow the host\'s answer', async () => {
    const bench = serverBench();
    bench.send({ type: 'sync-status', status: syncStatus({ rejected: 2 }) });
    bench.answers['sync.rejections'] = () => ({ ok: true, value: [rejection('C02A'), rejection('C02B')] });
    await bench.commands.openRejections();
    bench.answers['sync.acknowledgeRejections'] = () => ({ ok: true, value: syncStatus({ rejected: 0 }) });
    bench.holdAnswers();
    const first = bench.commands.dismissRejections();
    void bench.commands.dismissRejections();
    expect(bench.calls('sync.acknowledgeRejections')).toEqual([{ method: 'sync.acknowledgeRejections', params: { keys: ['C02A', 'C02B'] } }]);
    expect(bench.server().sync.rejections.dismissing).toBe(true);
    bench.answers['sync.rejections'] = () => ({ ok: true, value: [rejection('C02A', { acknowledgedAt: '2026-11-21T10:06:00.000Z' }), rejection('C02B', { acknowledgedAt: '2026-11-21T10:06:00.000Z' })] });
    bench.releaseAll();
    await first;
    const sync = bench.server().sync;
    expect(sync.availability).toMatchObject({ kind: 'ready', status: { rejected: 0 } });
    // Dismissed ones stay listed, with when.
    expect(sync.rejections).toMatchObject({ open: true, phase: 'ready', dismissing: false });
    expect(sync.rejections.rejections.map((item) => item.acknowledgedAt)).toEqual(['2026-11-21T10:06:00.000Z', '2026-11-21T10:06:00.000Z']);
    expect(rejectionsToDismiss(sync.rejections)).toEqual([]);
    await bench.commands.dismissRejections();
    expect(bench.calls('sync.acknowledgeRejections')).toHaveLength(1);
  });

  it('a refused Dismiss keeps the list as it was and says why and what to do', async () => {
    const bench = serverBench();
    bench.send({ type: 'sync-status', status: syncStatus({ rejected: 1 }) });
    bench.answers['sync.rejections'] = () => ({ ok: true, value: [rejection('C02A')] });
    await bench.commands.openRejections();
    bench.answers['sync.acknowledgeRejections'] = () => ({ ok: false, error: { code: 'NoTechnician', message: 'No technician is set at this bench.', hint: 'Enter your name at the bench first.' } });
    await bench.commands.dismissRejections();
    const sync = bench.server().sync;
    expect(sync.rejections.error?.hint).toBe('Enter your name at the bench first.');
    expect(sync.rejections.dismissing).toBe(false);
    expect(rejectionsToDismiss(sync.rejections)).toEqual(['C02A']);
    expect(sync.availability).toMatchObject({ status: { rejected: 1 } });
  });

  it('an older answer arriving after a newer one is ignored; after Close, answers are ignored', async () => {
    const bench = serverBench();
    let answer = 0;
    bench.answers['sync.rejections'] = () => ({ ok: true, value: [rejection(`C02-${++answer}`)] });
    bench.holdAnswers();
    const older = bench.commands.openRejections();
    const newer = bench.commands.openRejections();
    bench.releaseNewestFirst();
    await Promise.all([older, newer]);
    expect(bench.server().sync.rejections.rejections.map((item) => item.key)).toEqual(['C02-2']);

    bench.holdAnswers();
    const late = bench.commands.openRejections();
    bench.send({ type: 'rejections-close' });
    bench.releaseAll();
    await late;
    expect(bench.server().sync.rejections).toMatchObject({ open: false, rejections: [] });
  });

  it('the list that cannot be read says why, and Sync now keeps the panel as it was', async () => {
    const bench = serverBench();
    bench.answers['sync.rejections'] = () => ({ ok: false, error: { code: 'NoServer', message: 'No central server is configured for this bench.', hint: 'Configure one.' } });
    await bench.commands.openRejections();
    expect(bench.server().sync.rejections).toMatchObject({ open: true, phase: 'failed', error: { code: 'NoServer' } });
    bench.answers['sync.now'] = () => ({ ok: true, value: syncStatus() });
    await bench.commands.syncNow();
    expect(bench.server().sync.rejections).toMatchObject({ open: true, phase: 'failed' });
  });

  it('the notice points at the list instead of at the outbox', () => {
    expect(rejectedNote(syncStatus({ rejected: 2 }))).toBe('The server refused 2 changes from this bench for good; they will not be retried. Open "2 rejected" to see which and why.');
  });
});

describe('the mock bench\'s rejections (development only)', () => {
  it('&sync=rejected starts with two refusals; dismissing them stops the count and keeps them listed', async () => {
    const api = createMockApi(4, '?technician=Alex&rate=0&sync=rejected', { every: () => {} });
    const call = <M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> => api.call(method, params);
    const status = await call('sync.status', {});
    expect(status.ok && status.value.rejected).toBe(2);
    const listed = await call('sync.rejections', { limit: 100 });
    const keys = listed.ok ? listed.value.map((item) => item.key) : [];
    expect(keys).toHaveLength(2);
    const after = await call('sync.acknowledgeRejections', { keys: keys.slice(0, 1) });
    expect(after.ok && after.value.rejected).toBe(1);
    const again = await call('sync.rejections', { limit: 100 });
    expect(again.ok && again.value.map((item) => item.acknowledgedAt === null)).toEqual([false, true]);
  });
});
