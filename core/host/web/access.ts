/**
 * Who may use the API socket of `benchline serve`.
 * - Origin must be the origin the page was served from: another site open in
 *   the technician's browser must not drive the bench (403).
 * - With a token (required beyond loopback): the upgrade must carry it (401).
 * - Without a token (loopback only), the Host header must name loopback too:
 *   otherwise a DNS-rebinding page (evil.example resolving to 127.0.0.1) would
 *   be "same origin" with itself and pass the Origin check (403).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { TOKEN_QUERY_PARAM, TOKEN_SUBPROTOCOL_PREFIX } from '../../contract/transport.js';

export interface Refusal {
  status: 401 | 403;
  message: string;
}

export interface AccessPolicyOptions {
  /** Required on every API upgrade when set. */
  token: string | null;
  /** Pages are served over https (so the expected Origin is https://…). */
  secure: boolean;
  /** The port actually listened on (known after listen). */
  port: () => number;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost". */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(v4) && v4.startsWith('127.');
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token a request presents: a `benchline.token.<t>` subprotocol, else `?token=<t>` on the URL. */
export function presentedToken(request: IncomingMessage): string | null {
  const protocols = (header(request, 'sec-websocket-protocol') ?? '').split(',').map((entry) => entry.trim());
  const fromProtocol = protocols.find((entry) => entry.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (fromProtocol !== undefined) return fromProtocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  try {
    return new URL(request.url ?? '/', 'http://placeholder').searchParams.get(TOKEN_QUERY_PARAM);
  } catch {
    return null;
  }
}

export class AccessPolicy {
  private readonly tokenDigest: Buffer | null;

  constructor(private readonly options: AccessPolicyOptions) {
    this.tokenDigest = options.token === null ? null : digest(options.token);
  }

  get requiresToken(): boolean {
    return this.tokenDigest !== null;
  }

  /** Applies to every request: without a token, only loopback host names are served. */
  checkHost(request: IncomingMessage): Refusal | null {
    const host = header(request, 'host');
    if (host === null) return { status: 403, message: 'Missing Host header' };
    if (this.tokenDigest !== null) return null;
    let url: URL;
    try {
      url = new URL(`http://${host}`);
    } catch {
      return { status: 403, message: 'Bad Host header' };
    }
    const port = url.port === '' ? (this.options.secure ? 443 : 80) : Number(url.port);
    if (!isLoopbackAddress(url.hostname) || port !== this.options.port()) {
      return { status: 403, message: 'This bench answers only on its loopback address; use the URL it printed at start' };
    }
    return null;
  }

  /** Applies to the API's WebSocket upgrade. */
  checkUpgrade(request: IncomingMessage): Refusal | null {
    const hostRefusal = this.checkHost(request);
    if (hostRefusal) return hostRefusal;
    if (this.tokenDigest !== null) {
      const token = presentedToken(request);
      // Compare digests: equal length always, so timingSafeEqual never throws and leaks nothing.
      if (token === null || !timingSafeEqual(digest(token), this.tokenDigest)) {
        return { status: 401, message: 'A valid access token is required: open the URL benchline serve printed (it carries the token)' };
      }
    }
    const expected = `${this.options.secure ? 'https' : 'http'}://${header(request, 'host') ?? ''}`.toLowerCase();
    const origin = header(request, 'origin')?.toLowerCase() ?? null;
    if (origin !== expected) return { status: 403, message: `Origin ${origin ?? '(none)'} may not use this bench; only pages served by it may` };
    return null;
  }
}
