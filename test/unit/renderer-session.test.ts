import { describe, expect, it } from 'vitest';
import { startSession } from '../../renderer/api/session.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { fakeConnection } from './renderer-fakes.js';
import { READY_STATUS, added, device, removed, statusEvent, updated } from './renderer-fixtures.js';

function setup() {
  const fake = fakeConnection();
  const store = createBenchStore('websocket');
  const frames: (() => void)[] = [];
  const stop = startSession(fake.connection, 'websocket', store.getState().actions, (flush) => frames.push(flush));
  const nextFrame = () => frames.splice(0).forEach((flush) => flush());
  return { fake, store, frames, nextFrame, stop };
}

async function openAndSync(s: ReturnType<typeof setup>, devices = [device()]) {
  s.fake.link({ phase: 'open', attempt: 0 });
  await s.fake.answer('bench.hello', { contractVersion: 1, benchName: 'Bench 2' });
  await s.fake.answer('bench.status', READY_STATUS);
  await s.fake.answer('devices.list', devices);
}

describe('the session between the bench and the store', () => {
  it('says hello, reads the status and the devices, in that order, once the link opens', async () => {
    const s = setup();
    expect(s.store.getState().connection.phase).toBe('connecting');
    expect(s.fake.calls).toHaveLength(0);
    const a = device();
    await openAndSync(s, [a]);
    const state = s.store.getState();
    expect(state.connection.phase).toBe('open');
    expect(state.bench).toEqual({ name: 'Bench 2', contractVersion: 1 });
    expect(state.loaded).toBe(true);
    expect(Object.keys(state.devices)).toEqual([a.id]);
  });

  it('drops events that arrived before the list (the list includes them) and keeps later status events', async () => {
    const s = setup();
    s.fake.link({ phase: 'open', attempt: 0 });
    const early = device();
    s.fake.emit(added(early));
    s.fake.emit(statusEvent({ ...READY_STATUS, simulated: true })); // older than the status about to be read
    await s.fake.answer('bench.hello', { contractVersion: 1, benchName: 'B' });
    await s.fake.answer('bench.status', READY_STATUS);
    s.fake.emit(statusEvent({ ...READY_STATUS, usb: { available: false, reason: 'no udev rule' } })); // newer
    s.fake.emit(updated({ ...early, batteryLevel: 3 })); // reflected in the list below
    await s.fake.answer('devices.list', [early]);
    const state = s.store.getState();
    expect(state.devices[early.id]?.batteryLevel).toBe(early.batteryLevel);
    expect(state.status?.simulated).toBe(false);
    expect(state.status?.usb.available).toBe(false);
  });

  it('applies later events once per frame, as one batch', async () => {
    const s = setup();
    await openAndSync(s, []);
    const a = device();
    const b = device();
    const seen: number[] = [];
    s.store.subscribe(() => seen.push(Object.keys(s.store.getState().devices).length));
    s.fake.emit(added(a));
    s.fake.emit(added(b));
    s.fake.emit(updated({ ...a, state: 'locked' }));
    expect(s.store.getState().devices).toEqual({});
    expect(s.frames).toHaveLength(1);
    s.nextFrame();
    expect(seen).toEqual([2]);
    expect(s.store.getState().devices[a.id]?.state).toBe('locked');
  });

  it('shows the link as lost while reconnecting, keeps the devices, and re-syncs when it is back', async () => {
    const s = setup();
    const a = device();
    const b = device();
    await openAndSync(s, [a, b]);
    s.fake.link({ phase: 'lost', attempt: 1 });
    expect(s.store.getState().connection).toEqual({ transport: 'websocket', phase: 'lost', attempt: 1 });
    expect(Object.keys(s.store.getState().devices)).toHaveLength(2);
    // b was unplugged while the link was down: the fresh list no longer has it.
    await openAndSync(s, [a]);
    expect(Object.keys(s.store.getState().devices)).toEqual([a.id]);
    expect(s.store.getState().connection.phase).toBe('open');
  });

  it('discards events queued before a re-sync: the new list supersedes them', async () => {
    const s = setup();
    const a = device();
    await openAndSync(s, [a]);
    s.fake.emit(removed(a));
    s.fake.link({ phase: 'lost', attempt: 1 });
    await openAndSync(s, [a]);
    s.nextFrame();
    expect(Object.keys(s.store.getState().devices)).toEqual([a.id]);
  });

  it('refuses a bench of another contract version, saying what to do', async () => {
    const s = setup();
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.answer('bench.hello', { contractVersion: 2, benchName: 'Future bench' });
    const fatal = s.store.getState().fatal;
    expect(fatal?.code).toBe('ContractMismatch');
    expect(fatal?.hint).toMatch(/update Benchline/);
    expect(s.fake.calls).toHaveLength(0);
    expect(s.store.getState().loaded).toBe(false);
  });

  it('shows an error the bench returns (with its hint), but not a mere disconnection', async () => {
    const s = setup();
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.fail('bench.hello', 'Disconnected');
    expect(s.store.getState().fatal).toBeNull();
    s.fake.link({ phase: 'lost', attempt: 1 });
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.answer('bench.hello', { contractVersion: 1, benchName: 'B' });
    await s.fake.fail('bench.status', 'InternalError');
    expect(s.store.getState().fatal).toMatchObject({ code: 'InternalError', hint: 'InternalError hint' });
  });

  it('ignores answers to a sync the link dropped in the middle of', async () => {
    const s = setup();
    s.fake.link({ phase: 'open', attempt: 0 });
    await s.fake.answer('bench.hello', { contractVersion: 1, benchName: 'B' });
    s.fake.link({ phase: 'lost', attempt: 1 });
    await s.fake.answer('bench.status', READY_STATUS);
    expect(s.fake.calls).toHaveLength(0);
    expect(s.store.getState().loaded).toBe(false);
  });

  it('fetches the devices anew when the device service comes back after a restart', async () => {
    const s = setup();
    const a = device();
    await openAndSync(s, [a]);
    const down = { ...READY_STATUS, service: { running: false as const, message: 'The device service stopped', hint: 'It restarts by itself.' } };
    s.fake.emit(statusEvent(down));
    s.nextFrame();
    expect(s.store.getState().status?.service?.message).toBe('The device service stopped');
    expect(s.fake.calls).toHaveLength(0);
    s.fake.emit(statusEvent(READY_STATUS));
    const b = device();
    await s.fake.answer('bench.hello', { contractVersion: 1, benchName: 'B' });
    await s.fake.answer('bench.status', READY_STATUS);
    await s.fake.answer('devices.list', [b]);
    expect(Object.keys(s.store.getState().devices)).toEqual([b.id]);
    expect(s.store.getState().status?.service).toBeUndefined();
  });

  it('stops applying anything once stopped', async () => {
    const s = setup();
    await openAndSync(s, []);
    s.fake.emit(added(device()));
    s.stop();
    s.nextFrame();
    expect(s.store.getState().devices).toEqual({});
  });
});
