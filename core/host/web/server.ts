/**
 * The HTTP(S) server of `benchline serve`: the built renderer as static files
 * and the API socket at /api, both behind the same access policy and security headers.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { API_PATH, TOKEN_FRAGMENT_KEY } from '../../contract/transport.js';
import { AccessPolicy } from './access.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { staticFiles } from './static-files.js';
import { ApiSockets, type ApiHandler } from './ws-api.js';

export interface WebServerOptions {
  handler: ApiHandler;
  /** Directory of the built renderer (index.html and assets). */
  rendererDir: string;
  /** Address to listen on, e.g. 127.0.0.1 or 0.0.0.0. */
  listen: string;
  /** 0 = any free port. */
  port: number;
  /** Required on API upgrades when set. */
  token: string | null;
  /** PEM certificate and key: serve HTTPS and WSS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
}

export interface WebServer {
  readonly port: number;
  /** The page URL to open, with the token in the fragment when one is in use. */
  readonly url: string;
  /** The same for another host name (e.g. a LAN address of a 0.0.0.0 listener). */
  urlFor(host: string): string;
  close(): Promise<void>;
}

/** The host to put in a printed URL for a listen address (0.0.0.0 is not something to browse to). */
export function browsableHost(listen: string): string {
  if (listen === '0.0.0.0') return '127.0.0.1';
  if (listen === '::') return '[::1]';
  return isIPv6(listen) ? `[${listen}]` : listen;
}

function plain(response: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${message}\n`;
  response.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  response.end(body);
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const secure = Boolean(options.tls);
  let port = options.port;
  const policy = new AccessPolicy({ token: options.token, secure, port: () => port });
  const sockets = new ApiSockets({ handler: options.handler, policy });
  const files = staticFiles(options.rendererDir, SECURITY_HEADERS);

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const refusal = policy.checkHost(request);
    if (refusal) return plain(response, refusal.status, refusal.message);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    if ((request.url ?? '').split('?', 1)[0] === API_PATH) return plain(response, 426, 'The API speaks WebSocket', { Upgrade: 'websocket' });
    files.serve(request, response).catch(() => {
      if (!response.headersSent) plain(response, 500, 'Internal error');
      else response.destroy();
    });
  };

  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => sockets.handleUpgrade(request, socket, head));
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.listen, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const urlFor = (host: string): string => `${secure ? 'https' : 'http'}://${host}:${port}/${options.token ? `#${TOKEN_FRAGMENT_KEY}=${options.token}` : ''}`;
  return {
    port,
    url: urlFor(browsableHost(options.listen)),
    urlFor,
    close: async () => {
      await sockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
