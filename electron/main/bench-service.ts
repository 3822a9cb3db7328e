/**
 * Main's side of the device process: forks it as a utilityProcess, relays
 * contract requests and events over a MessagePort, and when it dies (a native
 * crash in libimobiledevice, say) fails what was in flight, tells the window
 * (`bench.status` with `service`), and restarts it with backoff.
 */
import type { MessagePortMain, UtilityProcess } from 'electron';
import { EVENTS, fail, type BenchApi, type BenchEvent, type Envelope } from '../../core/contract/api.js';
import { BenchStatusSchema, type BenchStatus } from '../../core/contract/device.js';
import { API_ERROR_CODES } from '../../core/contract/errors.js';
import type { RequestHandler } from '../../core/host/bench-host.js';
import { timeoutScheduler, type Scheduler } from '../../core/host/ports.js';

export type ChildProcessLike = Pick<UtilityProcess, 'on' | 'postMessage' | 'kill'>;
/** The slice of MessagePortMain main uses (structural, so the real port and a test's fake both fit). */
export interface PortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface BenchServiceOptions {
  /** Starts the device process (utilityProcess.fork of electron/bench-process.js). */
  fork: () => ChildProcessLike;
  /** A new MessageChannelMain: port1 stays in main, port2 goes to the child. */
  createChannel: () => { port1: PortLike; port2: MessagePortMain };
  /** Whether the bench is simulated, for the status shown before the process ever answered. */
  simulated: boolean;
  schedule?: Scheduler;
  now?: () => number;
  /** First restart delay, doubled per crash in a row; default 500. */
  restartMinMs?: number;
  /** Longest restart delay; default 30000. */
  restartMaxMs?: number;
  /** A process that ran this long before dying resets the backoff; default 30000. */
  stableMs?: number;
  /** How long stop() lets the process shut its bench down before killing it; default 5000. */
  stopGraceMs?: number;
}

interface Outage {
  message: string;
  hint: string;
}

const RESTART_HINT = 'Benchline is restarting it; the devices reappear in a moment. If this keeps happening, restart Benchline and send the log to support.';

function isResponseFrame(data: unknown): data is { id: number; result: Envelope<unknown> } {
  if (typeof data !== 'object' || data === null) return false;
  const frame = data as { id?: unknown; result?: unknown };
  return typeof frame.id === 'number' && typeof frame.result === 'object' && frame.result !== null && typeof (frame.result as { ok?: unknown }).ok === 'boolean';
}

/** An event frame from the child, checked against the contract before the window sees it. */
function eventOf(data: unknown): BenchEvent | null {
  if (typeof data !== 'object' || data === null || !('event' in data) || !('data' in data)) return null;
  const { event, data: payload } = data as { event: unknown; data: unknown };
  if (event === 'bench.status') {
    const status = BenchStatusSchema.safeParse(payload);
    return status.success ? { event, data: status.data } : null;
  }
  if (event === 'devices.changed') {
    const change = EVENTS['devices.changed'].safeParse(payload);
    return change.success ? { event, data: change.data } : null;
  }
  return null;
}

export class BenchService implements RequestHandler, Pick<BenchApi, 'subscribe'> {
  private child: ChildProcessLike | null = null;
  private port: PortLike | null = null;
  private readonly pending = new Map<number, (result: Envelope<unknown>) => void>();
  private readonly listeners = new Set<(event: BenchEvent) => void>();
  private nextId = 1;
  private lastStatus: BenchStatus | null = null;
  private outage: Outage | null = null;
  private restartDelayMs: number;
  private cancelRestart: (() => void) | null = null;
  private startedAt = 0;
  private stopping: Promise<void> | null = null;
  private exited: (() => void) | null = null;

  constructor(private readonly options: BenchServiceOptions) {
    this.restartDelayMs = options.restartMinMs ?? 500;
  }

  start(): void {
    if (!this.child && !this.stopping) this.spawn();
  }

  /** Relays a request; resolves with a ServiceUnavailable envelope while the process is down. */
  request(method: unknown, params: unknown): Promise<Envelope<unknown>> {
    const port = this.port;
    if (!port) return Promise.resolve(this.unavailable());
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      port.postMessage({ id, method, params });
    });
  }

  subscribe(listener: (event: BenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Asks the process to stop its bench (closing the port), kills it after the grace period. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    this.cancelRestart?.();
    this.cancelRestart = null;
    const child = this.child;
    this.settlePending(fail(API_ERROR_CODES.ServiceUnavailable, 'Benchline is quitting', 'Start Benchline again to continue.'));
    if (!child) return;
    const exited = new Promise<void>((resolve) => (this.exited = resolve));
    this.port?.close();
    const cancelKill = (this.options.schedule ?? timeoutScheduler)(() => child.kill(), this.options.stopGraceMs ?? 5000);
    await exited;
    cancelKill();
  }

  private spawn(): void {
    const child = this.options.fork();
    const { port1, port2 } = this.options.createChannel();
    this.child = child;
    this.port = port1;
    this.startedAt = (this.options.now ?? Date.now)();
    child.on('exit', (code: number) => this.onExit(child, code));
    port1.on('message', (message) => this.onMessage(message.data));
    port1.start();
    child.postMessage({ type: 'port' }, [port2]);
    void this.learnStatus();
  }

  /** The fresh process's status; after an outage, it also clears the window's error state. */
  private async learnStatus(): Promise<void> {
    const result = await this.request('bench.status', {});
    if (!result.ok) return;
    const status = BenchStatusSchema.safeParse(result.value);
    if (!status.success) return;
    this.lastStatus = status.data;
    if (this.outage) {
      this.outage = null;
      this.emit({ event: 'bench.status', data: status.data });
    }
  }

  private onMessage(data: unknown): void {
    if (isResponseFrame(data)) {
      const resolve = this.pending.get(data.id);
      this.pending.delete(data.id);
      resolve?.(data.result);
      return;
    }
    const event = eventOf(data);
    if (!event) return;
    if (event.event === 'bench.status') this.lastStatus = event.data;
    this.emit(event);
  }

  private onExit(child: ChildProcessLike, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    this.port?.close();
    this.port = null;
    if (this.stopping) {
      this.exited?.();
      return;
    }
    this.outage = { message: `The device service stopped unexpectedly (exit code ${code}).`, hint: RESTART_HINT };
    this.settlePending(this.unavailable());
    const status = this.lastStatus ?? this.unknownStatus();
    this.emit({ event: 'bench.status', data: { ...status, service: { running: false, ...this.outage } } });
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const now = (this.options.now ?? Date.now)();
    const min = this.options.restartMinMs ?? 500;
    // A process that ran for a while died of something new, not of a crash loop.
    if (now - this.startedAt >= (this.options.stableMs ?? 30_000)) this.restartDelayMs = min;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, this.options.restartMaxMs ?? 30_000);
    this.cancelRestart = (this.options.schedule ?? timeoutScheduler)(() => {
      this.cancelRestart = null;
      if (!this.stopping) this.spawn();
    }, delay);
  }

  private unavailable(): Envelope<never> {
    const outage = this.outage ?? { message: 'The device service is not running.', hint: RESTART_HINT };
    return fail(API_ERROR_CODES.ServiceUnavailable, outage.message, outage.hint);
  }

  private unknownStatus(): BenchStatus {
    return {
      simulated: this.options.simulated,
      usbmuxd: { address: '', connected: false, error: null },
      usb: { available: false, reason: null },
      library: { available: true, hint: null },
    };
  }

  private settlePending(result: Envelope<unknown>): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve(result);
  }

  private emit(event: BenchEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`benchline: an event listener failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
}
