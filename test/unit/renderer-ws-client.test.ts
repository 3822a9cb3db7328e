import { describe, expect, it } from 'vitest';
import type { BenchEvent } from '../../core/contract/index.js';
import type { LinkStatus } from '../../renderer/api/connection.js';
import { createWsClient, type SocketHandlers, type Timers } from '../../renderer/api/ws-client.js';
import { READY_STATUS, device } from './renderer-fixtures.js';

/** A socket the test opens, feeds and closes by hand; it records what the client sent. */
class FakeSocket {
  readonly sent: { id: number; method: string; params: unknown }[] = [];
  closedByClient = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
    readonly handlers: SocketHandlers,
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as { id: number; method: string; params: unknown });
  }
  close() {
    this.closedByClient = true;
  }
  open() {
    this.handlers.open();
  }
  receive(frame: unknown) {
    this.handlers.message(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  drop() {
    this.handlers.close(1006, '');
  }
}

/** Timers that fire only when the test says so, in order of due time. */
class ManualTimers implements Timers {
  private now = 0;
  private queue: { due: number; callback: () => void; handle: number }[] = [];
  private nextHandle = 1;
  set(callback: () => void, ms: number) {
    const handle = this.nextHandle++;
    this.queue.push({ due: this.now + ms, callback, handle });
    return handle;
  }
  clear(handle: unknown) {
    this.queue = this.queue.filter((timer) => timer.handle !== handle);
  }
  /** Delays of the timers now waiting, from now. */
  pending(): number[] {
    return this.queue.map((timer) => timer.due - this.now).sort((a, b) => a - b);
  }
  advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const next = this.queue.filter((timer) => timer.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.queue = this.queue.filter((timer) => timer !== next);
      this.now = next.due;
      next.callback();
    }
    this.now = until;
  }
}

function setup(token: string | null = null) {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  const invalid: string[] = [];
  const client = createWsClient({
    url: 'ws://bench.local:8080/api',
    token,
    timers,
    createSocket: (url, protocols, handlers) => {
      const socket = new FakeSocket(url, protocols, handlers);
      sockets.push(socket);
      return socket;
    },
    onInvalidFrame: (reason) => invalid.push(reason),
  });
  const statuses: LinkStatus[] = [];
  client.onStatus((status) => statuses.push(status));
  const events: BenchEvent[] = [];
  client.subscribe((event) => events.push(event));
  const last = () => sockets[sockets.length - 1]!;
  return { client, sockets, timers, invalid, statuses, events, last };
}

describe('the WebSocket client', () => {
  it('connects to the given URL offering the API subprotocol, and the token as a second one', () => {
    expect(setup().last().protocols).toEqual(['benchline.v1']);
    const withToken = setup('s3cr3t-T0ken_abcdef');
    expect(withToken.last().url).toBe('ws://bench.local:8080/api');
    expect(withToken.last().protocols).toEqual(['benchline.v1', 'benchline.token.s3cr3t-T0ken_abcdef']);
  });

  it('sends {id, method, params} and resolves each call with the response of the same id, whatever the order', async () => {
    const { client, last } = setup();
    last().open();
    const hello = client.call('bench.hello', { contractVersion: 1 });
    const status = client.call('bench.status', {});
    const [first, second] = last().sent;
    expect(first).toEqual({ id: first!.id, method: 'bench.hello', params: { contractVersion: 1 } });
    last().receive({ id: second!.id, result: { ok: true, value: READY_STATUS } });
    last().receive({ id: first!.id, result: { ok: true, value: { contractVersion: 1, benchName: 'Bench 4' } } });
    expect(await hello).toEqual({ ok: true, value: { contractVersion: 1, benchName: 'Bench 4' } });
    expect(await status).toEqual({ ok: true, value: READY_STATUS });
  });

  it('passes on error envelopes with their hint', async () => {
    const { client, last } = setup();
    last().open();
    const call = client.call('devices.refresh', { id: 'x' });
    const error = { code: 'NotFound', message: 'No device x', hint: 'Plug it in again.' };
    last().receive({ id: last().sent[0]!.id, result: { ok: false, error } });
    expect(await call).toEqual({ ok: false, error });
  });

  it('turns a result that breaks the contract into a BadResponse error instead of passing it on', async () => {
    const { client, last } = setup();
    last().open();
    const call = client.call('devices.list', {});
    last().receive({ id: last().sent[0]!.id, result: { ok: true, value: [{ id: 'half a device' }] } });
    const result = await call;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('BadResponse');
  });

  it('delivers valid events in order and drops malformed frames, reporting them', () => {
    const { last, events, invalid } = setup();
    last().open();
    const a = device();
    last().receive({ event: 'devices.changed', data: { kind: 'added', device: a } });
    last().receive('{not json');
    last().receive({ event: 'devices.changed', data: { kind: 'added', device: { id: 'broken' } } });
    last().receive({ event: 'bench.status', data: READY_STATUS });
    last().receive({ event: 'jobs.progress', data: {} });
    expect(events.map((e) => e.event)).toEqual(['devices.changed', 'bench.status']);
    expect(invalid).toHaveLength(2);
  });

  it('answers calls made while disconnected at once with a Disconnected error', async () => {
    const { client } = setup();
    const result = await client.call('bench.status', {});
    expect(!result.ok && result.error.code).toBe('Disconnected');
  });

  it('fails calls in flight when the link drops, instead of leaving them hanging', async () => {
    const { client, last } = setup();
    last().open();
    const call = client.call('devices.list', {});
    last().drop();
    const result = await call;
    expect(!result.ok && result.error.code).toBe('Disconnected');
  });

  it('fails a call the bench never answers with a Timeout error', async () => {
    const { client, last, timers } = setup();
    last().open();
    const call = client.call('devices.list', {});
    timers.advance(20_000);
    const result = await call;
    expect(!result.ok && result.error.code).toBe('Timeout');
  });

  it('reconnects after a drop with growing delays, reports "lost" meanwhile and "open" once back', () => {
    const { last, sockets, timers, statuses } = setup();
    last().open();
    last().drop();
    expect(statuses.at(-1)).toEqual({ phase: 'lost', attempt: 1 });
    expect(timers.pending()).toEqual([250]);
    timers.advance(250);
    expect(sockets).toHaveLength(2);
    last().drop();
    expect(statuses.at(-1)).toEqual({ phase: 'lost', attempt: 2 });
    expect(timers.pending()).toEqual([500]);
    timers.advance(500);
    last().drop();
    timers.advance(1000);
    last().drop();
    timers.advance(2000);
    last().drop();
    timers.advance(4000);
    last().drop();
    expect(timers.pending()).toEqual([5000]);
    timers.advance(5000);
    last().open();
    expect(statuses.at(-1)).toEqual({ phase: 'open', attempt: 0 });
  });

  it('says "connecting", not "lost", while the bench has never been reached', () => {
    const { last, statuses, timers } = setup();
    expect(statuses).toEqual([{ phase: 'connecting', attempt: 0 }]);
    last().drop();
    timers.advance(250);
    last().drop();
    expect(statuses.map((s) => s.phase)).toEqual(['connecting', 'connecting', 'connecting']);
    expect(statuses.at(-1)?.attempt).toBe(2);
  });

  it('gives up on a socket that never opens and tries again', () => {
    const { last, sockets, timers, statuses } = setup();
    const silent = last();
    timers.advance(10_000);
    expect(silent.closedByClient).toBe(true);
    expect(statuses.at(-1)).toEqual({ phase: 'connecting', attempt: 1 });
    timers.advance(250);
    expect(sockets).toHaveLength(2);
    last().open();
    timers.advance(60_000);
    expect(statuses.at(-1)).toEqual({ phase: 'open', attempt: 0 });
  });

  it('ignores frames and closes from a socket it has already replaced', () => {
    const { last, sockets, timers, events, statuses } = setup();
    last().open();
    const old = last();
    old.drop();
    timers.advance(250);
    old.receive({ event: 'bench.status', data: READY_STATUS });
    old.drop();
    expect(events).toHaveLength(0);
    expect(sockets).toHaveLength(2);
    expect(statuses.at(-1)).toEqual({ phase: 'lost', attempt: 1 });
  });

  it('stops for good when closed: the socket is closed and nothing reconnects', () => {
    const { client, last, sockets, timers } = setup();
    last().open();
    client.close();
    expect(last().closedByClient).toBe(true);
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
  });
});
