/**
 * Which way this window reaches the bench: the Electron preload's
 * `window.benchline` when present, else `benchline serve`'s WebSocket on the
 * page's own origin; `?mock=N` (development builds only) swaps in simulated
 * data without a host.
 */
import type { BenchApi } from '../../core/contract/index.js';
import { isBenchApi } from './connection.js';
import { apiUrl, mockDeviceCount, tokenFromHash, type PageAddress } from './location.js';

export type TransportChoice =
  | { readonly kind: 'electron'; readonly api: BenchApi }
  | { readonly kind: 'mock'; readonly devices: number }
  | { readonly kind: 'websocket'; readonly url: string; readonly token: string | null };

export function chooseTransport(preload: unknown, page: PageAddress, mockAllowed: boolean): TransportChoice {
  if (isBenchApi(preload)) return { kind: 'electron', api: preload };
  const mock = mockAllowed ? mockDeviceCount(page.search) : null;
  if (mock !== null) return { kind: 'mock', devices: mock };
  return { kind: 'websocket', url: apiUrl(page), token: tokenFromHash(page.hash) };
}
