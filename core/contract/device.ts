/**
 * Devices as every UI sees them. Mirrors core/devices' DeviceRecord; the
 * host checks at compile time that the two cannot drift apart.
 */
import { z } from 'zod';
import { CONNECTION_STATES, STATE_INSTRUCTIONS } from '../devices/states.js';

/** The states, and the instruction the bench gives for each (an error's own instruction can be more specific). */
export { CONNECTION_STATES, STATE_INSTRUCTIONS };
export const ConnectionStateSchema = z.enum(CONNECTION_STATES);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

const text = z.string().nullable();

export const DeviceSchema = z.object({
  id: z.string(),
  udid: text,
  /** Decimal string: a uint64 does not fit a JSON number. */
  ecid: text,
  serialNumber: text,
  productType: text,
  marketingName: text,
  hardwareModel: text,
  productVersion: text,
  buildVersion: text,
  deviceName: text,
  deviceClass: text,
  imei: text,
  wifiAddress: text,
  batteryLevel: z.number().int().min(0).max(100).nullable(),
  batteryCharging: z.boolean().nullable(),
  activationState: text,
  passwordProtected: z.boolean().nullable(),
  totalDiskCapacity: z.number().nullable(),
  totalDataAvailable: z.number().nullable(),
  state: ConnectionStateSchema,
  instruction: z.string(),
  mode: z.enum(['normal', 'recovery', 'dfu']),
  slot: text,
  locationId: z.number().int().nullable(),
  connectionType: z.enum(['usb', 'network']).nullable(),
  flapping: z.boolean(),
  errorCode: text,
  errorMessage: text,
  attachedAt: text,
  updatedAt: z.string(),
});
export type Device = z.infer<typeof DeviceSchema>;

export const BenchStatusSchema = z.object({
  /** True when the bench runs on simulated devices: every UI must say so. */
  simulated: z.boolean(),
  usbmuxd: z.object({ address: z.string(), connected: z.boolean(), error: z.string().nullable() }),
  usb: z.object({ available: z.boolean(), reason: z.string().nullable() }),
  /** Set when libimobiledevice cannot be loaded: what to install. */
  library: z.object({ available: z.boolean(), hint: z.string().nullable() }),
  /**
   * Added in contract 1 (optional, so older hosts and UIs stay compatible). Present only
   * while the device service is down: the Electron shell runs device I/O in a separate
   * process and restarts it when it dies. When `service` disappears again the service
   * restarted with a fresh bench: fetch `devices.list` anew.
   */
  service: z.object({ running: z.literal(false), message: z.string(), hint: z.string() }).optional(),
});
export type BenchStatus = z.infer<typeof BenchStatusSchema>;
