import { describe, expect, it } from 'vitest';
import { createBenchStore } from '../../renderer/state/store.js';
import { READY_STATUS, added, device, removed, statusEvent, updated } from './renderer-fixtures.js';

function syncedStore(...devices: ReturnType<typeof device>[]) {
  const store = createBenchStore('websocket');
  store.getState().actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, devices, []);
  return store;
}

const shownSerials = (store: ReturnType<typeof createBenchStore>) => store.visible.devices(store.getState()).map((d) => d.serialNumber);

describe('the renderer keeps its device list in step with the bench', () => {
  it('shows the listed devices once synced, and not "no devices" before', () => {
    const store = createBenchStore('websocket');
    expect(store.getState().loaded).toBe(false);
    const a = device({ slot: '1-2' });
    const b = device({ slot: '1-1' });
    store.getState().actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [a, b], []);
    expect(store.getState().loaded).toBe(true);
    expect(shownSerials(store)).toEqual([b.serialNumber, a.serialNumber]);
  });

  it('adds a plugged-in device, updates it in place and drops it when unplugged', () => {
    const a = device();
    const store = syncedStore(a);
    const b = device({ state: 'needs-trust' });
    store.getState().actions.applyEvents([added(b)]);
    expect(store.getState().devices[b.id]?.state).toBe('needs-trust');
    store.getState().actions.applyEvents([updated({ ...b, state: 'ready' })]);
    expect(store.getState().devices[b.id]?.state).toBe('ready');
    store.getState().actions.applyEvents([removed(b)]);
    expect(Object.keys(store.getState().devices)).toEqual([a.id]);
  });

  it('moves a re-keyed device to its new id without leaving a ghost tile, keeping it selected', () => {
    const dfu = device({ id: 'usb:1-3.2', serialNumber: null, state: 'dfu', mode: 'dfu' });
    const store = syncedStore(dfu);
    store.getState().actions.click(dfu.id, { range: false, toggle: false });
    const normal = { ...dfu, id: 'ecid:42', serialNumber: 'F17NEWID0001', state: 'reading' as const, mode: 'normal' as const };
    // The registry announces the old id as removed, then the record under its new id.
    store.getState().actions.applyEvents([removed(dfu), updated(normal, dfu.id)]);
    const state = store.getState();
    expect(Object.keys(state.devices)).toEqual(['ecid:42']);
    expect(state.selection.ids).toEqual({ 'ecid:42': true });
    expect(state.selection.focus).toBe('ecid:42');
  });

  it('follows a re-key even when the new record arrives in a later batch than the removal', () => {
    const old = device({ id: 'udid:old' });
    const store = syncedStore(old);
    store.getState().actions.click(old.id, { range: false, toggle: false });
    store.getState().actions.applyEvents([removed(old)]);
    store.getState().actions.applyEvents([updated({ ...old, id: 'ecid:7' }, 'udid:old')]);
    expect(store.getState().selection.ids).toEqual({ 'ecid:7': true });
  });

  it('leaves every other device object untouched by an update, so only the changed tile re-renders', () => {
    const a = device();
    const b = device();
    const store = syncedStore(a, b);
    const before = store.getState().devices;
    const order = store.visible.ids(store.getState());
    store.getState().actions.applyEvents([updated({ ...b, batteryLevel: 79 })]);
    const after = store.getState().devices;
    expect(after[a.id]).toBe(before[a.id]);
    expect(after[b.id]?.batteryLevel).toBe(79);
    // The order did not change, so the grid (which subscribes to it) does not re-render either.
    expect(store.visible.ids(store.getState())).toBe(order);
  });

  it('applies a batch of events in order', () => {
    const a = device();
    const store = syncedStore();
    store.getState().actions.applyEvents([added(a), updated({ ...a, batteryLevel: 10 }), updated({ ...a, batteryLevel: 11 })]);
    expect(store.getState().devices[a.id]?.batteryLevel).toBe(11);
    store.getState().actions.applyEvents([removed(a), added({ ...a, batteryLevel: 50 })]);
    expect(store.getState().devices[a.id]?.batteryLevel).toBe(50);
  });

  it('takes the bench status from events', () => {
    const store = syncedStore();
    store.getState().actions.applyEvents([statusEvent({ ...READY_STATUS, usbmuxd: { ...READY_STATUS.usbmuxd, connected: false, error: 'ECONNREFUSED' } })]);
    expect(store.getState().status?.usbmuxd).toMatchObject({ connected: false, error: 'ECONNREFUSED' });
  });

  it('replaces the device list on a re-sync (after a reconnection) but keeps what the technician chose', () => {
    const a = device();
    const b = device();
    const store = syncedStore(a, b);
    store.getState().actions.setView('table');
    store.getState().actions.setSearch('iphone');
    store.getState().actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [b], []);
    const state = store.getState();
    expect(Object.keys(state.devices)).toEqual([b.id]);
    expect(state.view).toBe('table');
    expect(state.search).toBe('iphone');
  });

  it('applies status events that arrived after the re-sync read the status', () => {
    const store = createBenchStore('websocket');
    const later = { ...READY_STATUS, simulated: true };
    store.getState().actions.synced({ name: 'Bench', contractVersion: 1 }, READY_STATUS, [], [statusEvent(later)]);
    expect(store.getState().status?.simulated).toBe(true);
  });
});
