/**
 * Device I/O in its own process: requests relayed over the port, and when the
 * process dies the window hears it, calls fail with a hint, and it comes back.
 */
import { describe, expect, it } from 'vitest';
import type { BenchEvent, BenchStatus } from '../../core/contract/index.js';
import { BenchService } from '../../electron/main/bench-service.js';
import { manualScheduler } from './host-fakes.js';
import { FakeChild, fakeChannel, type FakePort } from './electron-fakes.js';

const STATUS: BenchStatus = {
  simulated: true,
  usbmuxd: { address: 'UNIX:/tmp/sim.sock', connected: true, error: null },
  usb: { available: false, reason: 'simulated' },
  library: { available: true, hint: null },
};

function service(options: { now?: () => number } = {}) {
  const children: FakeChild[] = [];
  const ports: FakePort[] = [];
  const schedule = manualScheduler();
  const bench = new BenchService({
    fork: () => {
      const child = new FakeChild();
      children.push(child);
      return child as never;
    },
    createChannel: () => {
      const channel = fakeChannel();
      ports.push(channel.port1);
      return channel;
    },
    simulated: true,
    schedule: schedule.schedule,
    now: options.now ?? (() => 0),
  });
  const events: BenchEvent[] = [];
  bench.subscribe((event) => events.push(event));
  return { bench, children, ports, schedule, events };
}

/** Answers the status request every fresh process gets, as the device process would. */
function answerStatus(port: FakePort, status: BenchStatus = STATUS): void {
  const request = port.sent.find((message) => (message as { method?: string }).method === 'bench.status') as { id: number };
  port.deliver({ id: request.id, result: { ok: true, value: status } });
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('relaying', () => {
  it('hands the device process its port and relays requests and responses by id', async () => {
    const { bench, children, ports } = service();
    bench.start();
    expect(children[0]!.posted[0]!.transfer).toHaveLength(1);
    expect(ports[0]!.started).toBe(true);
    const answer = bench.request('devices.list', {});
    const request = ports[0]!.sent.at(-1) as { id: number; method: string };
    expect(request).toMatchObject({ method: 'devices.list', params: {} });
    ports[0]!.deliver({ id: request.id, result: { ok: true, value: [] } });
    expect(await answer).toEqual({ ok: true, value: [] });
  });

  it('passes on contract events, and drops what is not one', () => {
    const { bench, ports, events } = service();
    bench.start();
    ports[0]!.deliver({ event: 'bench.status', data: STATUS });
    ports[0]!.deliver({ event: 'devices.erased', data: {} });
    ports[0]!.deliver({ event: 'devices.changed', data: { kind: 'added', device: { id: 'incomplete' } } });
    ports[0]!.deliver('garbage');
    expect(events).toEqual([{ event: 'bench.status', data: STATUS }]);
  });
});

describe('when the device process dies', () => {
  it('fails calls in flight with a hint, and tells the window, keeping what it knew of the bench', async () => {
    const { bench, children, ports, events } = service();
    bench.start();
    answerStatus(ports[0]!);
    await flush();
    const inFlight = bench.request('devices.refresh', { id: 'ecid:1' });
    children[0]!.exit(134);
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'ServiceUnavailable', message: expect.stringContaining('exit code 134') as unknown, hint: expect.stringContaining('restarting') as unknown } });
    expect(events.at(-1)).toEqual({
      event: 'bench.status',
      data: { ...STATUS, service: { running: false, message: 'The device service stopped unexpectedly (exit code 134).', hint: expect.any(String) as unknown } },
    });
    expect(ports[0]!.closed).toBe(true);
    expect(await bench.request('devices.list', {})).toMatchObject({ ok: false, error: { code: 'ServiceUnavailable' } });
  });

  it('restarts it, and clears the error state once the new one answers', async () => {
    const { bench, children, ports, schedule, events } = service();
    bench.start();
    children[0]!.exit(1);
    schedule.runNext();
    expect(children).toHaveLength(2);
    answerStatus(ports[1]!);
    await flush();
    const last = events.at(-1);
    expect(last).toEqual({ event: 'bench.status', data: STATUS });
    expect(last?.event === 'bench.status' && last.data.service).toBeUndefined();
  });

  it('waits longer after each crash in a row, and starts over after a process that ran a while', () => {
    let now = 0;
    const { bench, children, schedule } = service({ now: () => now });
    bench.start();
    for (let i = 0; i < 4; i++) {
      children.at(-1)!.exit(1);
      schedule.runNext();
    }
    now = 60_000; // the latest process ran a minute
    children.at(-1)!.exit(1);
    expect(schedule.delays).toEqual([500, 1000, 2000, 4000, 500]);
  });

  it('ignores the exit of a process it already replaced', () => {
    const { bench, children, schedule, events } = service();
    bench.start();
    children[0]!.exit(1);
    schedule.runNext();
    const before = events.length;
    children[0]!.exit(1);
    expect(events).toHaveLength(before);
    expect(schedule.pending()).toBe(0);
  });
});

describe('stop', () => {
  it('asks the process to stop its bench (closing the port), waits for it, and does not restart it', async () => {
    const { bench, children, ports, schedule } = service();
    bench.start();
    const stopped = bench.stop();
    expect(ports[0]!.closed).toBe(true);
    children[0]!.exit(0);
    await stopped;
    expect(children[0]!.killed).toBe(false);
    expect(children).toHaveLength(1);
    expect(schedule.pending()).toBe(0); // the kill fallback was cancelled
  });

  it('kills a process that does not stop within the grace period', async () => {
    const { bench, children, schedule } = service();
    bench.start();
    const stopped = bench.stop();
    schedule.runNext(); // the grace period ran out
    expect(children[0]!.killed).toBe(true);
    children[0]!.exit(137);
    await stopped;
  });
});
