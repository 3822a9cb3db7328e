/** The main window: options that meet the security settings, and loading only the app's own page. */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import type { AppLocation } from './location.js';

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export function mainWindowOptions(location: AppLocation): BrowserWindowConstructorOptions {
  return {
    title: 'Benchline',
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    // Shown once painted, so the technician never sees a white flash.
    show: false,
    webPreferences: secureWebPreferences(location.preload),
  };
}

export type WindowConstructor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export function openMainWindow(Window: WindowConstructor, location: AppLocation): BrowserWindow {
  const window = new Window(mainWindowOptions(location));
  window.once('ready-to-show', () => window.show());
  if (location.devOrigin) void window.loadURL(`${location.devOrigin}/`);
  else void window.loadFile(location.rendererIndex);
  return window;
}
