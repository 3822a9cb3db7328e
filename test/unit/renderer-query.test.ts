import { describe, expect, it } from 'vitest';
import { sortDevices, visibleDevicesOf } from '../../renderer/state/query.js';
import type { DeviceMap } from '../../renderer/state/devices.js';
import { deviceMapOf } from '../../renderer/state/devices.js';
import { DEFAULT_SORT } from '../../renderer/state/bench.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { READY_STATUS, device } from './renderer-fixtures.js';

const ids = (list: readonly { id: string }[]) => list.map((d) => d.id);
const noFilter = { states: [] };

describe('searching the bench', () => {
  const alice = device({ deviceName: "Alice's iPhone", serialNumber: 'DNPX1234ABCD', udid: '00008110-001A2C3E3A12802E', ecid: BigInt('0x1A2C3E3A12802E').toString(10), imei: '356789012345678' });
  const ipad = device({ deviceName: 'Front desk', marketingName: 'iPad (10th generation)', productType: 'iPad13,18', serialNumber: 'GG7ZQ1', udid: 'aa11', ecid: '99', imei: null });
  const map: DeviceMap = deviceMapOf([alice, ipad]);
  const search = (text: string) => ids(visibleDevicesOf(map, noFilter, text, DEFAULT_SORT));

  it('matches serial, UDID, IMEI and name, ignoring case', () => {
    expect(search('dnpx1234')).toEqual([alice.id]);
    expect(search('3A12802E')).toEqual([alice.id]);
    expect(search('35678901')).toEqual([alice.id]);
    expect(search('alice')).toEqual([alice.id]);
    expect(search('ipad')).toEqual([ipad.id]);
  });

  it('matches an ECID typed in decimal or in hex with 0x', () => {
    expect(search(alice.ecid!)).toEqual([alice.id]);
    expect(search('0x1a2c3e3a12802e')).toEqual([alice.id]);
    expect(search('0x001A2C3E3A12802E')).toEqual([alice.id]);
  });

  it('needs every word to match, and shows everything when empty', () => {
    expect(search('front ipad')).toEqual([ipad.id]);
    expect(search('front iphone')).toEqual([]);
    expect(search('   ')).toHaveLength(2);
  });
});

describe('filtering by state', () => {
  it('shows only the chosen states, all of them when none is chosen', () => {
    const ready = device({ state: 'ready' });
    const locked = device({ state: 'locked' });
    const trust = device({ state: 'needs-trust' });
    const map = deviceMapOf([ready, locked, trust]);
    expect(ids(visibleDevicesOf(map, { states: ['locked', 'needs-trust'] }, '', DEFAULT_SORT)).sort()).toEqual([locked.id, trust.id].sort());
    expect(visibleDevicesOf(map, noFilter, '', DEFAULT_SORT)).toHaveLength(3);
  });
});

describe('sorting', () => {
  it('orders slots as a person reads a hub (1-2 before 1-10), with unslotted devices last', () => {
    const list = [device({ slot: '1-10' }), device({ slot: null }), device({ slot: '1-2' }), device({ slot: '2-1' })];
    expect(sortDevices(list, { column: 'slot', direction: 'asc' }).map((d) => d.slot)).toEqual(['1-2', '1-10', '2-1', null]);
    expect(sortDevices(list, { column: 'slot', direction: 'desc' }).map((d) => d.slot)).toEqual(['2-1', '1-10', '1-2', null]);
  });

  it('sorts battery as numbers and puts devices without a reading last in both directions', () => {
    const list = [device({ batteryLevel: 9 }), device({ batteryLevel: null }), device({ batteryLevel: 100 }), device({ batteryLevel: 50 })];
    expect(sortDevices(list, { column: 'battery', direction: 'asc' }).map((d) => d.batteryLevel)).toEqual([9, 50, 100, null]);
    expect(sortDevices(list, { column: 'battery', direction: 'desc' }).map((d) => d.batteryLevel)).toEqual([100, 50, 9, null]);
  });

  it('sorts states by urgency: devices that need hands first', () => {
    const list = (['ready', 'dfu', 'needs-trust', 'error', 'locked'] as const).map((state) => device({ state }));
    expect(sortDevices(list, { column: 'state', direction: 'asc' }).map((d) => d.state)).toEqual(['error', 'needs-trust', 'locked', 'dfu', 'ready']);
  });

  it('compares OS versions part by part', () => {
    const list = ['17.6.1', '9.3.5', '26.1', '16.7.10'].map((productVersion) => device({ productVersion }));
    expect(sortDevices(list, { column: 'os', direction: 'asc' }).map((d) => d.productVersion)).toEqual(['9.3.5', '16.7.10', '17.6.1', '26.1']);
  });

  it('keeps equal rows in slot order, so they do not swap places as updates arrive', () => {
    const list = [device({ slot: '1-3', batteryLevel: 50 }), device({ slot: '1-1', batteryLevel: 50 }), device({ slot: '1-2', batteryLevel: 50 })];
    expect(sortDevices(list, { column: 'battery', direction: 'desc' }).map((d) => d.slot)).toEqual(['1-1', '1-2', '1-3']);
  });

  it('clicking a column header sorts by it ascending, clicking again reverses', () => {
    const store = createBenchStore('websocket');
    const { actions } = store.getState();
    actions.synced({ name: 'B', contractVersion: 1 }, READY_STATUS, [device({ serialNumber: 'B2' }), device({ serialNumber: 'A1' })], []);
    actions.sortBy('serial');
    expect(store.visible.devices(store.getState()).map((d) => d.serialNumber)).toEqual(['A1', 'B2']);
    actions.sortBy('serial');
    expect(store.visible.devices(store.getState()).map((d) => d.serialNumber)).toEqual(['B2', 'A1']);
  });
});

describe('choosing columns', () => {
  it('adds columns in their usual place and never hides the last one', () => {
    const store = createBenchStore('websocket');
    const { actions } = store.getState();
    actions.toggleColumn('udid');
    const columns = store.getState().columns;
    expect(columns.indexOf('udid')).toBe(columns.indexOf('serial') + 1);
    for (const column of [...store.getState().columns]) actions.toggleColumn(column);
    expect(store.getState().columns).toHaveLength(1);
  });
});
