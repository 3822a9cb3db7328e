/**
 * The wire between a bench and the central server (issue #5): the JSON the
 * server's HTTP API takes and returns for inventory, deprovisioning, leases
 * and sync. The server validates its routes with these schemas and the
 * bench's sync client parses answers with them, so the two cannot drift.
 *
 * Dates travel as ISO 8601 strings. Serial numbers are case-sensitive
 * (seed 004): `C02XK1` and `c02xk1` are two devices.
 */
import { z } from 'zod';

export const PLATFORMS = ['android', 'ios', 'macos', 'tvos'] as const;
export const PlatformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof PlatformSchema>;

export const OWNERSHIPS = ['corporate', 'personal'] as const;
export const OwnershipSchema = z.enum(OWNERSHIPS);
export type Ownership = z.infer<typeof OwnershipSchema>;

/** Inventory status of a device (issue #5 part 3). Labels for people are in DEVICE_STATUS_LABELS. */
export const DEVICE_STATUSES = ['pre-approved', 'enrolled', 'in-service', 'in-stock', 'retired', 'unenrolled'] as const;
export const DeviceStatusSchema = z.enum(DEVICE_STATUSES);
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;
export const DEVICE_STATUS_LABELS: Record<DeviceStatus, string> = {
  'pre-approved': 'Pre-approved',
  enrolled: 'Enrolled',
  'in-service': 'In service',
  'in-stock': 'In stock',
  retired: 'Retired',
  unenrolled: 'Unenrolled',
};

/** Seeds 000-002: why a device leaves management. */
export const DEPROVISION_REASONS = ['in-repair', 'employee-left', 'retire', 'other'] as const;
export const DeprovisionReasonSchema = z.enum(DEPROVISION_REASONS);
export type DeprovisionReason = z.infer<typeof DeprovisionReasonSchema>;
export const DEPROVISION_REASON_LABELS: Record<DeprovisionReason, string> = {
  'in-repair': 'Device is in repair',
  'employee-left': 'Employee left the organisation',
  retire: 'Retire device',
  other: 'Other',
};

/** Full wipe (erase the device) or corporate-data wipe (remove the management profile and what it installed). */
export const WIPE_KINDS = ['full', 'corporate-data'] as const;
export const WipeKindSchema = z.enum(WIPE_KINDS);
export type WipeKind = z.infer<typeof WipeKindSchema>;

export const DEPROVISION_STATES = ['pending', 'completed'] as const;

export const SerialNumberSchema = z.string().min(1).max(64);

/** Why the server or the bench refused something and what to do about it: every refusal a user can meet has this shape. */
export const RefusalSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() });

/** One deprovisioning of one device: decided when requested, completed when the wipe is confirmed. */
export const DeprovisionSchema = z.object({
  id: z.uuid(),
  serialNumber: SerialNumberSchema,
  reason: DeprovisionReasonSchema,
  /** Free text; required with reason `other`. */
  note: z.string().nullable(),
  wipe: WipeKindSchema,
  /** "Request device information before unenrolling" (seed 002). */
  requestInfo: z.boolean(),
  /** The device information gathered for it, when it was requested and the device answered (a tethered device does at once). */
  deviceInfo: z.record(z.string(), z.string().nullable()).nullable(),
  /** The status the device took when the deprovision was requested. */
  toStatus: DeviceStatusSchema,
  state: z.enum(DEPROVISION_STATES),
  requestedBy: z.string(),
  requestedAt: z.string(),
  completedAt: z.string().nullable(),
  /** How it completed, e.g. "erased at bench Bench-2 (job …)" or "device checked out". */
  completion: z.string().nullable(),
});
export type Deprovision = z.infer<typeof DeprovisionSchema>;

/** Who a device is, as the device itself tells a bench: the identity part of its inventory record. */
export const InventoryIdentitySchema = z.object({
  serialNumber: SerialNumberSchema,
  udid: z.string().nullable(),
  ecid: z.string().nullable(),
  productType: z.string().nullable(),
  productVersion: z.string().nullable(),
  deviceName: z.string().nullable(),
  platform: PlatformSchema,
});

/** The one inventory record of a device (issue #5 part 3): its identity, then what the organisation knows of it. */
export const InventoryDeviceSchema = InventoryIdentitySchema.extend({
  ownership: OwnershipSchema,
  userEmail: z.string().nullable(),
  userName: z.string().nullable(),
  status: DeviceStatusSchema,
  /** On the pre-approved list (seed 004): may enroll when "pre-approved devices only" is on. */
  preapproved: z.boolean(),
  enrolledAt: z.string().nullable(),
  lastCheckInAt: z.string().nullable(),
  /** Personal devices retired: removed from the server after this moment (90 days). */
  purgeAfter: z.string().nullable(),
  /** A deprovision waiting for its wipe to be confirmed: a second one is refused meanwhile. */
  pendingDeprovision: DeprovisionSchema.nullable(),
  /** Bumped on every change to the record. */
  revision: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type InventoryDevice = z.infer<typeof InventoryDeviceSchema>;

export const HistoryEntrySchema = z.object({
  at: z.string(),
  /** e.g. preapproved, observed, enrolled, token-updated, checked-out, deprovision-requested, deprovision-completed, purged. */
  kind: z.string(),
  /** Who: "admin@example.com", "bench Bench-2 (technician Ana)", "device (MDM check-in)". */
  actor: z.string(),
  fromStatus: DeviceStatusSchema.nullable(),
  toStatus: DeviceStatusSchema.nullable(),
  detail: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

// ---------------------------------------------------------------------------------------------
// Requests

export const DeprovisionRequestSchema = z.object({
  serialNumbers: z.array(SerialNumberSchema).min(1).max(1000),
  /** The "I acknowledge the need to wipe and re-enroll these devices" checkbox (seed 001). */
  acknowledged: z.literal(true),
  reason: DeprovisionReasonSchema,
  /** Required with reason `other` (seed 000: choose the wipe); ignored otherwise (the reason and ownership decide). */
  wipe: WipeKindSchema.optional(),
  note: z.string().max(500).optional(),
  requestInfo: z.boolean().default(false),
  /** Per serial number, device information the bench already read (tethered devices). */
  deviceInfo: z.record(z.string(), z.record(z.string(), z.string().nullable())).optional(),
});
export type DeprovisionRequest = z.infer<typeof DeprovisionRequestSchema>;

/** One answer per serial number: the deprovision made, or why not (pending one, unknown device…). */
export const DeprovisionOutcomeSchema = z.object({
  serialNumber: SerialNumberSchema,
  deprovision: DeprovisionSchema.nullable(),
  refused: RefusalSchema.nullable(),
});
export const DeprovisionResultSchema = z.object({ outcomes: z.array(DeprovisionOutcomeSchema) });
export type DeprovisionResult = z.infer<typeof DeprovisionResultSchema>;

/** Adding one device to the pre-approved list from a bench (the CSV import does many). */
export const PreapproveSchema = z.object({
  serialNumber: SerialNumberSchema,
  platform: PlatformSchema,
  ownership: OwnershipSchema,
  deviceName: z.string().max(200).nullable().default(null),
  user: z.object({ email: z.string().min(3).max(320), name: z.string().min(1).max(200) }),
});
export type Preapprove = z.infer<typeof PreapproveSchema>;

// ---------------------------------------------------------------------------------------------
// Sync (issue #5 part 7): push the outbox, pull changes

/** What a bench observed at the bench: a tethered device's identity, so the inventory knows it. */
export const DeviceObservedSchema = InventoryIdentitySchema;

/** A job that ended at the bench (from the bench's own record). */
export const JobFinishedSchema = z.object({
  jobId: z.string(),
  workflowId: z.string(),
  udid: z.string(),
  serialNumber: z.string().nullable(),
  state: z.enum(['succeeded', 'failed', 'cancelled']),
  technician: z.string(),
  reason: z.string().nullable(),
  /** The deprovision this job wipes the device for, when it does. */
  deprovisionId: z.uuid().nullable(),
  errorMessage: z.string().nullable(),
  finishedAt: z.string(),
});

/** One record of the bench's hash-chained audit log: the server keeps a copy, an anchor outside the bench. */
export const AuditRecordSchema = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  technician: z.string(),
  action: z.string(),
  jobId: z.string().nullable(),
  workflowId: z.string().nullable(),
  stepKind: z.string().nullable(),
  udid: z.string().nullable(),
  serialNumber: z.string().nullable(),
  result: z.string(),
  detail: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const SyncEventBodySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('device.observed'), device: DeviceObservedSchema }),
  z.object({ type: z.literal('device.preapprove'), device: PreapproveSchema }),
  /** Ids chosen by the bench, so the bench can link its wipe jobs before the server has answered. */
  z.object({ type: z.literal('device.deprovision'), deprovisionId: z.uuid(), request: DeprovisionRequestSchema.extend({ serialNumbers: z.array(SerialNumberSchema).length(1) }) }),
  z.object({ type: z.literal('job.finished'), job: JobFinishedSchema }),
  z.object({ type: z.literal('audit.record'), record: AuditRecordSchema }),
]);
export type SyncEventBody = z.infer<typeof SyncEventBodySchema>;
export type SyncEventType = SyncEventBody['type'];

/** One outbox entry as pushed: its idempotency key is unique per bench forever. */
export const SyncEventSchema = z.object({
  key: z.string().min(1).max(200),
  occurredAt: z.string(),
  /** Who at the bench caused it; null for what the bench did by itself (observing a device). */
  technician: z.string().nullable(),
  body: SyncEventBodySchema,
});
export type SyncEvent = z.infer<typeof SyncEventSchema>;

export const MAX_PUSH_BATCH = 500;
export const SyncPushRequestSchema = z.object({ events: z.array(SyncEventSchema).min(1).max(MAX_PUSH_BATCH) });
export type SyncPushRequest = z.infer<typeof SyncPushRequestSchema>;

/**
 * Per event: applied now, a duplicate of one applied before (same key: nothing happens again,
 * the first outcome is repeated), or rejected for good (the bench stops retrying it and shows why).
 */
export const SyncPushOutcomeSchema = z.object({
  key: z.string(),
  status: z.enum(['applied', 'duplicate', 'rejected']),
  error: RefusalSchema.nullable(),
});
export const SyncPushResultSchema = z.object({ outcomes: z.array(SyncPushOutcomeSchema) });
export type SyncPushResult = z.infer<typeof SyncPushResultSchema>;

/** A change since the bench's cursor: the whole record as it is now (the newest wins). */
export const SyncChangeSchema = z.discriminatedUnion('kind', [
  z.object({ seq: z.number().int().positive(), kind: z.literal('device'), device: InventoryDeviceSchema }),
  /** A device removed from the server (a personal device purged 90 days after retirement). */
  z.object({ seq: z.number().int().positive(), kind: z.literal('device.removed'), serialNumber: SerialNumberSchema }),
  z.object({ seq: z.number().int().positive(), kind: z.literal('setting'), key: z.string(), value: z.unknown() }),
]);
export type SyncChange = z.infer<typeof SyncChangeSchema>;

export const MAX_PULL_LIMIT = 1000;
export const SyncPullResultSchema = z.object({
  changes: z.array(SyncChangeSchema),
  /** Pass back as `?cursor=` next time: the seq of the last change returned (or the one sent, when none). */
  cursor: z.number().int().nonnegative(),
  /** More changes wait past this page. */
  more: z.boolean(),
});
export type SyncPullResult = z.infer<typeof SyncPullResultSchema>;

// ---------------------------------------------------------------------------------------------
// Leases (issue #5 part 7): one bench at a time runs destructive jobs on a device

export const LeaseRequestSchema = z.object({
  serialNumber: SerialNumberSchema,
  /** The job that needs it: renewing with the same job extends the lease. */
  jobId: z.string().min(1).max(100),
  ttlSeconds: z.number().int().min(10).max(3600).default(900),
});
export type LeaseRequest = z.infer<typeof LeaseRequestSchema>;

export const LeaseSchema = z.object({
  serialNumber: SerialNumberSchema,
  benchId: z.uuid(),
  benchName: z.string(),
  jobId: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
});
export type Lease = z.infer<typeof LeaseSchema>;

/** Error code of a lease held by another bench (HTTP 409); the message names the bench and job. */
export const LEASE_HELD = 'lease-held';

// ---------------------------------------------------------------------------------------------
// Pre-approved CSV import (seed 004): preview and result, as the server answers them

/** The CSV's fields, in the order of the canonical header (server/preapproved/fields.ts uses the same list). */
export const PREAPPROVED_FIELDS = ['name', 'email', 'mobile', 'ownership', 'serialNumber', 'deviceName', 'platform', 'samAccountName', 'password'] as const;
export const PreapprovedFieldSchema = z.enum(PREAPPROVED_FIELDS);
export type PreapprovedFieldName = z.infer<typeof PreapprovedFieldSchema>;
/** Seed 004: name, email, ownership, serial number and platform must be in the file; the rest is optional. The server's import and the bench's wizard both check these. */
export const MANDATORY_PREAPPROVED_FIELDS: readonly PreapprovedFieldName[] = ['name', 'email', 'ownership', 'serialNumber', 'platform'];

export const CsvRowErrorSchema = z.object({ line: z.number(), code: z.string(), field: PreapprovedFieldSchema.optional(), reason: z.string() });
export const HeaderMappingSchema = z.object({
  header: z.array(z.string()),
  /** Field → column index (0-based). */
  columns: z.partialRecord(PreapprovedFieldSchema, z.number()),
  unmapped: z.array(z.object({ index: z.number(), label: z.string() })),
  missing: z.array(PreapprovedFieldSchema),
  ambiguous: z.array(z.object({ field: PreapprovedFieldSchema, indexes: z.array(z.number()) })),
});
export type HeaderMappingView = z.infer<typeof HeaderMappingSchema>;

/** Field → column index, header label, or null to leave the field unmapped. */
export const ManualMappingSchema = z.partialRecord(PreapprovedFieldSchema, z.union([z.number().int().min(0), z.string(), z.null()]));
export type ManualMappingInput = z.infer<typeof ManualMappingSchema>;

export const PreapprovedPreviewSchema = z.object({
  mapping: HeaderMappingSchema,
  rows: z.array(z.object({ line: z.number(), values: z.partialRecord(PreapprovedFieldSchema, z.string()), valid: z.boolean(), errors: z.array(CsvRowErrorSchema) })),
  truncated: z.boolean(),
});
export type PreapprovedPreview = z.infer<typeof PreapprovedPreviewSchema>;

export const PreapprovedImportResultSchema = z.object({
  mapping: HeaderMappingSchema,
  imported: z.number(),
  replaced: z.number(),
  skipped: z.number(),
  excluded: z.number(),
  passwordsIgnored: z.number(),
  errors: z.array(CsvRowErrorSchema),
});
export type PreapprovedImportResult = z.infer<typeof PreapprovedImportResultSchema>;
