/**
 * The Electron main entry (electron/main/index.ts) run against a mocked
 * electron module: what it builds must meet the security settings, and a call
 * from the window must reach the device process and come back.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BenchStatus } from '../../core/contract/index.js';

const electron = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown;
  class Emitter {
    readonly listeners = new Map<string, Listener[]>();
    on(event: string, listener: Listener): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      return this;
    }
    once(event: string, listener: Listener): this {
      return this.on(event, listener);
    }
    emit(event: string, ...args: unknown[]): unknown[] {
      return (this.listeners.get(event) ?? []).map((listener) => listener(...args));
    }
  }
  class Port extends Emitter {
    readonly sent: unknown[] = [];
    postMessage(message: unknown): void {
      this.sent.push(message);
    }
    start(): void {}
    close(): void {}
  }
  class Child extends Emitter {
    readonly posted: unknown[] = [];
    postMessage(message: unknown): void {
      this.posted.push(message);
    }
    kill(): boolean {
      return true;
    }
  }
  class BrowserWindow extends Emitter {
    static readonly created: BrowserWindow[] = [];
    readonly webContents = { id: 11, send: vi.fn(), isDestroyed: () => false, getURL: vi.fn(() => '') };
    readonly loadFile = vi.fn(async () => undefined);
    readonly loadURL = vi.fn(async () => undefined);
    readonly setTitle = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      BrowserWindow.created.push(this);
    }
    show(): void {}
  }
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    requestSingleInstanceLock: vi.fn(() => true),
    enableSandbox: vi.fn(),
    whenReady: vi.fn(async () => undefined),
    quit: vi.fn(),
  });
  const handlers = new Map<string, Listener>();
  const ports: Port[] = [];
  const children: Child[] = [];
  const session = {
    webRequest: { onHeadersReceived: vi.fn(), onBeforeRequest: vi.fn() },
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
  };
  return {
    app,
    BrowserWindow,
    ports,
    children,
    handlers,
    session,
    ipcMain: { handle: vi.fn((channel: string, listener: Listener) => void handlers.set(channel, listener)), removeHandler: vi.fn() },
    MessageChannelMain: class {
      readonly port1 = new Port();
      readonly port2 = new Port();
      constructor() {
        ports.push(this.port1);
      }
    },
    utilityProcess: {
      fork: vi.fn((..._args: unknown[]) => {
        const child = new Child();
        children.push(child);
        return child;
      }),
    },
  };
});

vi.mock('electron', () => ({
  app: electron.app,
  BrowserWindow: electron.BrowserWindow,
  ipcMain: electron.ipcMain,
  MessageChannelMain: electron.MessageChannelMain,
  session: { defaultSession: electron.session },
  utilityProcess: electron.utilityProcess,
}));

// index.ts runs from source here, so its dist/ is the repository root.
const DIST = path.resolve(import.meta.dirname, '../..');
const APP_PAGE = pathToFileURL(path.join(DIST, 'renderer', 'index.html')).toString();
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const originalArgv = process.argv;

afterAll(() => {
  process.argv = originalArgv;
});

beforeAll(async () => {
  process.argv = [process.argv[0]!, '.', '--simulate', '8', '--seed', 'demo'];
  await import('../../electron/main/index.js');
  await flush();
});

describe('before any window', () => {
  it('sandboxes every renderer and holds the single-instance lock', () => {
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled();
  });

  it('installs the CSP, the remote-content block and the permission refusals on the session', () => {
    expect(electron.session.webRequest.onHeadersReceived).toHaveBeenCalledTimes(1);
    expect(electron.session.webRequest.onBeforeRequest).toHaveBeenCalledTimes(1);
    expect(electron.session.setPermissionRequestHandler).toHaveBeenCalledTimes(1);
    expect(electron.session.setPermissionCheckHandler).toHaveBeenCalledTimes(1);
  });

  it('guards every web contents created: navigation away prevented, window.open denied', () => {
    let openHandler: (() => unknown) | undefined;
    const contents = Object.assign(new (electron.BrowserWindow as unknown as { new (o: object): { on: (e: string, l: (...a: unknown[]) => unknown) => unknown; emit: (e: string, ...a: unknown[]) => unknown } })({}), {
      setWindowOpenHandler: (handler: () => unknown) => void (openHandler = handler),
    });
    electron.BrowserWindow.created.pop(); // not a real window
    electron.app.emit('web-contents-created', {}, contents);
    let prevented = false;
    contents.emit('will-navigate', { url: 'https://evil.example/', preventDefault: () => void (prevented = true) });
    expect(prevented).toBe(true);
    expect(openHandler?.()).toEqual({ action: 'deny' });
  });
});

describe('the window', () => {
  it('meets the security settings and loads the built renderer from disk', () => {
    expect(electron.BrowserWindow.created).toHaveLength(1);
    const [window] = electron.BrowserWindow.created;
    expect(window!.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, preload: path.join(DIST, 'electron', 'preload.cjs') });
    expect(window!.loadFile).toHaveBeenCalledWith(path.join(DIST, 'renderer', 'index.html'));
    expect(window!.loadURL).not.toHaveBeenCalled();
  });
});

describe('the device process', () => {
  it('is a utility process with the simulate options and a big libuv pool', () => {
    const [modulePath, args, options] = electron.utilityProcess.fork.mock.calls[0]! as [string, string[], { env: NodeJS.ProcessEnv }];
    expect(modulePath).toBe(path.join(DIST, 'electron', 'bench-process.js'));
    expect(args).toEqual(['--simulate', '8', '--seed', 'demo']);
    expect(options.env.UV_THREADPOOL_SIZE).toBeDefined();
  });

  it('answers a call from the window, relayed over its port', async () => {
    const invoke = electron.handlers.get('benchline:call')!;
    const [window] = electron.BrowserWindow.created;
    const event = { senderFrame: { url: APP_PAGE, parent: null }, sender: { id: window!.webContents.id } };
    const answer = invoke(event, 'devices.list', {}) as Promise<unknown>;
    const port = electron.ports[0]!;
    const request = port.sent.at(-1) as { id: number; method: string };
    expect(request.method).toBe('devices.list');
    port.emit('message', { data: { id: request.id, result: { ok: true, value: [] } }, ports: [] });
    expect(await answer).toEqual({ ok: true, value: [] });
  });

  it('refuses a call from anything but the app page', async () => {
    const invoke = electron.handlers.get('benchline:call')!;
    const sent = electron.ports[0]!.sent.length;
    expect(await invoke({ senderFrame: { url: 'https://evil.example/', parent: null }, sender: { id: 11 } }, 'devices.list', {})).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(electron.ports[0]!.sent).toHaveLength(sent);
  });

  it('dying shows an error state in the window, as an event to the page and in the title', () => {
    const [window] = electron.BrowserWindow.created;
    window!.webContents.getURL.mockReturnValue(APP_PAGE);
    electron.children[0]!.emit('exit', 139);
    const [channel, event] = window!.webContents.send.mock.calls.at(-1)! as [string, { event: string; data: BenchStatus }];
    expect(channel).toBe('benchline:event');
    expect(event.event).toBe('bench.status');
    expect(event.data.simulated).toBe(true);
    expect(event.data.service).toMatchObject({ running: false, message: expect.stringContaining('exit code 139') as unknown });
    expect(window!.setTitle).toHaveBeenLastCalledWith('Benchline — device service restarting…');
  });
});
