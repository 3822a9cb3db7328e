import { describe, expect, it } from 'vitest';
import type { BenchApi } from '../../core/contract/index.js';
import { alwaysOpen } from '../../renderer/api/connection.js';
import { apiUrl, mockDeviceCount, tokenFromHash } from '../../renderer/api/location.js';
import { chooseTransport } from '../../renderer/api/transport.js';
import { reconnectDelay } from '../../renderer/api/backoff.js';

const page = (url: string) => {
  const u = new URL(url);
  return { protocol: u.protocol, host: u.host, hash: u.hash, search: u.search };
};

const fakeApi: BenchApi = {
  call: () => Promise.resolve({ ok: true, value: { contractVersion: 1, benchName: 'x' } as never }),
  subscribe: () => () => {},
};

describe('finding the bench from the page address', () => {
  it('uses the API on the page origin, wss: for https: pages', () => {
    expect(apiUrl(page('http://127.0.0.1:8080/'))).toBe('ws://127.0.0.1:8080/api');
    expect(apiUrl(page('https://bench.example:8443/index.html'))).toBe('wss://bench.example:8443/api');
  });

  it('takes the token from #token=…, and only a well-formed one', () => {
    expect(tokenFromHash('#token=AbC-123_xyz-456_QRS')).toBe('AbC-123_xyz-456_QRS');
    expect(tokenFromHash('#view=table&token=AbCdEfGhIjKlMnOp')).toBe('AbCdEfGhIjKlMnOp');
    expect(tokenFromHash('')).toBeNull();
    expect(tokenFromHash('#token=')).toBeNull();
    expect(tokenFromHash('#token=has space in it, too long')).toBeNull();
  });

  it('prefers the Electron preload, then the dev mock when allowed, then the WebSocket', () => {
    expect(chooseTransport(fakeApi, page('http://x/?mock=8'), true).kind).toBe('electron');
    expect(chooseTransport(undefined, page('http://x/?mock=12'), true)).toEqual({ kind: 'mock', devices: 12 });
    expect(chooseTransport(undefined, page('http://x:1/?mock=12#token=T0k3n-0123456789'), false)).toEqual({ kind: 'websocket', url: 'ws://x:1/api', token: 'T0k3n-0123456789' });
    // Something else on window.benchline is not trusted as the API.
    expect(chooseTransport({ call: 'nope' }, page('http://x/'), false).kind).toBe('websocket');
  });

  it('reads ?mock=N within bounds', () => {
    expect(mockDeviceCount('?mock=60')).toBe(60);
    expect(mockDeviceCount('?mock')).toBe(8);
    expect(mockDeviceCount('?mock=-1')).toBeNull();
    expect(mockDeviceCount('')).toBeNull();
  });
});

describe('reconnecting', () => {
  it('retries quickly at first, then backs off to at most 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => reconnectDelay(attempt))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('treats an in-process API (Electron) as always connected', () => {
    const statuses: string[] = [];
    alwaysOpen(fakeApi).onStatus((status) => statuses.push(status.phase));
    expect(statuses).toEqual(['open']);
  });
});
