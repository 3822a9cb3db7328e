/**
 * The contract over WebSocket: one JSON frame per message, requests answered
 * with responses carrying the request's id, every host event pushed as it
 * happens. Access is decided before the upgrade (access.ts).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { BenchApi, EventFrame, ResponseFrame } from '../../contract/api.js';
import { API_PATH, API_SUBPROTOCOL } from '../../contract/transport.js';
import type { RequestHandler } from '../bench-host.js';
import { answerFrame, eventFrame, parseRequestText } from '../frames.js';
import type { AccessPolicy } from './access.js';

export type ApiHandler = RequestHandler & Pick<BenchApi, 'subscribe'>;

export interface ApiSocketsOptions {
  handler: ApiHandler;
  policy: AccessPolicy;
  /** A client this far behind (unsent bytes) is cut off rather than buffered without bound; default 16 MiB. */
  maxBufferedBytes?: number;
  /**
   * Largest request frame; default 40 MiB: requests are small except a pre-approved CSV for the
   * import wizard (up to 32 MiB of text, a little more once JSON-escaped). Only an authorised
   * client of this bench can send one; the server refuses larger files anyway.
   */
  maxPayloadBytes?: number;
}

export const MAX_REQUEST_BYTES = 40 * 1024 * 1024;

/** Close codes a UI may see. */
export const CLOSE_CODES = { goingAway: 1001, unsupportedData: 1003, invalidPayload: 1007, tooSlow: 1013 } as const;

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** Answers a refused upgrade with a plain HTTP status and closes the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.on('error', () => undefined);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export class ApiSockets {
  private readonly server: WebSocketServer;
  private readonly maxBufferedBytes: number;

  constructor(private readonly options: ApiSocketsOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes ?? MAX_REQUEST_BYTES,
      perMessageDeflate: false,
      // A browser fails the connection unless one offered subprotocol is selected. Select
      // benchline.v1 so the token (the other one offered) is never echoed into responses.
      handleProtocols: (protocols) => (protocols.has(API_SUBPROTOCOL) ? API_SUBPROTOCOL : ([...protocols][0] ?? false)),
    });
  }

  get clientCount(): number {
    return this.server.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://placeholder').pathname;
    } catch {
      return refuse(socket, 400, 'Bad request');
    }
    if (pathname !== API_PATH) return refuse(socket, 404, 'Not found');
    const refusal = this.options.policy.checkUpgrade(request);
    if (refusal) return refuse(socket, refusal.status, refusal.message);
    this.server.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
  }

  /** Says goodbye to every client (1001) and stops accepting. */
  async close(): Promise<void> {
    for (const ws of this.server.clients) ws.close(CLOSE_CODES.goingAway, 'Benchline is stopping');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const ws of this.server.clients) ws.terminate();
  }

  private onConnection(ws: WebSocket): void {
    const { handler } = this.options;
    const unsubscribe = handler.subscribe((event) => this.send(ws, eventFrame(event)));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(CLOSE_CODES.unsupportedData, 'Text frames only');
      const frame = parseRequestText(textOf(data));
      // Without an id there is nothing to answer to: a client this confused is a bug, close it.
      if (!frame) return ws.close(CLOSE_CODES.invalidPayload, 'Not a request frame: {"id", "method", "params"}');
      void answerFrame(handler, frame).then((response) => this.send(ws, response));
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
  }

  private send(ws: WebSocket, frame: ResponseFrame | EventFrame): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.maxBufferedBytes) {
      ws.close(CLOSE_CODES.tooSlow, 'Too far behind: reconnect');
      return;
    }
    ws.send(JSON.stringify(frame));
  }
}
