/**
 * Turns USB failures into the sentence a technician can act on. Matches both
 * the nusb-based `usb` 3.x messages and libusb's LIBUSB_ERROR_* names, since
 * either may sit behind the backend.
 */
import type { UsbAvailability } from '../../core/devices/ports.js';

/** Linux denies USB device nodes to ordinary users unless a udev rule grants them. */
export const UDEV_RULE_HINT =
  'add a udev rule and replug the device: echo \'SUBSYSTEM=="usb", ATTR{idVendor}=="05ac", MODE="0660", GROUP="plugdev"\' | ' +
  'sudo tee /etc/udev/rules.d/39-benchline-apple.rules && sudo udevadm control --reload-rules, then add your user to the plugdev group';

export const CONTAINER_HINT = 'on a container or VM, pass the host USB bus through (e.g. --device /dev/bus/usb -v /sys/bus/usb:/sys/bus/usb:ro)';

export function usbUnavailable(reason: string): UsbAvailability {
  return { available: false, reason: `USB unavailable: ${reason}` };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Why the USB library failed, phrased for the bench UI. */
export function describeUsbFailure(error: unknown): UsbAvailability {
  const message = messageOf(error);
  if (/EACCES|EPERM|permission denied|access denied|LIBUSB_ERROR_ACCESS/i.test(message)) {
    return usbUnavailable(`permission denied (${message}); ${UDEV_RULE_HINT}`);
  }
  if (/Cannot find (native binding|module)|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND|ERR_DLOPEN_FAILED|invalid ELF|\.node\b/i.test(message)) {
    return usbUnavailable(`the usb module could not be loaded (${message}); run "npm install" (or "npm rebuild usb") on this machine`);
  }
  if (/ENOENT|not found|No such file|LIBUSB_ERROR_NO_DEVICE|LIBUSB_ERROR_NOT_FOUND|LIBUSB_ERROR_NOT_SUPPORTED/i.test(message)) {
    return usbUnavailable(`no USB bus is visible (${message}); ${CONTAINER_HINT}`);
  }
  return usbUnavailable(message);
}
