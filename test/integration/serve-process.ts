/**
 * Running `benchline serve` as a user does (bin/benchline.cjs from the build)
 * and talking to it as a UI does: HTTP on 127.0.0.1 and the API socket with
 * the Origin and subprotocols a browser sends. Only ever 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocket, type ClientOptions } from 'ws';
import { API_SUBPROTOCOL, type Envelope, type EventFrame, type ResponseFrame } from '../../core/contract/index.js';
import { environment, requireBuild } from '../support/processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServeProcess {
  /** The URL as printed, e.g. http://127.0.0.1:40123/#token=… */
  url: string;
  port: number;
  /** From the printed URL's fragment; null when none is in use. */
  token: string | null;
  stdout: string[];
  stderr(): string;
  /** Resolves once stderr contains `text` (it is a separate pipe: it may arrive after the URL). */
  untilStderr(text: string): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  requireBuild();
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), 'serve', ...args], { env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  const stderrWatchers = new Set<() => void>();
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const watcher of [...stderrWatchers]) watcher();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`benchline serve printed no URL within 30 s\n${stderr}`)), 30_000);
    void exited.then((code) => reject(new Error(`benchline serve exited with ${code}\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      const match = /^Benchline: (\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
  });
  const parsed = new URL(url);
  return {
    url,
    port: Number(parsed.port),
    token: new URLSearchParams(parsed.hash.slice(1)).get('token'),
    stdout,
    stderr: () => stderr,
    untilStderr: (text) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!stderr.includes(text)) return;
          stderrWatchers.delete(check);
          resolve(stderr);
        };
        stderrWatchers.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent exactly as given (no client-side clean-up of "..", as an attacker would send it). */
export function rawGet(port: number, rawPath: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: rawPath, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A UI's connection: calls by name, events collected as they come. */
export class ApiClient {
  readonly events: EventFrame[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Envelope<unknown>) => void>();
  private readonly watchers = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ResponseFrame | EventFrame;
      if ('id' in frame) {
        this.waiting.get(frame.id)?.(frame.result);
        this.waiting.delete(frame.id);
      } else {
        this.events.push(frame);
        for (const watcher of [...this.watchers]) watcher();
      }
    });
  }

  call(method: string, params: unknown = {}): Promise<Envelope<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The first event (already received or still to come) that matches. */
  event(matches: (event: EventFrame) => boolean): Promise<EventFrame> {
    const found = this.events.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const watcher = (): void => {
        const event = this.events.find(matches);
        if (!event) return;
        this.watchers.delete(watcher);
        resolve(event);
      };
      this.watchers.add(watcher);
    });
  }

  close(): void {
    this.ws.close();
  }
}

export interface ConnectOptions {
  /** Default: the served origin, as the page would send it. */
  origin?: string | null;
  protocols?: string[];
  query?: string;
  secure?: boolean;
  /** Trust this self-signed certificate (by pin; its name is not checked, it is not issued for 127.0.0.1). */
  tls?: { ca: string };
}

/**
 * Node's TLS treats any falsy result as "name matches"; @types/ws declares the hook as
 * returning boolean where node:tls returns Error | undefined, hence the cast.
 */
const skipNameCheck = (() => undefined) as unknown as ClientOptions['checkServerIdentity'];

export type Connection = { ok: true; client: ApiClient } | { ok: false; status: number };

/** Opens the API socket on 127.0.0.1; a refused upgrade resolves with its HTTP status. */
export function connectApi(port: number, options: ConnectOptions = {}): Promise<Connection> {
  const scheme = options.secure ? 'wss' : 'ws';
  const origin = options.origin === undefined ? `${options.secure ? 'https' : 'http'}://127.0.0.1:${port}` : options.origin;
  const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/api${options.query ?? ''}`, options.protocols ?? [API_SUBPROTOCOL], {
    ...(origin === null ? {} : { origin }),
    ...(options.tls ? { ca: options.tls.ca, checkServerIdentity: skipNameCheck } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ok: true, client: new ApiClient(ws) }));
    ws.once('unexpected-response', (_request, response) => {
      resolve({ ok: false, status: response.statusCode ?? 0 });
      response.resume();
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

export async function connected(port: number, options: ConnectOptions = {}): Promise<ApiClient> {
  const connection = await connectApi(port, options);
  if (!connection.ok) throw new Error(`API upgrade refused with ${connection.status}`);
  return connection.client;
}
