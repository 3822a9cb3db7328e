/**
 * Watches USB for Apple devices in Recovery and DFU — the ones usbmuxd cannot
 * see — and reports them with the ECID from their iSerial string, so the
 * registry can tell them apart and match them to the same device in normal mode.
 *
 * Hotplug where the backend has it, polling where it does not. A machine
 * without USB (CI, a container, no permission) is reported, never thrown.
 */
import type { UsbAvailability, UsbModeDevice, UsbModeEvent, UsbModeSource } from '../../core/devices/ports.js';
import type { HotplugWatch, RawUsbDevice, UsbBackend } from './backend.js';
import { appleUsbMode } from './apple-usb.js';
import { parseAppleSerial } from './serial-string.js';
import { describeUsbFailure } from './unavailable.js';

export interface UsbModeWatcherOptions {
  /** How often to list devices when hotplug is missing, and to retry a failed listing. */
  pollIntervalMs?: number;
}

/** "1-3.2": the Linux sysfs spelling of a physical port, stable across replugs and modes. */
export function portPathOf(device: Pick<RawUsbDevice, 'busId' | 'busNumber' | 'portNumbers'>): string {
  const bus = device.busNumber ?? device.busId;
  return device.portNumbers.length === 0 ? String(bus) : `${bus}-${device.portNumbers.join('.')}`;
}

/** The same (bus << 16) | address usbmuxd reports as LocationID; null where the bus has no number. */
export function locationIdOf(device: Pick<RawUsbDevice, 'busNumber' | 'deviceAddress'>): number | null {
  return device.busNumber === null ? null : device.busNumber * 0x10000 + device.deviceAddress;
}

/** Describes a watched device, or null for everything the bench leaves to usbmuxd or ignores. */
export function usbModeDeviceOf(raw: RawUsbDevice): UsbModeDevice | null {
  const mode = appleUsbMode(raw.vendorId, raw.productId);
  if (mode === null) return null;
  let serialString = '';
  try {
    serialString = raw.readSerial() ?? '';
  } catch {
    // Still worth showing: the technician sees a DFU device in that port, only without its ECID.
  }
  const { ecid, cpid } = parseAppleSerial(serialString);
  return { mode, portPath: portPathOf(raw), locationId: locationIdOf(raw), productId: raw.productId, ecid, cpid, serialString };
}

function sameStatus(a: UsbAvailability, b: UsbAvailability): boolean {
  if (a.available || b.available) return a.available === b.available;
  return a.reason === b.reason;
}

/** One start()…stop() span; a fresh object per start, so late callbacks of an old span are ignored. */
class WatchSession {
  private readonly known = new Map<string, UsbModeDevice>();
  private closed = false;
  private hotplug: HotplugWatch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private status: UsbAvailability = { available: true };
  /** Keys detached while a listing was in flight: the listing may still contain them. */
  private detachedDuringListing: Set<string> | null = null;

  constructor(
    private readonly backend: UsbBackend,
    private readonly onEvent: (event: UsbModeEvent) => void,
    private readonly onStatus: ((status: UsbAvailability) => void) | undefined,
    private readonly pollIntervalMs: number,
  ) {}

  async begin(): Promise<void> {
    try {
      const watch = await this.backend.watch({ attach: (device) => this.attach(device), detach: (key) => this.detach(key) });
      if (this.closed) {
        await watch.close();
        return;
      }
      this.hotplug = watch;
    } catch {
      this.hotplug = null; // no hotplug here: poll instead
    }
    await this.sync();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const watch = this.hotplug;
    this.hotplug = null;
    void watch?.close().catch(() => undefined);
  }

  /** Lists devices: once to learn what is already plugged in (hotplug), or every interval (polling). */
  private async sync(): Promise<void> {
    if (this.closed) return;
    const detachedDuring = new Set<string>();
    this.detachedDuringListing = detachedDuring;
    let listed = false;
    try {
      const devices = await this.backend.listDevices();
      if (this.closed) return;
      listed = true;
      this.setStatus({ available: true });
      for (const device of devices) {
        if (!detachedDuring.has(device.key)) this.attach(device);
      }
      // With hotplug, a device missing from a listing may simply have arrived after it.
      if (!this.hotplug) {
        const present = new Set(devices.map((device) => device.key));
        for (const key of [...this.known.keys()]) if (!present.has(key)) this.detach(key);
      }
    } catch (error) {
      if (this.closed) return;
      this.setStatus(describeUsbFailure(error));
      // Devices we can no longer list are not shown as if still there.
      for (const key of [...this.known.keys()]) this.detach(key);
    } finally {
      if (this.detachedDuringListing === detachedDuring) this.detachedDuringListing = null;
    }
    if (this.closed || (this.hotplug && listed)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sync();
    }, this.pollIntervalMs);
  }

  private attach(raw: RawUsbDevice): void {
    if (this.closed || this.known.has(raw.key)) return;
    const device = usbModeDeviceOf(raw);
    if (!device) return;
    this.known.set(raw.key, device);
    this.onEvent({ kind: 'attached', device });
  }

  private detach(key: string): void {
    if (this.closed) return;
    this.detachedDuringListing?.add(key);
    const device = this.known.get(key);
    if (!device) return;
    this.known.delete(key);
    // A fast replug can announce the new device before the old one leaves: the port is not empty.
    const portStillUsed = [...this.known.values()].some((other) => other.portPath === device.portPath);
    if (!portStillUsed) this.onEvent({ kind: 'detached', portPath: device.portPath });
  }

  private setStatus(status: UsbAvailability): void {
    if (sameStatus(this.status, status)) return;
    this.status = status;
    this.onStatus?.(status);
  }
}

export class UsbModeWatcher implements UsbModeSource {
  private session: WatchSession | null = null;
  private readonly pollIntervalMs: number;

  /** `loadBackend` runs at start(), so a broken `usb` install is reported there instead of failing an import. */
  constructor(
    private readonly loadBackend: () => UsbBackend,
    options: UsbModeWatcherOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  start(onEvent: (event: UsbModeEvent) => void, onStatus?: (status: UsbAvailability) => void): UsbAvailability {
    this.stop();
    let backend: UsbBackend;
    let probe: UsbAvailability;
    try {
      backend = this.loadBackend();
      probe = backend.probe();
    } catch (error) {
      return describeUsbFailure(error);
    }
    if (!probe.available) return probe;
    const session = new WatchSession(backend, onEvent, onStatus, this.pollIntervalMs);
    this.session = session;
    void session.begin();
    return { available: true };
  }

  stop(): void {
    this.session?.close();
    this.session = null;
  }
}
