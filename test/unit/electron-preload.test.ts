/** The preload gives the page the contract and nothing else: `window.benchline` with call and subscribe. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { BenchApi, BenchEvent } from '../../core/contract/index.js';

const electron = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  return {
    exposed,
    listeners,
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => void exposed.set(key, api)) },
    ipcRenderer: {
      invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, value: [] })),
      on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => void listeners.set(channel, [...(listeners.get(channel) ?? []), listener])),
      removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) => void listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener))),
    },
  };
});

vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer }));

let api: BenchApi;

beforeAll(async () => {
  await import('../../electron/preload.js');
  api = electron.exposed.get('benchline') as BenchApi;
});

describe('window.benchline', () => {
  it('is the only thing exposed, with exactly call and subscribe', () => {
    expect([...electron.exposed.keys()]).toEqual(['benchline']);
    expect(Object.keys(api).sort()).toEqual(['call', 'subscribe']);
  });

  it('call goes to main over the one invoke channel', async () => {
    expect(await api.call('devices.list', {})).toEqual({ ok: true, value: [] });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('benchline:call', 'devices.list', {});
  });

  it('subscribe hands the page the event data only, never the IPC event (with its sender), and unsubscribes', () => {
    const received: BenchEvent[] = [];
    const unsubscribe = api.subscribe((event) => received.push(event));
    const event: BenchEvent = { event: 'bench.status', data: { simulated: true, usbmuxd: { address: 'x', connected: true, error: null }, usb: { available: true, reason: null }, library: { available: true, hint: null } } };
    for (const listener of electron.listeners.get('benchline:event') ?? []) listener({ sender: 'ipc internals' }, event);
    expect(received).toEqual([event]);
    unsubscribe();
    expect(electron.listeners.get('benchline:event')).toEqual([]);
  });
});
