/**
 * How a UI reaches the host over WebSocket (`benchline serve`): the path, the
 * subprotocols and where the access token travels. Shared so the renderer and
 * the server cannot disagree on a string.
 *
 * Ordering guarantee (WebSocket and Electron alike): responses and events are
 * delivered in the order the host produced them. A `devices.list` response
 * reflects exactly the `devices.changed` events sent before it, so a UI that
 * buffers events until the list arrives drops the buffered ones and applies
 * only those received afterwards.
 */

/** The WebSocket endpoint, on the same origin as the page. */
export const API_PATH = '/api';

/** Offer this subprotocol always: the server selects it, so the token never has to be echoed back. */
export const API_SUBPROTOCOL = 'benchline.v1';

/**
 * The access token as a second offered subprotocol (`benchline.token.<token>`).
 * Preferred over the query parameter: URLs land in logs and proxies, the
 * Sec-WebSocket-Protocol header normally does not.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'benchline.token.';

/** Fallback for clients that cannot set subprotocols: `/api?token=<token>`. */
export const TOKEN_QUERY_PARAM = 'token';

/** `benchline serve` prints `http://host:port/#token=<token>`; the fragment never reaches a server or a log. */
export const TOKEN_FRAGMENT_KEY = 'token';

/** Token alphabet: base64url, so a token is always a valid subprotocol name, query value and fragment. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** The subprotocols to pass to `new WebSocket(url, protocols)`. */
export function apiSubprotocols(token: string | null): string[] {
  return token ? [API_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`] : [API_SUBPROTOCOL];
}

/** The token from a page's `location.hash` (`#token=…`), or null. */
export function tokenFromFragment(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get(TOKEN_FRAGMENT_KEY);
  return token !== null && TOKEN_PATTERN.test(token) ? token : null;
}

/** The WebSocket URL of the API for a page served at `pageUrl` (http → ws, https → wss). */
export function apiUrlFor(pageUrl: string): string {
  const url = new URL(API_PATH, pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
