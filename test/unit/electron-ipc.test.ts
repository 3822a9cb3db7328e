/** The bench over IPC: only the app's own page may call, and only with arguments the contract accepts. */
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../core/contract/index.js';
import { IPC_CHANNELS } from '../../electron/ipc-channels.js';
import { registerBenchIpc } from '../../electron/main/ipc.js';
import { appLocation } from '../../electron/main/location.js';
import { FakeIpcMain, type SenderSpec } from './electron-fakes.js';

const location = appLocation('/opt/benchline/dist', { packaged: true });
const APP_PAGE = pathToFileURL(location.rendererIndex).toString();
const WINDOW_ID = 7;

function wired(): { ipc: FakeIpcMain; relayed: [unknown, unknown][] } {
  const ipc = new FakeIpcMain();
  const relayed: [unknown, unknown][] = [];
  const bench = {
    request: vi.fn(async (method: unknown, params: unknown): Promise<Envelope<unknown>> => {
      relayed.push([method, params]);
      return { ok: true, value: [] };
    }),
  };
  registerBenchIpc(ipc, { location, isAppContents: (id) => id === WINDOW_ID }, bench);
  return { ipc, relayed };
}

const appSender: SenderSpec = { url: `${APP_PAGE}#/table`, contentsId: WINDOW_ID };

describe('a call from the app window', () => {
  it('is relayed to the device process with the validated parameters', async () => {
    const { ipc, relayed } = wired();
    expect(await ipc.invoke(IPC_CHANNELS.call, appSender, 'devices.refresh', { id: 'ecid:1', extra: 'dropped' })).toEqual({ ok: true, value: [] });
    expect(relayed).toEqual([['devices.refresh', { id: 'ecid:1' }]]);
  });
});

describe('bad arguments', () => {
  it.each([
    ['an unknown method', ['devices.erase', {}], 'UnknownMethod'],
    ['a method that is not a string', [{ method: 'devices.list' }, {}], 'UnknownMethod'],
    ['no arguments at all', [], 'UnknownMethod'],
    ['parameters of the wrong type', ['devices.refresh', { id: 42 }], 'BadRequest'],
    ['missing parameters', ['devices.refresh', {}], 'BadRequest'],
    ['parameters that are not an object', ['bench.hello', 'v1'], 'BadRequest'],
  ])('%s: refused in main with %s, never relayed', async (_name, args, code) => {
    const { ipc, relayed } = wired();
    expect(await ipc.invoke(IPC_CHANNELS.call, appSender, ...args)).toMatchObject({ ok: false, error: { code } });
    expect(relayed).toEqual([]);
  });
});

describe('untrusted senders', () => {
  it.each<[string, SenderSpec]>([
    ['a remote page', { url: 'https://evil.example/', contentsId: WINDOW_ID }],
    ['another local file', { url: pathToFileURL('/tmp/evil.html').toString(), contentsId: WINDOW_ID }],
    ['a file next to the app page', { url: pathToFileURL('/opt/benchline/dist/renderer/other.html').toString(), contentsId: WINDOW_ID }],
    ['an iframe inside the app page', { url: APP_PAGE, contentsId: WINDOW_ID, subframe: true }],
    ['a frame that navigated away', { url: APP_PAGE, contentsId: WINDOW_ID, gone: true }],
    ['the app page in a window the app did not open', { url: APP_PAGE, contentsId: 99 }],
    ['a dev server URL in a packaged app', { url: 'http://localhost:5173/', contentsId: WINDOW_ID }],
  ])('%s: refused with Forbidden before its arguments are looked at', async (_name, sender) => {
    const { ipc, relayed } = wired();
    expect(await ipc.invoke(IPC_CHANNELS.call, sender, 'devices.list', {})).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(relayed).toEqual([]);
  });

  it('a dev server on loopback is trusted only in an unpackaged app', async () => {
    const dev = appLocation('/opt/benchline/dist', { packaged: false, devUrl: 'http://localhost:5173' });
    const remoteDev = appLocation('/opt/benchline/dist', { packaged: false, devUrl: 'http://192.168.1.9:5173' });
    expect(dev.devOrigin).toBe('http://localhost:5173');
    expect(remoteDev.devOrigin).toBeNull();
  });
});

describe('registration', () => {
  it('can be undone', () => {
    const ipc = new FakeIpcMain();
    const unregister = registerBenchIpc(ipc, { location, isAppContents: () => true }, { request: async () => ({ ok: true, value: null }) });
    expect(ipc.handlers.has(IPC_CHANNELS.call)).toBe(true);
    unregister();
    expect(ipc.handlers.has(IPC_CHANNELS.call)).toBe(false);
  });
});
