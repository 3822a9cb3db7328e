/**
 * Where the app's own files are, and which URLs count as "the app": the
 * built renderer's index.html (file://) or, in development only, a Vite dev
 * server on loopback. Everything else is remote content and refused.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppLocation {
  rendererDir: string;
  rendererIndex: string;
  /** The bundled, CommonJS preload (sandboxed preloads cannot import). */
  preload: string;
  /** Entry of the utility process that does device I/O. */
  benchProcess: string;
  /** Origin of a development server, e.g. http://localhost:5173; null in a packaged or built app. */
  devOrigin: string | null;
}

/** A dev server is trusted only on loopback: loading a remote page would hand it the bench API. */
export function devOriginOf(devUrl: string | undefined): string | null {
  if (!devUrl) return null;
  try {
    const url = new URL(devUrl);
    if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** `distDir` is the build's root (dist/), where dist/electron and dist/renderer live. */
export function appLocation(distDir: string, options: { devUrl?: string; packaged: boolean }): AppLocation {
  const rendererDir = path.join(distDir, 'renderer');
  return {
    rendererDir,
    rendererIndex: path.join(rendererDir, 'index.html'),
    preload: path.join(distDir, 'electron', 'preload.cjs'),
    benchProcess: path.join(distDir, 'electron', 'bench-process.js'),
    devOrigin: options.packaged ? null : devOriginOf(options.devUrl),
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The app's page itself (any hash or query): what may navigate, be navigated to and call IPC. */
export function isAppPageUrl(url: string, location: AppLocation): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol === 'file:') return path.resolve(fileURLToPath(parsed)) === location.rendererIndex;
  return location.devOrigin !== null && parsed.origin === location.devOrigin;
}

/** Anything the page may load: its own files, inline data, and the dev server (including its HMR socket). */
export function isAppResourceUrl(url: string, location: AppLocation): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  switch (parsed.protocol) {
    case 'file:': {
      const file = path.resolve(fileURLToPath(parsed));
      return file.startsWith(location.rendererDir + path.sep);
    }
    case 'data:':
    case 'blob:':
    case 'devtools:':
      return true;
    case 'http:':
    case 'ws:':
      return location.devOrigin !== null && parsed.host === new URL(location.devOrigin).host;
    default:
      return false;
  }
}
