import { describe, expect, it } from 'vitest';
import { DEVICE_STATUS_LABELS } from '../../core/contract/index.js';
import { matchesList, statusText } from '../../renderer/state/inventory.js';
import { createServerSessionFixture } from './renderer-server-session-fixture.js';
import { record, serverBench } from './renderer-server-fixtures.js';

describe('inventory lists', () => {
  it('search matches serial numbers case-sensitively, names and emails not', () => {
    const device = record('C02XK1', { userEmail: 'Ana@Example.com', userName: 'Ana Lima' });
    const query = (text: string) => ({ text, statuses: [] });
    expect(matchesList(device, 'inventory', query('C02X'))).toBe(true);
    expect(matchesList(device, 'inventory', query('c02x'))).toBe(false);
    expect(matchesList(device, 'inventory', query('ana@example'))).toBe(true);
    expect(matchesList(device, 'inventory', { text: '', statuses: ['retired'] })).toBe(false);
    expect(matchesList(device, 'preapproved', query(''))).toBe(false);
  });

  it('the first page replaces the list, the next appends; an answer to an older search is dropped', async () => {
    const bench = serverBench();
    bench.holdAnswers();
    bench.answers['inventory.search'] = (params) => {
      const { query } = params as { query?: string };
      return { ok: true, value: { total: 1, devices: [record(query === 'NEW' ? 'NEW1' : 'OLD1')] } };
    };
    const older = bench.commands.search('inventory', { text: 'OLD', statuses: [] });
    const newer = bench.commands.search('inventory', { text: 'NEW', statuses: [] });
    bench.releaseNewestFirst();
    await Promise.all([older, newer]);
    expect(bench.server().inventory.lists.inventory.devices.map((d) => d.serialNumber)).toEqual(['NEW1']);

    bench.answers['inventory.search'] = (params) => {
      const { offset } = params as { offset: number };
      return { ok: true, value: { total: 3, devices: offset === 0 ? [record('A'), record('B')] : [record('C')] } };
    };
    await bench.commands.search('inventory', { text: '', statuses: ['enrolled'] });
    expect(bench.calls('inventory.search').at(-1)!.params).toMatchObject({ statuses: ['enrolled'], offset: 0 });
    await bench.commands.loadMore('inventory');
    expect(bench.calls('inventory.search').at(-1)!.params).toMatchObject({ offset: 2 });
    expect(bench.server().inventory.lists.inventory.devices.map((d) => d.serialNumber)).toEqual(['A', 'B', 'C']);
    await bench.commands.loadMore('inventory');
    expect(bench.calls('inventory.search')).toHaveLength(4);
  });

  it('the Pre-approved list keeps only pre-approved records, whatever their status', async () => {
    const bench = serverBench();
    bench.answers['inventory.search'] = () => ({ ok: true, value: { total: 3, devices: [record('P1', { preapproved: true }), record('E1'), record('P2', { preapproved: true, status: 'enrolled' })] } });
    bench.commands.showPage('preapproved');
    await new Promise((resolve) => setImmediate(resolve));
    expect(bench.server().page).toBe('preapproved');
    expect(bench.server().inventory.lists.preapproved.devices.map((d) => d.serialNumber)).toEqual(['P1', 'P2']);
  });

  it('inventory.changed updates rows in place, drops ones that no longer match, adds new matching ones on top, and removes purged ones', async () => {
    const fixture = createServerSessionFixture();
    const send = fixture.store.getState().actions.server;
    send({ type: 'inventory-search', list: 'inventory', query: { text: '', statuses: ['enrolled'] } });
    send({ type: 'inventory-page', list: 'inventory', seq: 1, offset: 0, total: 3, devices: [record('A'), record('B'), record('C')] });
    fixture.emit({
      event: 'inventory.changed',
      data: { devices: [record('A', { revision: 2, userName: 'Ana' }), record('B', { revision: 2, status: 'in-stock' }), record('D', { revision: 1 }), record('E', { status: 'retired' })], removed: ['C'] },
    });
    fixture.flushFrame();
    const list = fixture.store.getState().server.inventory.lists.inventory;
    expect(list.devices.map((d) => d.serialNumber)).toEqual(['D', 'A']);
    expect(list.devices[1]!.userName).toBe('Ana');
    expect(list.total).toBe(2);
    expect(fixture.store.getState().server.inventory.known['B']?.status).toBe('in-stock');
  });

  it('a device with a deprovision pending says so, with the status it goes to', () => {
    const device = record('X', {
      status: 'in-stock',
      pendingDeprovision: { id: '00000000-0000-4000-8000-000000000001', serialNumber: 'X', reason: 'employee-left', note: null, wipe: 'full', requestInfo: false, deviceInfo: null, toStatus: 'in-stock', state: 'pending', requestedBy: 'bench', requestedAt: '', completedAt: null, completion: null },
    });
    expect(statusText(device, DEVICE_STATUS_LABELS)).toBe('Deprovision pending → In stock');
    expect(statusText(record('Y'), DEVICE_STATUS_LABELS)).toBe('Enrolled');
  });

  it('history comes from the host; offline, its refusal is kept to show with the hint', async () => {
    const bench = serverBench();
    bench.answers['inventory.history'] = () => ({ ok: false, error: { code: 'ServerUnreachable', message: 'The server cannot be reached.', hint: 'History needs the server: try again when it is back.' } });
    await bench.commands.openHistory('C02X');
    expect(bench.server().inventory.history).toMatchObject({ serialNumber: 'C02X', phase: 'failed', error: { hint: 'History needs the server: try again when it is back.' } });
    bench.answers['inventory.history'] = () => ({ ok: true, value: [{ at: '2026-11-21T10:00:00.000Z', kind: 'preapproved', actor: 'admin', fromStatus: null, toStatus: 'pre-approved', detail: null }] });
    await bench.commands.openHistory('C02X');
    expect(bench.server().inventory.history).toMatchObject({ phase: 'ready', entries: [{ kind: 'preapproved' }] });
  });
});

describe('pre-approving tethered devices', () => {
  it('needs ownership, an email and a name; sends the ready devices once; shows queued and refused', async () => {
    const { READY_STATUS, device } = await import('./renderer-fixtures.js');
    const bench = serverBench();
    const { actions } = bench.store.getState();
    const ready = device();
    const locked = device({ state: 'locked', instruction: 'Unlock the device.' });
    actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [ready, locked], []);
    actions.click(ready.id, { range: false, toggle: true });
    actions.click(locked.id, { range: false, toggle: true });
    bench.commands.openPreapprove();
    const flow = () => bench.server().preapprove;
    expect(flow()).toMatchObject({ stage: 'composing', draft: { targets: [{ udid: ready.udid }], excluded: [{ label: expect.stringContaining(locked.serialNumber!) }] } });
    await bench.commands.sendPreapprove();
    expect(bench.calls('preapproved.add')).toHaveLength(0);
    bench.send({ type: 'preapprove-edit', change: { ownership: 'corporate', email: 'ana@example.com', name: 'Ana Lima' } });
    bench.answers['preapproved.add'] = () => ({ ok: true, value: { queued: [{ udid: ready.udid!, serialNumber: ready.serialNumber! }], refused: [] } });
    await Promise.all([bench.commands.sendPreapprove(), bench.commands.sendPreapprove()]);
    expect(bench.calls('preapproved.add')).toHaveLength(1);
    expect(bench.calls('preapproved.add')[0]!.params).toEqual({ udids: [ready.udid], ownership: 'corporate', user: { email: 'ana@example.com', name: 'Ana Lima' } });
    expect(flow()).toMatchObject({ stage: 'done', result: { queued: [{ serialNumber: ready.serialNumber }] } });
  });
});
