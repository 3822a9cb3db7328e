/**
 * Keeps a bench host useful while usbmuxd is not running. The CLI exits when
 * usbmuxd cannot be reached; an app window instead shows "start usbmuxd" and
 * recovers by itself once it runs. This stands in for the registry until a
 * bench opens, retrying with backoff, then relays the real registry.
 */
import { UsbmuxdUnavailableError } from '../devices/errors.js';
import { timeoutScheduler, type DeviceRecord, type HostRegistry, type MuxStatus, type RegistryChange, type Scheduler, type Subscription, type UsbAvailability } from './ports.js';

export interface OpenedBench {
  registry: HostRegistry;
  /** The usbmuxd address this bench talks to. */
  muxAddress: string;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** Opens a bench; throws UsbmuxdUnavailableError while usbmuxd cannot be reached. */
  open: () => Promise<OpenedBench>;
  /** Shown until a bench is open. */
  muxAddress: string;
  retryMinMs?: number;
  retryMaxMs?: number;
  schedule?: Scheduler;
  /** A retry failed for another reason than usbmuxd (logged; retries go on). */
  onRetryError?: (error: unknown) => void;
}

const WAITING_USB: UsbAvailability = { available: false, reason: 'USB is watched once usbmuxd is reachable' };

export class SupervisedRegistry implements HostRegistry {
  private bench: OpenedBench | null = null;
  private benchSubscription: Subscription | null = null;
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private waitingError: string | null = null;
  private cancelRetry: (() => void) | null = null;
  private retryDelayMs: number;
  private stopped = false;
  private opening: Promise<void> | null = null;

  constructor(private readonly options: SupervisorOptions) {
    this.retryDelayMs = options.retryMinMs ?? 500;
  }

  get muxAddress(): string {
    return this.bench?.muxAddress ?? this.options.muxAddress;
  }

  get muxStatus(): MuxStatus {
    return this.bench ? this.bench.registry.muxStatus : { connected: false, error: this.waitingError };
  }

  get usbStatus(): UsbAvailability {
    return this.bench ? this.bench.registry.usbStatus : WAITING_USB;
  }

  /** True once a bench is open (usbmuxd was reached). */
  get isOpen(): boolean {
    return this.bench !== null;
  }

  /**
   * First attempt. Resolves once a bench is open or, when usbmuxd is not reachable, once
   * retries are scheduled; rejects only for other failures (nothing to retry for those).
   */
  async start(): Promise<void> {
    try {
      await this.attempt();
    } catch (error) {
      if (!(error instanceof UsbmuxdUnavailableError)) throw error;
      this.scheduleRetry();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    await this.opening?.catch(() => undefined);
    this.benchSubscription?.close();
    this.benchSubscription = null;
    const bench = this.bench;
    this.bench = null;
    await bench?.stop();
  }

  list(): DeviceRecord[] {
    return this.bench?.registry.list() ?? [];
  }

  async refresh(id: string): Promise<DeviceRecord | undefined> {
    return this.bench?.registry.refresh(id);
  }

  onChange(listener: (change: RegistryChange) => void): Subscription {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  private async attempt(): Promise<void> {
    const opening = this.open();
    this.opening = opening;
    try {
      await opening;
    } finally {
      this.opening = null;
    }
  }

  private async open(): Promise<void> {
    let bench: OpenedBench;
    try {
      bench = await this.options.open();
    } catch (error) {
      this.waitingError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    if (this.stopped) {
      await bench.stop();
      return;
    }
    this.bench = bench;
    this.waitingError = null;
    this.benchSubscription = bench.registry.onChange((change) => this.emit(change));
    // The bench announced the devices present while it opened, before anyone could listen.
    for (const record of bench.registry.list()) this.emit({ kind: 'added', record });
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.options.retryMaxMs ?? 10_000);
    this.cancelRetry = (this.options.schedule ?? timeoutScheduler)(() => {
      this.cancelRetry = null;
      this.attempt().catch((error: unknown) => {
        // The host is already serving UIs by now: log other failures and keep trying rather than die.
        if (!(error instanceof UsbmuxdUnavailableError)) this.options.onRetryError?.(error);
        this.scheduleRetry();
      });
    }, delay);
  }

  private emit(change: RegistryChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
