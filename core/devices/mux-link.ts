/**
 * The registry's connection to usbmuxd: listens, notices when usbmuxd dies
 * (it does, on busy hubs) and reconnects with backoff until it is back.
 * Events of a dead stream are dropped so they cannot resurrect devices.
 */
import { UsbmuxdUnavailableError } from './errors.js';
import type { DeviceMux, MuxEvent, Subscription } from './ports.js';

export interface MuxStatus {
  connected: boolean;
  error: string | null;
}

export interface MuxLinkHandlers {
  onEvent(event: MuxEvent): void;
  /** The stream broke; the link is already reconnecting. */
  onLost(error: Error): void;
}

export interface Backoff {
  minMs: number;
  maxMs: number;
}

export class MuxLink {
  private subscription: Subscription | null = null;
  /** Bumped on every connect and loss: callbacks carrying an older value belong to a dead stream. */
  private epoch = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private current: MuxStatus = { connected: false, error: null };

  constructor(
    private readonly mux: DeviceMux,
    private readonly handlers: MuxLinkHandlers,
    private readonly backoff: Backoff,
  ) {
    this.delayMs = backoff.minMs;
  }

  get status(): MuxStatus {
    return { ...this.current };
  }

  /** First connection: failure is the caller's to report (usbmuxd is not running), so no retries here. */
  async open(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      this.current = { connected: false, error: messageOf(error) };
      throw error instanceof UsbmuxdUnavailableError ? error : new UsbmuxdUnavailableError(this.mux.address, error);
    }
  }

  close(): void {
    this.closed = true;
    this.epoch += 1;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.subscription?.close();
    this.subscription = null;
    this.current = { connected: false, error: null };
  }

  private async connect(): Promise<void> {
    const epoch = ++this.epoch;
    const live = (): boolean => !this.closed && epoch === this.epoch;
    const seen = new Set<number>();
    const subscription = await this.mux.listen({
      onEvent: (event) => {
        if (!live()) return;
        seen.add(event.kind === 'attached' ? event.device.muxId : event.muxId);
        this.handlers.onEvent(event);
      },
      onClosed: (error) => {
        if (live()) this.lost(error);
      },
    });
    if (!live()) {
      subscription.close();
      return;
    }
    this.subscription = subscription;
    this.current = { connected: true, error: null };
    this.delayMs = this.backoff.minMs;
    await this.catchUp(live, seen);
  }

  /**
   * usbmuxd announces the devices already present on the Listen stream, but
   * nothing says when that announcement is complete. One ListDevices answers
   * it: a device it lists that the stream has not mentioned yet is announced
   * now (its own Attached, when it comes, repeats it harmlessly). A device the
   * stream already mentioned — attached, or detached meanwhile — is left to
   * the stream, so a list that is already stale cannot bring a device back.
   */
  private async catchUp(live: () => boolean, seen: ReadonlySet<number>): Promise<void> {
    let present;
    try {
      present = await this.mux.listDevices();
    } catch {
      return; // the stream carries on; its own announcements will arrive
    }
    for (const device of present) {
      if (!live()) return;
      if (!seen.has(device.muxId)) this.handlers.onEvent({ kind: 'attached', device });
    }
  }

  private lost(error: Error): void {
    this.epoch += 1;
    this.subscription?.close();
    this.subscription = null;
    this.current = { connected: false, error: error.message };
    this.handlers.onLost(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((error: unknown) => {
        if (this.closed) return;
        this.current = { connected: false, error: messageOf(error) };
        this.scheduleReconnect();
      });
    }, delay);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
