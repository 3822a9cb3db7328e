/** Devices and events for the renderer's tests: complete contract objects with only what a test cares about spelled out. */
import type { BenchEvent, BenchStatus, Device, Job, WorkflowSummary } from '../../core/contract/index.js';

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

let jobCounter = 0;

/** A job as the host reports it; by default queued, on the given device. */
export function job(overrides: Partial<Job> = {}): Job {
  jobCounter++;
  return {
    id: `job-${jobCounter}`,
    batchId: 'batch-1',
    workflowId: 'erase',
    workflowName: 'Erase',
    udid: `00008110-${jobCounter.toString(16).toUpperCase().padStart(16, '0')}`,
    serialNumber: null,
    ecid: null,
    technician: 'Alex',
    reason: null,
    state: 'queued',
    progress: 0,
    currentStep: null,
    instruction: null,
    steps: [
      { kind: 'erase', label: 'Erase all content and settings', state: 'pending', note: null },
      { kind: 'wait-device', label: 'Wait for the device to restart', state: 'pending', note: null },
    ],
    error: null,
    cancellable: true,
    createdAt: `2026-11-21T08:00:${String(jobCounter % 60).padStart(2, '0')}.000Z`,
    finishedAt: null,
    ...overrides,
  };
}

export const ERASE: WorkflowSummary = {
  id: 'erase',
  name: 'Erase',
  description: 'Erase all content and settings.',
  destructive: true,
  acknowledgement: 'Everything on these devices will be erased.',
  reasons: [
    { id: 'retire', label: 'Retire or recycle' },
    { id: 'repair', label: 'Send for repair' },
  ],
  steps: [
    { kind: 'erase', label: 'Erase all content and settings' },
    { kind: 'wait-device', label: 'Wait for the device to restart' },
  ],
};

export const RESTART: WorkflowSummary = {
  id: 'restart',
  name: 'Restart',
  description: 'Restart the device.',
  destructive: false,
  acknowledgement: 'These devices will restart.',
  reasons: [],
  steps: [{ kind: 'restart', label: 'Restart the device' }],
};

export const jobChanged = (j: Job): BenchEvent => ({ event: 'jobs.changed', data: j });
export const technicianChanged = (name: string | null): BenchEvent => ({ event: 'technician.changed', data: { name } });
