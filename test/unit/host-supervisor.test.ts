/**
 * A hosted bench started while usbmuxd is down: the UI is told so (not a
 * dead page), and the devices appear once usbmuxd runs, without a restart.
 */
import { describe, expect, it } from 'vitest';
import type { BenchEvent } from '../../core/contract/index.js';
import { UsbmuxdUnavailableError } from '../../core/devices/errors.js';
import { BenchHost } from '../../core/host/bench-host.js';
import { openHostedBench } from '../../core/host/open.js';
import { SupervisedRegistry, type OpenedBench } from '../../core/host/supervisor.js';
import { FakeRegistry, manualScheduler, manualTicker, record } from './host-fakes.js';

/** Lets the promise chains of a retry (open, then the next schedule) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function benchOf(registry: FakeRegistry, stops: string[] = []): OpenedBench {
  return { registry, muxAddress: 'UNIX:/tmp/mux.sock', stop: async () => void stops.push('stopped') };
}

describe('a bench whose usbmuxd is not running yet', () => {
  it('reports usbmuxd disconnected with the reason, and an empty bench', async () => {
    const hosted = await openHostedBench({
      open: async () => {
        throw new UsbmuxdUnavailableError('UNIX:/var/run/usbmuxd', new Error('ENOENT'));
      },
      hostOptions: { statusTicker: manualTicker().ticker },
    });
    const status = await hosted.host.call('bench.status', {});
    expect(status).toMatchObject({ ok: true, value: { usbmuxd: { connected: false, error: expect.stringContaining('Cannot reach usbmuxd') as unknown } } });
    expect(await hosted.host.call('devices.list', {})).toEqual({ ok: true, value: [] });
    await hosted.stop();
  });

  it('shows the devices and a connected usbmuxd once it starts, without a restart', async () => {
    const schedule = manualScheduler();
    const clock = manualTicker();
    const present = new FakeRegistry();
    present.records = [record({ id: 'ecid:1' }), record({ id: 'ecid:2' })];
    let attempts = 0;
    const registry = new SupervisedRegistry({
      open: async () => {
        attempts += 1;
        if (attempts < 3) throw new UsbmuxdUnavailableError('UNIX:/var/run/usbmuxd');
        return benchOf(present);
      },
      muxAddress: 'UNIX:/var/run/usbmuxd',
      schedule: schedule.schedule,
    });
    const host = new BenchHost({ registry, simulated: false, muxAddress: () => registry.muxAddress, benchName: 'b', statusTicker: clock.ticker });
    const events: BenchEvent[] = [];
    host.subscribe((event) => events.push(event));
    host.start();
    await registry.start();
    // Two retries while usbmuxd is still down, the third finds it.
    schedule.runNext();
    await settle();
    schedule.runNext();
    await settle();
    clock.tick();
    expect(attempts).toBe(3);
    expect(events.filter((event) => event.event === 'devices.changed').map((event) => event.event === 'devices.changed' && `${event.data.kind}:${event.data.device.id}`)).toEqual([
      'added:ecid:1',
      'added:ecid:2',
    ]);
    expect(events.filter((event) => event.event === 'bench.status').at(-1)).toMatchObject({ data: { usbmuxd: { address: 'UNIX:/tmp/mux.sock', connected: true } } });
    // Later changes of the real registry flow through.
    present.change({ kind: 'removed', record: record({ id: 'ecid:1', state: 'detached' }) });
    expect(events.at(-1)).toMatchObject({ event: 'devices.changed', data: { kind: 'removed', device: { id: 'ecid:1' } } });
    host.stop();
    await registry.stop();
  });

  it('retries with growing delays, capped', async () => {
    const schedule = manualScheduler();
    const registry = new SupervisedRegistry({
      open: async () => {
        throw new UsbmuxdUnavailableError('UNIX:/var/run/usbmuxd');
      },
      muxAddress: 'UNIX:/var/run/usbmuxd',
      schedule: schedule.schedule,
      retryMinMs: 500,
      retryMaxMs: 4000,
    });
    await registry.start();
    for (let i = 0; i < 5; i++) {
      schedule.runNext();
      await settle();
    }
    expect(schedule.delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    await registry.stop();
    expect(schedule.pending()).toBe(0);
  });

  it('fails at once for anything retrying cannot fix', async () => {
    const schedule = manualScheduler();
    const registry = new SupervisedRegistry({
      open: async () => {
        throw new Error('simulator could not create its socket');
      },
      muxAddress: 'UNIX:/var/run/usbmuxd',
      schedule: schedule.schedule,
    });
    await expect(registry.start()).rejects.toThrow('simulator could not create its socket');
    expect(schedule.pending()).toBe(0);
  });

  it('stops the bench it opened when stopped', async () => {
    const stops: string[] = [];
    const registry = new SupervisedRegistry({ open: async () => benchOf(new FakeRegistry(), stops), muxAddress: 'x', schedule: manualScheduler().schedule });
    await registry.start();
    await registry.stop();
    expect(stops).toEqual(['stopped']);
  });
});
