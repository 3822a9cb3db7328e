/** `benchline serve --simulate 3` as a browser UI meets it: the page, the API socket, and what it refuses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, DeviceSchema, type Device } from '../../core/contract/index.js';
import { connectApi, connected, rawGet, startServe, type ApiClient, type ServeProcess } from './serve-process.js';

let serve: ServeProcess;
let client: ApiClient;

beforeAll(async () => {
  serve = await startServe(['--simulate', '3', '--seed', 'serve-api']);
  client = await connected(serve.port);
});

afterAll(async () => {
  client?.close();
  await serve?.stop();
});

describe('start', () => {
  it('prints the loopback URL, with no token on loopback', async () => {
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}/`);
    expect(serve.stdout[0]).toBe(`Benchline: http://127.0.0.1:${serve.port}/`);
    expect(serve.token).toBeNull();
    expect(await serve.untilStderr('Simulated devices')).toContain('Simulated devices (3, seed serve-api): not real hardware.');
  });
});

describe('the API over WebSocket', () => {
  it('greets a UI of the same contract version', async () => {
    expect(await client.call('bench.hello', { contractVersion: CONTRACT_VERSION })).toMatchObject({ ok: true, value: { contractVersion: CONTRACT_VERSION } });
  });

  it('lists the 3 simulated devices, each a valid contract Device', async () => {
    const result = await client.call('devices.list');
    expect(result.ok).toBe(true);
    const devices = (result as { ok: true; value: Device[] }).value;
    expect(devices).toHaveLength(3);
    expect(new Set(devices.map((device) => device.udid)).size).toBe(3);
    for (const device of devices) expect(DeviceSchema.safeParse(device).success).toBe(true);
  });

  it('says the bench is simulated', async () => {
    expect(await client.call('bench.status')).toMatchObject({ ok: true, value: { simulated: true, usbmuxd: { connected: true } } });
  });

  it('answers bad requests with envelopes, not by dropping the connection', async () => {
    expect(await client.call('devices.refresh', { id: 42 })).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(await client.call('devices.erase')).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });
    expect((await client.call('devices.list')).ok).toBe(true);
  });
});

describe('what the API socket refuses', () => {
  it('another origin, with 403', async () => {
    expect(await connectApi(serve.port, { origin: 'http://evil.example' })).toEqual({ ok: false, status: 403 });
    expect(await connectApi(serve.port, { origin: `http://127.0.0.1:${serve.port + 1}` })).toEqual({ ok: false, status: 403 });
  });

  it('a client that sends no Origin, with 403', async () => {
    expect(await connectApi(serve.port, { origin: null })).toEqual({ ok: false, status: 403 });
  });
});

describe('the page', () => {
  it('is served with the strict security headers', async () => {
    const page = await rawGet(serve.port, '/');
    // 200 with the built renderer, 503 with "run npm run build" before it is built.
    expect([200, 503]).toContain(page.status);
    if (page.status === 503) expect(page.body).toContain('npm run build');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*connect-src 'self' ws: wss:.*frame-ancestors 'none'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it.each([
    '/../package.json',
    '/../../package.json',
    '/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/package.json',
    '/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%5c..%5cpackage.json',
    '/../core/cli/main.js',
    '/%2e%2e/core/cli/main.js',
  ])('never leaves dist/renderer: %s → 404', async (rawPath) => {
    const answer = await rawGet(serve.port, rawPath);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('"name": "benchline"');
    expect(answer.body).not.toContain('registerServe');
  });
});

describe('stop', () => {
  it('stops cleanly on SIGTERM (exit 0), closing the UI connections with 1001', async () => {
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code: number) => resolve(code)));
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(await closed).toBe(1001);
  });
});
