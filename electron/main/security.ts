/**
 * Session and web-contents hardening: a strict CSP on every response, no
 * remote requests, no permissions, no navigation away from the app, no new
 * windows, no <webview>. Installed by the composition root before any window opens.
 */
import type { Session, WebContents } from 'electron';
import { contentSecurityPolicy } from '../../core/host/web/security-headers.js';
import { isAppPageUrl, isAppResourceUrl, type AppLocation } from './location.js';

export type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & {
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived' | 'onBeforeRequest'>;
};

export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** The window's CSP: like `benchline serve`'s, but the page talks to the bench over IPC, so no sockets (except a dev server's HMR). */
export function appContentSecurityPolicy(location: AppLocation): string {
  const dev = location.devOrigin ? [location.devOrigin, location.devOrigin.replace(/^http/, 'ws')] : [];
  return contentSecurityPolicy({ connect: dev });
}

const HEADERS_WE_SET = ['content-security-policy', 'x-content-type-options', 'referrer-policy'];

/** The response headers with ours in place of any the response brought (a dev server's, say). */
export function withSecurityHeaders(headers: Record<string, string[]> | undefined, csp: string): Record<string, string[]> {
  const kept = Object.entries(headers ?? {}).filter(([name]) => !HEADERS_WE_SET.includes(name.toLowerCase()));
  return {
    ...Object.fromEntries(kept),
    'Content-Security-Policy': [csp],
    'X-Content-Type-Options': ['nosniff'],
    'Referrer-Policy': ['no-referrer'],
  };
}

export function installSessionSecurity(session: SessionLike, location: AppLocation): void {
  const csp = appContentSecurityPolicy(location);
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withSecurityHeaders(details.responseHeaders, csp) }));
  // No remote content: a compromised page must not fetch scripts or leak data elsewhere.
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppResourceUrl(details.url, location) }));
  // A bench app needs no camera, notifications or geolocation: refuse every permission.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Applied to every web contents as it is created (app 'web-contents-created'). */
export function guardWebContents(contents: GuardedContents, location: AppLocation): void {
  const stayInApp = (event: { url: string; preventDefault(): void }): void => {
    if (!isAppPageUrl(event.url, location)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => stayInApp(event));
  contents.on('will-frame-navigate', (event) => stayInApp(event));
  contents.on('will-redirect', (event) => stayInApp(event));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
