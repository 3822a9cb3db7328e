/**
 * The Electron app, assembled from the modules Electron provides (injected,
 * so a test can hand in a mocked electron): security first, then the device
 * process, the IPC handler and the window.
 */
import { parseArgs } from 'node:util';
import type { App, BrowserWindow, ForkOptions, MessagePortMain, UtilityProcess } from 'electron';
import { BenchService } from './bench-service.js';
import { registerBenchIpc, sendBenchEvent, type IpcMainLike } from './ipc.js';
import { appLocation } from './location.js';
import { guardWebContents, installSessionSecurity, type SessionLike } from './security.js';
import { openMainWindow, type WindowConstructor } from './window.js';

export interface ElectronModules {
  app: Pick<App, 'on' | 'whenReady' | 'quit' | 'isPackaged' | 'enableSandbox' | 'requestSingleInstanceLock'>;
  BrowserWindow: WindowConstructor;
  ipcMain: IpcMainLike;
  MessageChannelMain: new () => { port1: MessagePortMain; port2: MessagePortMain };
  session: { defaultSession: SessionLike };
  utilityProcess: { fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcess };
}

export interface AppOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The build's root (dist/). */
  distDir: string;
  warn?: (line: string) => void;
}

const TITLE = 'Benchline';
const TITLE_SERVICE_DOWN = 'Benchline — device service restarting…';

/** `--simulate N` and `--seed S` from the app's command line, for the device process. */
export function benchArgsFrom(argv: readonly string[], warn: (line: string) => void = () => undefined): string[] {
  const { values } = parseArgs({ args: [...argv.slice(1)], options: { simulate: { type: 'string' }, seed: { type: 'string' } }, strict: false, allowPositionals: true });
  const args: string[] = [];
  if (typeof values.simulate === 'string') {
    const count = Number(values.simulate);
    if (Number.isInteger(count) && count >= 0 && count <= 1024) args.push('--simulate', String(count));
    else warn(`benchline: --simulate ${values.simulate} is not a number of devices (0–1024); using real USB`);
  }
  if (typeof values.seed === 'string') args.push('--seed', values.seed);
  return args;
}

export async function startBenchlineApp(electron: ElectronModules, options: AppOptions): Promise<void> {
  const { app } = electron;
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Two instances would both pair with and read the same devices.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Every renderer sandboxed, whatever a window's options say (before ready, as Electron requires).
  app.enableSandbox();
  const location = appLocation(options.distDir, { devUrl: options.env.BENCHLINE_DEV_URL, packaged: app.isPackaged });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, location));

  const benchArgs = benchArgsFrom(options.argv, warn);
  const bench = new BenchService({
    fork: () =>
      electron.utilityProcess.fork(location.benchProcess, benchArgs, {
        serviceName: 'Benchline devices',
        stdio: 'inherit',
        // libimobiledevice calls hold libuv pool threads (see bin/benchline.cjs); the size is read once, at start.
        env: { ...options.env, UV_THREADPOOL_SIZE: options.env.UV_THREADPOOL_SIZE ?? '128' },
      }),
    createChannel: () => new electron.MessageChannelMain(),
    simulated: benchArgs.includes('--simulate'),
  });

  await app.whenReady();
  installSessionSecurity(electron.session.defaultSession, location);

  const windows = new Map<number, BrowserWindow>();
  registerBenchIpc(electron.ipcMain, { location, isAppContents: (id) => windows.has(id) }, bench);
  bench.subscribe((event) => {
    for (const window of windows.values()) {
      sendBenchEvent(window.webContents, event, location);
      // Also said outside the page, in case the page itself is what failed to load.
      if (event.event === 'bench.status') window.setTitle(event.data.service ? TITLE_SERVICE_DOWN : TITLE);
    }
  });
  bench.start();

  const openWindow = (): void => {
    const window = openMainWindow(electron.BrowserWindow, location);
    const id = window.webContents.id;
    windows.set(id, window);
    window.on('closed', () => windows.delete(id));
  };
  openWindow();

  app.on('second-instance', () => {
    const [window] = windows.values();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('activate', () => {
    if (windows.size === 0) openWindow();
  });
  app.on('window-all-closed', () => app.quit());
  let benchStopped = false;
  app.on('before-quit', (event) => {
    if (benchStopped) return;
    // Let the device process stop its bench (no half-finished pairing) before the app goes.
    event.preventDefault();
    void bench.stop().finally(() => {
      benchStopped = true;
      app.quit();
    });
  });
}
