/** The USB-mode source a composition root wires in: the `usb` package behind the watcher. */
import type { UsbModeSource } from '../../core/devices/ports.js';
import { loadNodeUsbBackend } from './node-usb-backend.js';
import { UsbModeWatcher, type UsbModeWatcherOptions } from './usb-mode-watcher.js';

export function createUsbModeSource(options: UsbModeWatcherOptions = {}): UsbModeSource {
  return new UsbModeWatcher(() => loadNodeUsbBackend(), options);
}

export { UsbModeWatcher, usbModeDeviceOf, portPathOf, locationIdOf } from './usb-mode-watcher.js';
export { NodeUsbBackend, loadNodeUsbBackend } from './node-usb-backend.js';
export { parseAppleSerial } from './serial-string.js';
export { appleUsbMode, APPLE_VENDOR_ID } from './apple-usb.js';
export type { UsbBackend, RawUsbDevice, HotplugHandlers, HotplugWatch } from './backend.js';
