/** Devices and events for the renderer's tests: complete contract objects with only what a test cares about spelled out. */
import type { BenchEvent, BenchStatus, Device } from '../../core/contract/index.js';

let counter = 0;

export function device(overrides: Partial<Device> = {}): Device {
  counter++;
  const ecid = String(1_000_000 + counter);
  return {
    id: `ecid:${ecid}`,
    udid: `00008110-${counter.toString(16).toUpperCase().padStart(16, '0')}`,
    ecid,
    serialNumber: `F17SERIAL${String(counter).padStart(3, '0')}`,
    productType: 'iPhone14,2',
    marketingName: 'iPhone 13 Pro',
    hardwareModel: 'D63AP',
    productVersion: '17.6.1',
    buildVersion: '21G93',
    deviceName: `iPhone ${counter}`,
    deviceClass: 'iPhone',
    imei: null,
    wifiAddress: null,
    batteryLevel: 80,
    batteryCharging: true,
    activationState: 'Activated',
    passwordProtected: false,
    totalDiskCapacity: 128e9,
    totalDataAvailable: 100e9,
    state: 'ready',
    instruction: 'Ready.',
    mode: 'normal',
    slot: `1-${counter}`,
    locationId: 0x10000 + counter,
    connectionType: 'usb',
    flapping: false,
    errorCode: null,
    errorMessage: null,
    attachedAt: '2026-11-21T08:00:00.000Z',
    updatedAt: '2026-11-21T08:00:00.000Z',
    ...overrides,
  };
}

export const READY_STATUS: BenchStatus = {
  simulated: false,
  usbmuxd: { address: 'UNIX:/var/run/usbmuxd', connected: true, error: null },
  usb: { available: true, reason: null },
  library: { available: true, hint: null },
};

export const added = (d: Device): BenchEvent => ({ event: 'devices.changed', data: { kind: 'added', device: d } });
export const updated = (d: Device, previousId?: string): BenchEvent => ({
  event: 'devices.changed',
  data: previousId === undefined ? { kind: 'updated', device: d } : { kind: 'updated', device: d, previousId },
});
export const removed = (d: Device): BenchEvent => ({ event: 'devices.changed', data: { kind: 'removed', device: { ...d, state: 'detached' } } });
export const statusEvent = (status: BenchStatus): BenchEvent => ({ event: 'bench.status', data: status });
