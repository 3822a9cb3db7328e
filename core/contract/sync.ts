/**
 * The central server as a bench's UI sees it (issue #5 parts 7-8): sync
 * state, the inventory the bench keeps a copy of (searchable offline), the
 * pre-approved CSV wizard (needs the server: it validates and stores the
 * file), pre-approving and deprovisioning selected devices. The host owns
 * the server connection; the UI never talks to the server itself.
 */
import { z } from 'zod';
import {
  DeprovisionReasonSchema,
  DeviceStatusSchema,
  HistoryEntrySchema,
  InventoryDeviceSchema,
  ManualMappingSchema,
  OwnershipSchema,
  PlatformSchema,
  PreapprovedImportResultSchema,
  PreapprovedPreviewSchema,
  RefusalSchema,
  SerialNumberSchema,
  WipeKindSchema,
  type SyncEventType,
} from './server-wire.js';

export const SyncStatusSchema = z.object({
  /** `server`: a central server at serverUrl; `standalone`: the embedded server in this process; `off`: no server (sync disabled). */
  mode: z.enum(['server', 'standalone', 'off']),
  serverUrl: z.string().nullable(),
  /** The last push + pull reached the server. */
  connected: z.boolean(),
  /** A sync round is running now. */
  syncing: z.boolean(),
  lastSyncAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  /** Outbox entries not yet accepted by the server. */
  pending: z.number().int().nonnegative(),
  /** Outbox entries the server refused for good and no technician has acknowledged yet (sync.rejections lists them with the reason). */
  rejected: z.number().int().nonnegative(),
  lastError: z.object({ message: z.string(), hint: z.string() }).nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;

export const InventorySearchParamsSchema = z.object({
  /** Part of a serial number (case-sensitive), UDID, user email or name, device name. */
  query: z.string().max(200).optional(),
  statuses: z.array(DeviceStatusSchema).optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export const InventorySearchResultSchema = z.object({ total: z.number().int(), devices: z.array(InventoryDeviceSchema) });

export const CsvInputSchema = z.object({
  /** The file's text (UTF-8). */
  csv: z.string().min(1).max(32 * 1024 * 1024),
  mapping: ManualMappingSchema.optional(),
  delimiter: z.string().length(1).optional(),
});

export const PreapproveDevicesParamsSchema = z.object({
  /** Tethered devices (UDIDs); their serial number and platform are read from the device. */
  udids: z.array(z.string().min(1)).min(1).max(1024),
  ownership: OwnershipSchema,
  user: z.object({ email: z.string().trim().min(3).max(320), name: z.string().trim().min(1).max(200) }),
  /** Overrides the platform read from the device (rarely needed). */
  platform: PlatformSchema.optional(),
});
export const PreapproveDevicesResultSchema = z.object({
  queued: z.array(z.object({ udid: z.string(), serialNumber: SerialNumberSchema })),
  refused: z.array(z.object({ udid: z.string(), ...RefusalSchema.shape })),
});

export const StartDeprovisionParamsSchema = z.object({
  /** Devices by serial number: tethered ones or picked from the inventory. */
  serialNumbers: z.array(SerialNumberSchema).min(1).max(1000),
  acknowledged: z.boolean(),
  reason: DeprovisionReasonSchema,
  /** Required with reason `other`. */
  wipe: WipeKindSchema.optional(),
  note: z.string().max(500).optional(),
  requestInfo: z.boolean().default(false),
});
export const StartDeprovisionResultSchema = z.object({
  /** Per device: the deprovision queued for the server, and the wipe job started when the device is tethered here. */
  started: z.array(z.object({ serialNumber: SerialNumberSchema, deprovisionId: z.uuid(), wipe: WipeKindSchema, jobId: z.string().nullable() })),
  refused: z.array(z.object({ serialNumber: SerialNumberSchema, ...RefusalSchema.shape })),
});

/**
 * One outbox entry the server refused for good, as the technician reads it: what it was, the
 * server's reason and what to do. Acknowledged ones stay on the bench (the record of what was
 * refused) with acknowledgedAt set; they no longer count in SyncStatus.rejected.
 */
export const SyncRejectionSchema = z.object({
  /** The entry's idempotency key: what sync.acknowledgeRejections takes. */
  key: z.string(),
  type: z.enum(['device.observed', 'device.preapprove', 'device.deprovision', 'job.finished', 'audit.record'] satisfies SyncEventType[]),
  /** What the entry asked for, in a sentence: "Deprovision of C02XK1 (Employee left)". */
  summary: z.string(),
  serialNumber: z.string().nullable(),
  /** When the change was made at the bench. */
  occurredAt: z.string(),
  technician: z.string().nullable(),
  /** The server's reason. */
  code: z.string(),
  message: z.string(),
  hint: z.string(),
  acknowledgedAt: z.string().nullable(),
});
export type SyncRejection = z.infer<typeof SyncRejectionSchema>;

export const SyncRejectionsParamsSchema = z.object({
  /** Most recent first. */
  limit: z.number().int().min(1).max(1000).default(100),
});

export const AcknowledgeRejectionsParamsSchema = z.object({
  keys: z.array(z.string().min(1)).min(1).max(1000),
});

export const SYNC_METHODS = {
  'sync.status': { params: z.object({}), result: SyncStatusSchema },
  /** Push and pull now instead of waiting for the next round; resolves with the status after it. */
  'sync.now': { params: z.object({}), result: SyncStatusSchema },
  /** From the bench's copy of the inventory: works offline. */
  'inventory.search': { params: InventorySearchParamsSchema, result: InventorySearchResultSchema },
  /** From the server (refused with ServerUnreachable offline). */
  'inventory.history': { params: z.object({ serialNumber: SerialNumberSchema }), result: z.array(HistoryEntrySchema) },
  'preapproved.preview': { params: CsvInputSchema.extend({ limit: z.number().int().min(1).max(1000).default(200) }), result: PreapprovedPreviewSchema },
  'preapproved.import': {
    params: CsvInputSchema.extend({ mode: z.enum(['replace', 'skip']), excludeLines: z.array(z.number().int().positive()).max(200_000).default([]) }),
    result: PreapprovedImportResultSchema,
  },
  'preapproved.add': { params: PreapproveDevicesParamsSchema, result: PreapproveDevicesResultSchema },
  'deprovision.start': { params: StartDeprovisionParamsSchema, result: StartDeprovisionResultSchema },
  /** The outbox entries the server refused for good, acknowledged or not, most recent first. Works offline. */
  'sync.rejections': { params: SyncRejectionsParamsSchema, result: z.array(SyncRejectionSchema) },
  /**
   * The technician has read these rejections: they stop counting in SyncStatus.rejected (and stay
   * listed). Audited with the technician's name. Keys unknown or not rejected are ignored.
   */
  'sync.acknowledgeRejections': { params: AcknowledgeRejectionsParamsSchema, result: SyncStatusSchema },
} as const;

export const SYNC_EVENTS = {
  'sync.changed': SyncStatusSchema,
  /** Inventory records that changed in the bench's copy (after a pull, or a change made here). */
  'inventory.changed': z.object({ devices: z.array(InventoryDeviceSchema), removed: z.array(SerialNumberSchema) }),
} as const;

/** Error codes of these methods. */
export const SYNC_ERROR_CODES = {
  ServerUnreachable: 'ServerUnreachable',
  NoServer: 'NoServer',
  NotAcknowledged: 'NotAcknowledged',
  DeprovisionPending: 'DeprovisionPending',
  NotInInventory: 'NotInInventory',
  WipeRequired: 'WipeRequired',
  LeaseHeld: 'LeaseHeld',
  NoSerialNumber: 'NoSerialNumber',
} as const;
