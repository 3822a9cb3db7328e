/**
 * The BenchApi over `benchline serve`'s WebSocket: requests matched to
 * responses by id, events passed on in order, and a link that reconnects by
 * itself with backoff. The socket and the timers are injected, so tests drive
 * it with a fake socket and a hand-cranked clock, and this module needs no DOM.
 */
import { apiSubprotocols, type BenchEvent, type Envelope, type Method, type Params, type Result } from '../../core/contract/index.js';
import { DEFAULT_BACKOFF, reconnectDelay, type Backoff } from './backoff.js';
import { DISCONNECTED, failed, type BenchConnection, type LinkStatus } from './connection.js';
import { checkResult, parseHostFrame } from './frames.js';

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  close(code: number, reason: string): void;
}

/** Opens a socket and reports its life to `handlers`; the browser's WebSocket in production (browser-socket.ts). */
export type SocketFactory = (url: string, protocols: string[], handlers: SocketHandlers) => SocketLike;

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface WsClientOptions {
  readonly url: string;
  readonly token: string | null;
  readonly createSocket: SocketFactory;
  readonly timers: Timers;
  readonly backoff?: Backoff;
  /** A request with no answer after this long fails with a Timeout envelope; default 20 s. */
  readonly callTimeoutMs?: number;
  /** A socket not open after this long is given up and retried; default 10 s. */
  readonly openTimeoutMs?: number;
  /** Frames the client had to drop; default: console.warn. */
  readonly onInvalidFrame?: (reason: string) => void;
}

interface Pending {
  readonly method: Method;
  readonly resolve: (result: Envelope<unknown>) => void;
  readonly timer: unknown;
}

export function createWsClient(options: WsClientOptions): BenchConnection {
  const { timers } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const callTimeoutMs = options.callTimeoutMs ?? 20_000;
  const openTimeoutMs = options.openTimeoutMs ?? 10_000;
  const onInvalidFrame = options.onInvalidFrame ?? ((reason: string) => console.warn(`benchline: dropped a frame from the bench: ${reason}`));
  const protocols = apiSubprotocols(options.token);

  const eventListeners = new Set<(event: BenchEvent) => void>();
  const statusListeners = new Set<(status: LinkStatus) => void>();
  const pending = new Map<number, Pending>();
  let status: LinkStatus = { phase: 'connecting', attempt: 0 };
  let socket: SocketLike | null = null;
  let open = false;
  let everOpened = false;
  let closed = false;
  let nextId = 1;
  let retryTimer: unknown = null;
  /** Each socket's handlers check this, so a late callback from a replaced socket changes nothing. */
  let generation = 0;

  const setStatus = (next: LinkStatus): void => {
    if (next.phase === status.phase && next.attempt === status.attempt) return;
    status = next;
    for (const listener of [...statusListeners]) listener(status);
  };

  const settle = (id: number, result: Envelope<unknown>): void => {
    const request = pending.get(id);
    if (!request) return;
    pending.delete(id);
    timers.clear(request.timer);
    request.resolve(result);
  };

  const failAll = (): void => {
    for (const id of [...pending.keys()]) settle(id, failed(DISCONNECTED));
  };

  const connect = (): void => {
    retryTimer = null;
    const mine = ++generation;
    // Something that accepts TCP but never answers the upgrade (a proxy, the wrong server) would otherwise leave
    // the window "connecting" for ever: give up on this socket and let the retry logic take over.
    let openTimer: unknown = null;
    const handlers: SocketHandlers = {
      open: () => {
        if (mine !== generation) return;
        timers.clear(openTimer);
        open = true;
        everOpened = true;
        setStatus({ phase: 'open', attempt: 0 });
      },
      message: (data) => {
        if (mine !== generation) return;
        const frame = parseHostFrame(data);
        if (frame.kind === 'response') settle(frame.id, frame.result);
        else if (frame.kind === 'event') for (const listener of [...eventListeners]) listener(frame.event);
        else if (frame.kind === 'invalid') onInvalidFrame(frame.reason);
      },
      close: () => {
        if (mine !== generation) return;
        timers.clear(openTimer);
        generation++;
        socket = null;
        open = false;
        failAll();
        if (closed) return;
        const attempt = status.attempt + 1;
        // Until the bench has been reached once, this is still "connecting"; afterwards the link was lost.
        setStatus({ phase: everOpened ? 'lost' : 'connecting', attempt });
        retryTimer = timers.set(connect, reconnectDelay(attempt, backoff));
      },
    };
    try {
      socket = options.createSocket(options.url, protocols, handlers);
    } catch {
      // The browser throws synchronously only for a malformed URL or protocol: retrying cannot fix that, but it is reported, not hidden.
      handlers.close(1006, 'could not open');
      return;
    }
    const pendingSocket = socket;
    openTimer = timers.set(() => {
      if (mine !== generation || open) return;
      handlers.close(1006, 'no answer');
      pendingSocket.close();
    }, openTimeoutMs);
  };

  function call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
    if (!open || socket === null) return Promise.resolve(failed(DISCONNECTED));
    const id = nextId++;
    const target = socket;
    return new Promise<Envelope<unknown>>((resolve) => {
      const timer = timers.set(
        () =>
          settle(id, failed({ code: 'Timeout', message: `The bench did not answer ${method} in time.`, hint: 'The bench may be overloaded; if this keeps happening, restart Benchline.' })),
        callTimeoutMs,
      );
      pending.set(id, { method, resolve, timer });
      target.send(JSON.stringify({ id, method, params }));
    }).then((result) => checkResult(method, result));
  }

  connect();

  return {
    call,
    subscribe(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer !== null) timers.clear(retryTimer);
      retryTimer = null;
      const current = socket;
      generation++;
      socket = null;
      open = false;
      failAll();
      current?.close(1000, 'closed by the window');
    },
  };
}
