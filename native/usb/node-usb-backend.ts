/**
 * UsbBackend over the `usb` npm package (3.x: N-API prebuilt, built on the
 * nusb crate). We use its raw binding (`nativeGetDevices`, `Emitter`) rather
 * than the WebUSB wrapper: the wrapper starts a device listing without a
 * rejection handler when a listener is added, which takes Node down on a
 * machine without a USB bus.
 *
 * The binding is loaded lazily by `loadNodeUsbBackend`, so a missing or
 * broken binary becomes a reported "USB unavailable", never a crash at import.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { UsbAvailability } from '../../core/devices/ports.js';
import type { HotplugHandlers, HotplugWatch, RawUsbDevice, UsbBackend } from './backend.js';
import { CONTAINER_HINT, usbUnavailable } from './unavailable.js';

/** The part of the binding we use; checked at load time instead of trusting the package's typings. */
interface NativeUsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly bus: string;
  readonly address: number;
  readonly ports: readonly number[];
  readonly handle: string;
  /** A getter: on Linux it reads sysfs; elsewhere it may open the device, and can throw. */
  readonly serialNumber: string | null;
}

interface NativeEmitter {
  addAttach(callback: (device: NativeUsbDevice) => void): Promise<void>;
  removeAttach(): Promise<void>;
  addDetach(callback: (handle: string) => void): Promise<void>;
  removeDetach(): Promise<void>;
}

export interface UsbBinding {
  Emitter: new () => NativeEmitter;
  nativeGetDevices(): Promise<NativeUsbDevice[]>;
}

function isUsbBinding(value: unknown): value is UsbBinding {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.Emitter === 'function' && typeof candidate.nativeGetDevices === 'function';
}

export interface NodeUsbBackendOptions {
  platform?: NodeJS.Platform;
  /** Injected so tests can play a machine without a USB bus. */
  pathExists?: (path: string) => boolean;
}

/** How each OS names buses: Linux uses sysfs's decimal busnum, macOS two hex digits of the IOKit location. */
function busNumberOf(busId: string, platform: NodeJS.Platform): number | null {
  if (platform === 'linux' && /^\d+$/.test(busId)) return Number.parseInt(busId, 10);
  if (platform === 'darwin' && /^[0-9a-f]+$/i.test(busId)) return Number.parseInt(busId, 16);
  return null;
}

export class NodeUsbBackend implements UsbBackend {
  private readonly platform: NodeJS.Platform;
  private readonly pathExists: (path: string) => boolean;

  constructor(
    private readonly binding: UsbBinding,
    options: NodeUsbBackendOptions = {},
  ) {
    this.platform = options.platform ?? process.platform;
    this.pathExists = options.pathExists ?? existsSync;
  }

  probe(): UsbAvailability {
    if (this.platform !== 'linux') return { available: true };
    // Listing reads sysfs; acting on a Recovery/DFU device later opens its node in /dev/bus/usb.
    if (!this.pathExists('/sys/bus/usb/devices')) {
      return usbUnavailable(`this machine shows no USB bus (/sys/bus/usb/devices is missing); ${CONTAINER_HINT}`);
    }
    if (!this.pathExists('/dev/bus/usb')) {
      return usbUnavailable(`the USB device nodes are missing (/dev/bus/usb); ${CONTAINER_HINT}`);
    }
    return { available: true };
  }

  async listDevices(): Promise<RawUsbDevice[]> {
    const devices = await this.binding.nativeGetDevices();
    return devices.map((device) => this.toRaw(device));
  }

  async watch(handlers: HotplugHandlers): Promise<HotplugWatch> {
    const emitter = new this.binding.Emitter();
    const close = async (): Promise<void> => {
      // The native hotplug thread keeps Node's event loop alive until removed.
      await emitter.removeAttach().catch(() => undefined);
      await emitter.removeDetach().catch(() => undefined);
    };
    try {
      await emitter.addAttach((device) => handlers.attach(this.toRaw(device)));
      await emitter.addDetach((handle) => handlers.detach(handle));
    } catch (error) {
      await close();
      throw error;
    }
    return { close };
  }

  private toRaw(device: NativeUsbDevice): RawUsbDevice {
    return {
      key: device.handle,
      vendorId: device.vendorId,
      productId: device.productId,
      busId: device.bus,
      busNumber: busNumberOf(device.bus, this.platform),
      deviceAddress: device.address,
      portNumbers: [...device.ports],
      readSerial: () => device.serialNumber,
    };
  }
}

/**
 * Loads the `usb` binding and wraps it; throws (with the loader's message)
 * when the package or its prebuilt binary is missing for this platform.
 */
export function loadNodeUsbBackend(options: NodeUsbBackendOptions & { load?: () => unknown } = {}): NodeUsbBackend {
  const load = options.load ?? ((): unknown => createRequire(import.meta.url)('usb/index.js'));
  const binding = load();
  if (!isUsbBinding(binding)) throw new Error('Cannot find native binding: the usb package does not expose nativeGetDevices/Emitter (expected usb 3.x)');
  return new NodeUsbBackend(binding, options);
}
