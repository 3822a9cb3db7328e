/**
 * Apple's USB identifiers for the modes usbmuxd cannot see. Normal-mode
 * devices (0x1290–0x12AF) belong to usbmuxd and are deliberately not listed.
 */
export const APPLE_VENDOR_ID = 0x05ac;

const RECOVERY_FIRST = 0x1280;
const RECOVERY_LAST = 0x1283;
const DFU = 0x1227;
/** "WTF" mode of the oldest devices: a DFU loader, restored the same way. */
const WTF = 0x1222;

export type UsbMode = 'recovery' | 'dfu';

/** The mode an Apple device is in, or null when it is not one the bench watches over USB. */
export function appleUsbMode(vendorId: number, productId: number): UsbMode | null {
  if (vendorId !== APPLE_VENDOR_ID) return null;
  if (productId >= RECOVERY_FIRST && productId <= RECOVERY_LAST) return 'recovery';
  if (productId === DFU || productId === WTF) return 'dfu';
  return null;
}
