/**
 * What the page's own address says about how to reach the bench. The strings
 * (path, subprotocols, token fragment) come from core/contract/transport.ts,
 * shared with the host, so the two cannot disagree; this adds the parts that
 * read a browser location, and the dev-only `?mock=N`.
 */
import { API_PATH, tokenFromFragment } from '../../core/contract/index.js';

export interface PageAddress {
  readonly protocol: string;
  readonly host: string;
  readonly hash: string;
  readonly search: string;
}

/** The API endpoint of the host that served this page: same origin, ws: or wss: to match it. */
export function apiUrl(page: Pick<PageAddress, 'protocol' | 'host'>): string {
  return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}${API_PATH}`;
}

/**
 * The token `benchline serve` appends as `#token=…` when it listens beyond
 * loopback, or null. A fragment never reaches a server or its logs. Malformed
 * tokens are ignored: they could not travel as a subprotocol name, and the
 * browser would refuse to open the socket at all.
 */
export function tokenFromHash(hash: string): string | null {
  return tokenFromFragment(hash);
}

/** N from `?mock=N` (0–2000; bare `?mock` is 8), or null. */
export function mockDeviceCount(search: string): number | null {
  const raw = new URLSearchParams(search).get('mock');
  if (raw === null) return null;
  const count = raw === '' ? 8 : Number(raw);
  return Number.isInteger(count) && count >= 0 && count <= 2000 ? count : null;
}
