/**
 * `benchline serve --listen 0.0.0.0`: beyond loopback, nothing without the
 * access token. Every connection here goes to 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSubprotocols } from '../../core/contract/index.js';
import { benchline } from '../support/processes.js';
import { connectApi, connected, startServe, type ServeProcess } from './serve-process.js';

let serve: ServeProcess;
let token: string;

beforeAll(async () => {
  serve = await startServe(['--listen', '0.0.0.0', '--simulate', '2', '--seed', 'serve-token']);
  token = serve.token ?? '';
});

afterAll(async () => {
  await serve?.stop();
});

describe('a generated token', () => {
  it('is printed at start, in the URL fragment and on its own', async () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}/#token=${token}`);
    expect(serve.stdout).toContain(`Access token: ${token}`);
    expect(await serve.untilStderr('Listening on 0.0.0.0')).toContain('anyone who can reach this machine and has the token');
  });
});

describe('the API upgrade', () => {
  it('is refused with 401 without a token', async () => {
    expect(await connectApi(serve.port)).toEqual({ ok: false, status: 401 });
  });

  it('is refused with 401 with a wrong token, as subprotocol or query parameter', async () => {
    expect(await connectApi(serve.port, { protocols: apiSubprotocols(`${token.slice(1)}x`) })).toEqual({ ok: false, status: 401 });
    expect(await connectApi(serve.port, { query: '?token=guessed_guessed_guessed' })).toEqual({ ok: false, status: 401 });
  });

  it('works with the token as subprotocol (what the renderer sends)', async () => {
    const client = await connected(serve.port, { protocols: apiSubprotocols(token) });
    expect(client.ws.protocol).toBe('benchline.v1');
    const list = await client.call('devices.list');
    expect(list.ok && Array.isArray(list.value) ? list.value.length : -1).toBe(2);
    client.close();
  });

  it('works with the token as query parameter', async () => {
    const client = await connected(serve.port, { query: `?token=${token}` });
    expect((await client.call('bench.status')).ok).toBe(true);
    client.close();
  });

  it('still checks Origin when the token is right (403)', async () => {
    expect(await connectApi(serve.port, { protocols: apiSubprotocols(token), origin: 'http://evil.example' })).toEqual({ ok: false, status: 403 });
  });
});

describe('a given token', () => {
  it('is required on loopback too once set, and never printed', async () => {
    const given = 'given_token_given_token_1';
    const tokened = await startServe(['--token', given, '--simulate', '1']);
    try {
      expect(tokened.url).toBe(`http://127.0.0.1:${tokened.port}/#token=${given}`);
      expect(tokened.stdout.some((line) => line.startsWith('Access token:'))).toBe(false);
      expect(await connectApi(tokened.port)).toEqual({ ok: false, status: 401 });
      const client = await connected(tokened.port, { protocols: apiSubprotocols(given) });
      client.close();
    } finally {
      expect(await tokened.stop('SIGINT')).toBe(0);
    }
  });

  it('must look like a token (usage error, exit 2)', async () => {
    const result = await benchline(['serve', '--token', 'short']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--token must be 16–256 characters');
  });
});
