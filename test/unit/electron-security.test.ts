/** The window stays on the app: no navigation away, no new windows, no webviews, no remote requests, no permissions, a strict CSP. */
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { appLocation } from '../../electron/main/location.js';
import { appContentSecurityPolicy, guardWebContents, installSessionSecurity, withSecurityHeaders, type SessionLike } from '../../electron/main/security.js';
import { mainWindowOptions } from '../../electron/main/window.js';
import { Emitter, navigation } from './electron-fakes.js';

const location = appLocation('/opt/benchline/dist', { packaged: true });
const APP_PAGE = pathToFileURL(location.rendererIndex).toString();

function guarded(): { contents: Emitter; openHandler: () => unknown } {
  const contents = new Emitter();
  let openHandler: () => unknown = () => undefined;
  const fake = Object.assign(contents, { setWindowOpenHandler: (handler: () => unknown) => void (openHandler = handler) });
  guardWebContents(fake as unknown as Pick<WebContents, 'on' | 'setWindowOpenHandler'>, location);
  return { contents, openHandler: () => openHandler() };
}

describe('navigation', () => {
  it.each(['https://evil.example/', 'http://127.0.0.1:8080/', pathToFileURL('/etc/passwd').toString(), 'javascript:alert(1)', 'about:blank'])(
    'away from the app (%s) is prevented, for the page, its frames and redirects',
    (url) => {
      const { contents } = guarded();
      for (const kind of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
        const event = navigation(url);
        contents.emit(kind, event);
        expect(event.prevented(), kind).toBe(true);
      }
    },
  );

  it('within the app page (a reload, a hash route) is allowed', () => {
    const { contents } = guarded();
    const event = navigation(`${APP_PAGE}#/devices`);
    contents.emit('will-navigate', event);
    expect(event.prevented()).toBe(false);
  });

  it('window.open and target=_blank are denied', () => {
    expect(guarded().openHandler()).toEqual({ action: 'deny' });
  });

  it('a <webview> is never attached', () => {
    const { contents } = guarded();
    const event = navigation('');
    contents.emit('will-attach-webview', event);
    expect(event.prevented()).toBe(true);
  });
});

function securedSession(devUrl?: string) {
  const session = {
    webRequest: { onHeadersReceived: vi.fn(), onBeforeRequest: vi.fn() },
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
  };
  const where = devUrl ? appLocation('/opt/benchline/dist', { packaged: false, devUrl }) : location;
  installSessionSecurity(session as unknown as SessionLike, where);
  const headers = session.webRequest.onHeadersReceived.mock.calls[0]![0] as (details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void;
  const requests = session.webRequest.onBeforeRequest.mock.calls[0]![0] as (details: { url: string }, cb: (r: { cancel?: boolean }) => void) => void;
  const permission = session.setPermissionRequestHandler.mock.calls[0]![0] as (wc: unknown, permission: string, cb: (granted: boolean) => void) => void;
  const check = session.setPermissionCheckHandler.mock.calls[0]![0] as (...args: unknown[]) => boolean;
  return {
    responseHeaders: (incoming?: Record<string, string[]>) => {
      let result: unknown;
      headers({ responseHeaders: incoming }, (response) => (result = response));
      return (result as { responseHeaders: Record<string, string[]> }).responseHeaders;
    },
    cancelled: (url: string) => {
      let result: { cancel?: boolean } = {};
      requests({ url }, (response) => (result = response));
      return result.cancel === true;
    },
    granted: (name: string) => {
      let granted: boolean | undefined;
      permission({}, name, (value) => (granted = value));
      return granted;
    },
    check,
  };
}

describe('the session', () => {
  it('puts a strict CSP on every response, replacing whatever the response carried', () => {
    const headers = securedSession().responseHeaders({ 'content-security-policy': ["default-src *; script-src 'unsafe-inline'"], 'Content-Type': ['text/html'] });
    expect(headers['Content-Security-Policy']).toEqual([appContentSecurityPolicy(location)]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
    expect(headers['X-Content-Type-Options']).toEqual(['nosniff']);
    expect(appContentSecurityPolicy(location)).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('loads nothing remote, only the app files', () => {
    const session = securedSession();
    expect(session.cancelled(APP_PAGE)).toBe(false);
    expect(session.cancelled(pathToFileURL('/opt/benchline/dist/renderer/assets/index.js').toString())).toBe(false);
    expect(session.cancelled('data:image/png;base64,AAAA')).toBe(false);
    for (const url of ['https://cdn.example/lib.js', 'http://localhost:5173/', 'wss://evil.example/', pathToFileURL('/etc/passwd').toString(), pathToFileURL('/opt/benchline/dist/electron/main/index.js').toString()]) {
      expect(session.cancelled(url), url).toBe(true);
    }
  });

  it('in development, lets the page reach the loopback dev server (and its HMR socket) only', () => {
    const session = securedSession('http://localhost:5173');
    expect(session.cancelled('http://localhost:5173/src/main.tsx')).toBe(false);
    expect(session.cancelled('ws://localhost:5173/')).toBe(false);
    expect(session.cancelled('https://cdn.example/lib.js')).toBe(true);
  });

  it('grants no permission (camera, notifications, geolocation, …)', () => {
    const session = securedSession();
    for (const name of ['media', 'notifications', 'geolocation', 'openExternal', 'clipboard-read']) expect(session.granted(name), name).toBe(false);
    expect(session.check()).toBe(false);
  });

  it('withSecurityHeaders works on a response without headers', () => {
    expect(Object.keys(withSecurityHeaders(undefined, 'x'))).toEqual(['Content-Security-Policy', 'X-Content-Type-Options', 'Referrer-Policy']);
  });
});

describe('the main window', () => {
  it('is isolated and sandboxed, with no Node in the page, no webviews and only the bundled preload', () => {
    const options = mainWindowOptions(location);
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/opt/benchline/dist/electron/preload.cjs',
    });
    expect(options.show).toBe(false);
  });
});
