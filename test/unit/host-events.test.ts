/** What a subscribed UI hears: device changes as they happen, and the bench status whenever it changes (only then). */
import { describe, expect, it } from 'vitest';
import type { BenchEvent } from '../../core/contract/index.js';
import { NativeLibraryMissingError } from '../../core/devices/errors.js';
import { BenchHost } from '../../core/host/bench-host.js';
import { FakeRegistry, manualTicker, record } from './host-fakes.js';

function started(registry: FakeRegistry, errors: unknown[] = []): { host: BenchHost; events: BenchEvent[]; tick(): void; ticking(): boolean } {
  const clock = manualTicker();
  const host = new BenchHost({ registry, simulated: false, muxAddress: 'UNIX:/var/run/usbmuxd', benchName: 'b', statusTicker: clock.ticker, onListenerError: (e) => errors.push(e) });
  const events: BenchEvent[] = [];
  host.subscribe((event) => events.push(event));
  host.start();
  return { host, events, tick: clock.tick, ticking: clock.running };
}

const statusEvents = (events: BenchEvent[]) => events.filter((event) => event.event === 'bench.status').map((event) => event.data);

describe('devices.changed', () => {
  it('relays attach, state change and detach in order', () => {
    const registry = new FakeRegistry();
    const { events } = started(registry);
    registry.change({ kind: 'added', record: record({ id: 'udid:A', state: 'reading' }) });
    registry.change({ kind: 'updated', record: record({ id: 'udid:A', state: 'locked' }) });
    registry.change({ kind: 'removed', record: record({ id: 'udid:A', state: 'detached' }) });
    expect(events.map((event) => (event.event === 'devices.changed' ? `${event.data.kind}:${event.data.device.state}` : event.event))).toEqual([
      'added:reading',
      'updated:locked',
      'removed:detached',
    ]);
  });

  it('carries previousId when a record was re-keyed (its ECID became known)', () => {
    const registry = new FakeRegistry();
    const { events } = started(registry);
    registry.change({ kind: 'updated', record: record({ id: 'ecid:9' }), previousId: 'udid:A' });
    expect(events).toEqual([{ event: 'devices.changed', data: { kind: 'updated', device: record({ id: 'ecid:9' }), previousId: 'udid:A' } }]);
  });

  it('stops relaying after unsubscribe, and after stop()', () => {
    const registry = new FakeRegistry();
    const { host, events } = started(registry);
    const late: BenchEvent[] = [];
    const unsubscribe = host.subscribe((event) => late.push(event));
    unsubscribe();
    registry.change({ kind: 'added', record: record() });
    expect(late).toEqual([]);
    host.stop();
    registry.change({ kind: 'removed', record: record() });
    expect(events).toHaveLength(1);
    expect(registry.listenerCount).toBe(0);
  });

  it('keeps serving other subscribers when one of them throws', () => {
    const registry = new FakeRegistry();
    const errors: unknown[] = [];
    const { host, events } = started(registry, errors);
    host.subscribe(() => {
      throw new Error('socket gone');
    });
    const after: BenchEvent[] = [];
    host.subscribe((event) => after.push(event));
    registry.change({ kind: 'added', record: record() });
    expect(events).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(errors).toEqual([new Error('socket gone')]);
  });
});

describe('bench.status events', () => {
  it('announce usbmuxd going away once, and coming back once', () => {
    const registry = new FakeRegistry();
    const { events, tick } = started(registry);
    tick();
    expect(events).toEqual([]); // nothing changed, nothing said
    registry.muxStatus = { connected: false, error: 'usbmuxd closed the connection' };
    tick();
    tick();
    registry.muxStatus = { connected: true, error: null };
    tick();
    expect(statusEvents(events).map((status) => status.usbmuxd)).toEqual([
      { address: 'UNIX:/var/run/usbmuxd', connected: false, error: 'usbmuxd closed the connection' },
      { address: 'UNIX:/var/run/usbmuxd', connected: true, error: null },
    ]);
  });

  it('announce USB becoming unavailable with the reason to show', () => {
    const registry = new FakeRegistry();
    const { events, tick } = started(registry);
    registry.usbStatus = { available: false, reason: 'USB unavailable: permission denied (add a udev rule)' };
    tick();
    expect(statusEvents(events).map((status) => status.usb)).toEqual([{ available: false, reason: 'USB unavailable: permission denied (add a udev rule)' }]);
  });

  it('mark libimobiledevice missing when a device read fails for lack of it, with the install hint, even after the device leaves', () => {
    const registry = new FakeRegistry();
    const { host, events } = started(registry);
    const missing = new NativeLibraryMissingError('libimobiledevice-1.0.so.6', 'libimobiledevice6');
    const failed = record({ id: 'udid:A', state: 'error', errorCode: missing.code, errorMessage: missing.message, instruction: missing.instruction });
    registry.change({ kind: 'updated', record: failed });
    registry.change({ kind: 'removed', record: { ...failed, state: 'detached' } });
    expect(statusEvents(events).map((status) => status.library)).toEqual([{ available: false, hint: 'Install it: sudo apt-get install -y libimobiledevice6 (or run "npm run setup").' }]);
    expect(host.status().library.available).toBe(false);
  });

  it('see a library failure already on the bench when the host starts', () => {
    const registry = new FakeRegistry();
    registry.records = [record({ state: 'error', errorCode: 'LibraryMissing', instruction: 'Install it' })];
    const { host, events } = started(registry);
    expect(host.status().library).toEqual({ available: false, hint: 'Install it' });
    expect(events).toEqual([]);
  });

  it('stop being checked once the host stops', () => {
    const registry = new FakeRegistry();
    const { host, ticking } = started(registry);
    expect(ticking()).toBe(true);
    host.stop();
    expect(ticking()).toBe(false);
  });
});
