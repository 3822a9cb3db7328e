/**
 * What the USB-mode watcher needs from a USB library, kept this small so the
 * watcher's logic is tested with a fake and the `usb` package stays swappable.
 */
import type { UsbAvailability } from '../../core/devices/ports.js';

export interface RawUsbDevice {
  /** Opaque, stable while the device stays attached: detach notifications carry only this. */
  readonly key: string;
  readonly vendorId: number;
  readonly productId: number;
  /** Bus as the OS names it; `busNumber` is its numeric form where the OS has one (Linux, macOS). */
  readonly busId: string;
  readonly busNumber: number | null;
  readonly deviceAddress: number;
  /** Hub port numbers from the root hub down, e.g. [3, 2] for "bus-3.2". */
  readonly portNumbers: readonly number[];
  /** The iSerial string; may touch the device, so it is read only for devices the bench watches. Throws on failure. */
  readSerial(): string | null;
}

export interface HotplugHandlers {
  attach(device: RawUsbDevice): void;
  detach(key: string): void;
}

export interface HotplugWatch {
  close(): Promise<void>;
}

export interface UsbBackend {
  /** Cheap synchronous check that this machine can show USB devices at all. */
  probe(): UsbAvailability;
  listDevices(): Promise<RawUsbDevice[]>;
  /** Rejects when the platform has no hotplug notifications; the caller then polls listDevices(). */
  watch(handlers: HotplugHandlers): Promise<HotplugWatch>;
}
