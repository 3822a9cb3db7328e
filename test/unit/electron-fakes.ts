/** Stand-ins for Electron's objects (its binary never runs here): ports, the utility process, web contents, ipcMain. */
import type { IpcMainInvokeEvent, MessagePortMain } from 'electron';
import { vi } from 'vitest';
import type { IpcMainLike } from '../../electron/main/ipc.js';

type Listener = (...args: never[]) => unknown;

/** A tiny event emitter that records listeners by event name. */
export class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => unknown)(...args);
  }
}

export class FakePort extends Emitter {
  readonly sent: unknown[] = [];
  started = false;
  closed = false;
  postMessage(message: unknown): void {
    this.sent.push(message);
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
  /** A message arriving from the other end. */
  deliver(data: unknown): void {
    this.emit('message', { data, ports: [] });
  }
}

export class FakeChild extends Emitter {
  readonly posted: { message: unknown; transfer: unknown[] }[] = [];
  killed = false;
  postMessage(message: unknown, transfer: unknown[] = []): void {
    this.posted.push({ message, transfer });
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  exit(code: number): void {
    this.emit('exit', code);
  }
}

export function fakeChannel(): { port1: FakePort; port2: MessagePortMain } {
  return { port1: new FakePort(), port2: new FakePort() as unknown as MessagePortMain };
}

/** ipcMain whose handlers the test invokes directly, as a renderer's invoke would. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  handle = vi.fn((channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) => {
    this.handlers.set(channel, listener);
  });
  removeHandler = vi.fn((channel: string) => {
    this.handlers.delete(channel);
  });
  invoke(channel: string, sender: SenderSpec, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(handler(invokeEvent(sender), ...args));
  }
}

export interface SenderSpec {
  url: string;
  contentsId?: number;
  /** An iframe inside the page rather than the page itself. */
  subframe?: boolean;
  /** The frame navigated away or was destroyed. */
  gone?: boolean;
}

export function invokeEvent(sender: SenderSpec): IpcMainInvokeEvent {
  const frame = sender.gone ? null : { url: sender.url, parent: sender.subframe ? { url: sender.url } : null };
  return { senderFrame: frame, sender: { id: sender.contentsId ?? 1 } } as unknown as IpcMainInvokeEvent;
}

/** A navigation event as web contents emit it. */
export function navigation(url: string): { url: string; preventDefault: () => void; prevented: () => boolean } {
  let prevented = false;
  return {
    url,
    preventDefault: () => {
      prevented = true;
    },
    prevented: () => prevented,
  };
}
