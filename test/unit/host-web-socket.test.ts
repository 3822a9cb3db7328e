/** The contract over the API socket, as a browser UI sees it. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { API_SUBPROTOCOL, apiSubprotocols, type EventFrame, type ResponseFrame } from '../../core/contract/index.js';
import { BenchHost } from '../../core/host/bench-host.js';
import { startWebServer, type WebServer } from '../../core/host/web/server.js';
import { FakeRegistry, manualTicker, record } from './host-fakes.js';

const TOKEN = 'unit_test_token_0123456789';
let server: WebServer | null = null;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = null;
});

async function serve(registry: FakeRegistry, token: string | null = null): Promise<WebServer> {
  const host = new BenchHost({ registry, simulated: true, muxAddress: 'x', benchName: 'b', statusTicker: manualTicker().ticker });
  host.start();
  server = await startWebServer({ handler: host, rendererDir: '/nonexistent', listen: '127.0.0.1', port: 0, token });
  return server;
}

function open(web: WebServer, protocols: string[] = [API_SUBPROTOCOL]): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api`, protocols, { origin: `http://127.0.0.1:${web.port}` });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Collects every frame the socket receives, and resolves a response by id. */
function frames(ws: WebSocket): { all: (ResponseFrame | EventFrame)[]; response(id: number): Promise<ResponseFrame> } {
  const all: (ResponseFrame | EventFrame)[] = [];
  const waiting = new Map<number, (frame: ResponseFrame) => void>();
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as ResponseFrame | EventFrame;
    all.push(frame);
    if ('id' in frame) waiting.get(frame.id)?.(frame);
  });
  return {
    all,
    response: (id) => {
      const arrived = all.find((frame): frame is ResponseFrame => 'id' in frame && frame.id === id);
      return arrived ? Promise.resolve(arrived) : new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
}

describe('requests and responses', () => {
  it('answers each request with a response carrying its id', async () => {
    const registry = new FakeRegistry();
    registry.records = [record({ id: 'ecid:1' })];
    const ws = await open(await serve(registry));
    const received = frames(ws);
    ws.send(JSON.stringify({ id: 7, method: 'devices.list', params: {} }));
    ws.send(JSON.stringify({ id: 8, method: 'devices.refresh', params: { id: '' } }));
    expect(await received.response(7)).toMatchObject({ id: 7, result: { ok: true, value: [{ id: 'ecid:1' }] } });
    expect(await received.response(8)).toMatchObject({ id: 8, result: { ok: false, error: { code: 'BadRequest' } } });
  });

  it('selects benchline.v1, so the token offered beside it is never echoed back', async () => {
    const ws = await open(await serve(new FakeRegistry(), TOKEN), apiSubprotocols(TOKEN));
    expect(ws.protocol).toBe(API_SUBPROTOCOL);
  });

  it('closes on a frame that is not a request (1007) or not text (1003)', async () => {
    const web = await serve(new FakeRegistry());
    const garbled = await open(web);
    const garbledClosed = closed(garbled);
    garbled.send('{not json');
    expect(await garbledClosed).toBe(1007);
    const binary = await open(web);
    const binaryClosed = closed(binary);
    binary.send(Buffer.from([1, 2, 3]));
    expect(await binaryClosed).toBe(1003);
  });
});

describe('events', () => {
  it('pushes device changes, in order with responses: a list reflects exactly the events sent before it', async () => {
    const registry = new FakeRegistry();
    const ws = await open(await serve(registry));
    const received = frames(ws);
    registry.change({ kind: 'added', record: record({ id: 'ecid:1' }) });
    ws.send(JSON.stringify({ id: 1, method: 'devices.list' }));
    const list = await received.response(1);
    registry.change({ kind: 'removed', record: record({ id: 'ecid:1', state: 'detached' }) });
    ws.send(JSON.stringify({ id: 2, method: 'devices.list' }));
    await received.response(2);
    expect(list.result).toMatchObject({ ok: true, value: [{ id: 'ecid:1' }] });
    expect(received.all.map((frame) => ('id' in frame ? `response ${frame.id}` : `${frame.event}`))).toEqual(['devices.changed', 'response 1', 'devices.changed', 'response 2']);
  });

  it('says goodbye (1001) to connected UIs when the server stops', async () => {
    const web = await serve(new FakeRegistry());
    const ws = await open(web);
    const code = closed(ws);
    await web.close();
    server = null;
    expect(await code).toBe(1001);
  });
});
