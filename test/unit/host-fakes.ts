/** Fakes for the host's unit tests: a registry the test drives by hand, records, and a ticker/scheduler fired on demand. */
import { EMPTY_IDENTITY, type DeviceRecord } from '../../core/devices/identity.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';
import type { HostRegistry, MuxStatus, RegistryChange, Scheduler, Subscription, Ticker, UsbAvailability } from '../../core/host/ports.js';

export function record(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    ...EMPTY_IDENTITY,
    id: 'ecid:1',
    udid: '00008110-0000000000000001',
    ecid: '1',
    serialNumber: 'F17XK0AAAAAA',
    productType: 'iPhone14,2',
    marketingName: 'iPhone 13 Pro',
    productVersion: '17.5',
    batteryLevel: 80,
    batteryCharging: true,
    state: 'ready',
    instruction: STATE_INSTRUCTIONS.ready,
    mode: 'normal',
    slot: '1-3',
    locationId: 65539,
    connectionType: 'usb',
    flapping: false,
    errorCode: null,
    errorMessage: null,
    attachedAt: '2026-11-21T06:00:00.000Z',
    updatedAt: '2026-11-21T06:00:01.000Z',
    ...overrides,
  };
}

export class FakeRegistry implements HostRegistry {
  records: DeviceRecord[] = [];
  muxStatus: MuxStatus = { connected: true, error: null };
  usbStatus: UsbAvailability = { available: true };
  refreshed: string[] = [];
  refreshWith: (id: string) => Promise<DeviceRecord | undefined> = async (id) => this.records.find((r) => r.id === id);
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  list(): DeviceRecord[] {
    return [...this.records];
  }

  refresh(id: string): Promise<DeviceRecord | undefined> {
    this.refreshed.push(id);
    return this.refreshWith(id);
  }

  onChange(listener: (change: RegistryChange) => void): Subscription {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Applies a change to the records and announces it, as the real registry does. */
  change(change: RegistryChange): void {
    const ids = new Set([change.record.id, change.previousId].filter((id): id is string => id !== undefined));
    this.records = this.records.filter((r) => !ids.has(r.id));
    if (change.kind !== 'removed') this.records.push(change.record);
    for (const listener of [...this.listeners]) listener(change);
  }
}

/** A ticker the test fires with `tick()`. */
export function manualTicker(): { ticker: Ticker; tick(): void; running(): boolean } {
  let current: (() => void) | null = null;
  return {
    ticker: (tick) => {
      current = tick;
      return () => {
        current = null;
      };
    },
    tick: () => current?.(),
    running: () => current !== null,
  };
}

/** A scheduler whose delays are recorded and run when the test says so. */
export function manualScheduler(): { schedule: Scheduler; delays: number[]; runNext(): void; pending(): number } {
  const queue: { run: () => void; cancelled: boolean }[] = [];
  const delays: number[] = [];
  return {
    schedule: (run, ms) => {
      const entry = { run, cancelled: false };
      queue.push(entry);
      delays.push(ms);
      return () => {
        entry.cancelled = true;
      };
    },
    delays,
    runNext: () => {
      const entry = queue.shift();
      if (entry && !entry.cancelled) entry.run();
    },
    pending: () => queue.filter((entry) => !entry.cancelled).length,
  };
}
