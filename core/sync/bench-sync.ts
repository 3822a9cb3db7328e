/**
 * HostSync (core/host/ports.ts) over the bench's store and the central
 * server: status and rounds (sync-loop.ts), inventory search from the copy
 * (offline), what needs the server (history, the CSV wizard) over HTTP, and
 * the technician's pre-approve and deprovision commands, which are queued in
 * the outbox in the same transaction as their audit record and take effect
 * in the copy at once (the server's answer comes back through pull).
 */
import { randomUUID } from 'node:crypto';
import type { Deprovision, DeviceObservedSchema, InventoryDevice, SyncEventBody } from '../contract/server-wire.js';
import { platformOfProductType, purgeAfter, statusAfterDeprovision, wipeFor } from '../contract/deprovision-rules.js';
import { SYNC_ERROR_CODES, type SyncStatus } from '../contract/sync.js';
import type { Subscription } from '../devices/ports.js';
import { HostRefusal } from '../host/envelopes.js';
import type { HostSync, SyncEventData, SyncParams, SyncResult } from '../host/ports.js';
import type { BenchJobs } from '../jobs/host-jobs.js';
import { storedTechnician } from '../jobs/host-jobs.js';
import type { AuditEntry, BenchStore } from '../store/types.js';
import type { SyncStore } from '../store/sync-store.js';
import type { WorkflowCatalog } from '../workflows/catalog.js';
import type { TetheredDevice, TetheredDevices } from './devices.js';
import { ServerCallError, type ServerClient } from './server-client.js';
import { rejectionOf } from './rejections.js';
import type { SyncLoop } from './sync-loop.js';
import type { z } from 'zod';

type Refusal = { code: string; message: string; hint: string };

const NO_SERVER_HINT = 'Configure a central server for this bench (benchline serve --server-url <url> --enrollment-code <code>). What is pre-approved or deprovisioned here meanwhile is kept and sent once a server is set.';

/** The workflow that performs each wipe (resources/workflows/*.json). */
export const WIPE_WORKFLOWS = { full: 'erase', 'corporate-data': 'remove-management-profile' } as const;

/** What the technician's commands need of the server directly (a ServerClient; tests hand in a fake). */
export type CommandServer = Pick<ServerClient, 'history' | 'previewCsv' | 'importCsv'>;

export interface BenchSyncOptions {
  store: BenchStore;
  syncStore: SyncStore;
  loop: SyncLoop;
  client: () => CommandServer | null;
  jobs: Pick<BenchJobs, 'startJobs'>;
  catalog: WorkflowCatalog;
  devices: TetheredDevices;
  /** This bench's name, for "requested by" until the server has told us the enrolled name. */
  benchName: string;
  now?: () => Date;
}

/** A server call's failure as a refusal for the technician. */
function refusalOf(error: unknown, offlineHint: string): never {
  if (error instanceof ServerCallError) {
    if (error.transient) throw new HostRefusal(SYNC_ERROR_CODES.ServerUnreachable, error.message, offlineHint);
    const line = typeof error.details.line === 'number' && !error.message.includes(`line ${error.details.line}`) ? ` (line ${error.details.line})` : '';
    throw new HostRefusal(error.code, error.message + line, error.hint);
  }
  throw error;
}

export class BenchSync implements HostSync {
  private readonly statusListeners = new Set<(status: SyncStatus) => void>();
  private readonly inventoryListeners = new Set<(change: SyncEventData<'inventory.changed'>) => void>();
  private readonly now: () => Date;

  constructor(private readonly options: BenchSyncOptions) {
    this.now = options.now ?? (() => new Date());
  }

  // -- Status ---------------------------------------------------------------------------------

  status(): SyncStatus {
    return this.options.loop.status();
  }

  syncNow(): Promise<SyncStatus> {
    return this.options.loop.runNow();
  }

  onStatusChange(listener: (status: SyncStatus) => void): Subscription {
    this.statusListeners.add(listener);
    return { close: () => void this.statusListeners.delete(listener) };
  }

  onInventoryChange(listener: (change: SyncEventData<'inventory.changed'>) => void): Subscription {
    this.inventoryListeners.add(listener);
    return { close: () => void this.inventoryListeners.delete(listener) };
  }

  /** For the composition: the loop reports here. */
  emitStatus(status: SyncStatus): void {
    for (const listener of [...this.statusListeners]) listener(status);
  }

  emitInventory(change: SyncEventData<'inventory.changed'>): void {
    if (change.devices.length === 0 && change.removed.length === 0) return;
    for (const listener of [...this.inventoryListeners]) listener(change);
  }

  // -- Rejections -------------------------------------------------------------------------------

  /** What the server refused for good and why, from the outbox (works offline). */
  rejections(params: SyncParams<'sync.rejections'>): SyncResult<'sync.rejections'> {
    return this.options.syncStore.rejected(params.limit).map(rejectionOf);
  }

  /**
   * The technician has read these rejections: they stop counting in the status but stay in the
   * outbox with their reason. Audited in the same transaction (the audit record goes to the
   * server like any other), so who dismissed what is on record.
   */
  async acknowledgeRejections(params: SyncParams<'sync.acknowledgeRejections'>): Promise<SyncResult<'sync.acknowledgeRejections'>> {
    const technician = this.requireTechnician();
    const { syncStore, store } = this.options;
    const at = this.now().toISOString();
    const acknowledged = syncStore.transaction(() => {
      const keys = syncStore.acknowledgeRejections([...new Set(params.keys)], at);
      if (keys.length > 0) {
        store.audit.append({
          at,
          technician,
          action: 'sync.rejections.acknowledged',
          jobId: null,
          workflowId: null,
          stepKind: null,
          udid: null,
          serialNumber: null,
          result: 'acknowledged',
          detail: `${keys.length} change${keys.length === 1 ? '' : 's'} refused by the server: ${keys.join(', ')}`,
        });
      }
      return keys.length;
    });
    // The count changed, and the audit record is queued for the server.
    if (acknowledged > 0) this.options.loop.kick();
    return this.status();
  }

  // -- Reads ------------------------------------------------------------------------------------

  searchInventory(params: SyncParams<'inventory.search'>): SyncResult<'inventory.search'> {
    return this.options.syncStore.searchInventory({ query: params.query, statuses: params.statuses, offset: params.offset, limit: params.limit });
  }

  async history(serialNumber: string): Promise<SyncResult<'inventory.history'>> {
    const client = this.requireServer();
    return client.history(serialNumber).catch((error: unknown) => refusalOf(error, 'The history is kept on the server: try again when it is reachable. Inventory search works offline meanwhile.'));
  }

  // -- The pre-approved CSV wizard (the server validates and stores the file) ------------------

  async previewCsv(params: SyncParams<'preapproved.preview'>): Promise<SyncResult<'preapproved.preview'>> {
    const client = this.requireServer();
    return client.previewCsv(params.csv, { mapping: params.mapping, delimiter: params.delimiter, limit: params.limit }).catch((error: unknown) => refusalOf(error, 'The CSV import needs the server: try again when it is reachable.'));
  }

  async importCsv(params: SyncParams<'preapproved.import'>): Promise<SyncResult<'preapproved.import'>> {
    const client = this.requireServer();
    const result = await client
      .importCsv(params.csv, { mapping: params.mapping, delimiter: params.delimiter, mode: params.mode, excludeLines: params.excludeLines })
      .catch((error: unknown) => refusalOf(error, 'The CSV import needs the server: try again when it is reachable. Nothing was imported.'));
    // The imported devices reach the copy through pull.
    void this.options.loop.runNow();
    return result;
  }

  // -- Device observed --------------------------------------------------------------------------

  /**
   * A ready device with a serial number and a platform we know: queue its identity for the
   * server, unless the same identity was queued before (a replug changes nothing).
   */
  noteDevice(device: TetheredDevice): void {
    if (!device.ready || device.serialNumber === null) return;
    const platform = platformOfProductType(device.productType);
    if (platform === null) return;
    const observed: z.infer<typeof DeviceObservedSchema> = {
      serialNumber: device.serialNumber,
      udid: device.udid,
      ecid: device.ecid,
      productType: device.productType,
      productVersion: device.productVersion,
      deviceName: device.deviceName,
      platform,
    };
    const identity = JSON.stringify([device.serialNumber, device.udid, device.productType, device.productVersion]);
    const { syncStore } = this.options;
    const queued = syncStore.transaction(() => {
      if (syncStore.observedIdentity(device.serialNumber!) === identity) return false;
      syncStore.enqueue({ key: `observed:${randomUUID()}`, occurredAt: this.now().toISOString(), technician: null, body: { type: 'device.observed', device: observed } });
      syncStore.noteObserved(device.serialNumber!, identity);
      return true;
    });
    if (queued) this.options.loop.kick();
  }

  // -- Pre-approve ------------------------------------------------------------------------------

  // async: the host awaits every command alike; a refusal (no technician) becomes a rejection.
  async preapprove(params: SyncParams<'preapproved.add'>): Promise<SyncResult<'preapproved.add'>> {
    const technician = this.requireTechnician();
    const queued: SyncResult<'preapproved.add'>['queued'] = [];
    const refused: SyncResult<'preapproved.add'>['refused'] = [];
    const changed: InventoryDevice[] = [];
    for (const udid of new Set(params.udids)) {
      const device = this.options.devices.byUdid(udid);
      const problem = this.preapproveProblem(udid, device, params.platform);
      if (problem) {
        refused.push({ udid, ...problem });
        continue;
      }
      const serialNumber = device!.serialNumber!;
      const platform = params.platform ?? platformOfProductType(device!.productType)!;
      const at = this.now().toISOString();
      const body: SyncEventBody = {
        type: 'device.preapprove',
        device: { serialNumber, platform, ownership: params.ownership, deviceName: device!.deviceName, user: params.user },
      };
      const record = this.preapprovedRecord(this.options.syncStore.inventoryDevice(serialNumber), device!, body.device, at);
      this.queue(
        { key: `preapprove:${randomUUID()}`, technician, at, body },
        { action: 'device.preapprove', udid, serialNumber, result: 'queued', detail: `${params.ownership}, ${platform}, user ${params.user.email}` },
        record,
      );
      changed.push(record);
      queued.push({ udid, serialNumber });
    }
    this.afterLocalChange(changed);
    return { queued, refused };
  }

  private preapproveProblem(udid: string, device: TetheredDevice | null, platform: string | undefined): Refusal | null {
    if (!device) return { code: 'DeviceNotTethered', message: `Device ${udid} is not on the bench.`, hint: 'Plug it in and wait until it shows as ready.' };
    if (device.serialNumber === null) {
      return { code: SYNC_ERROR_CODES.NoSerialNumber, message: `Device ${udid} has not told its serial number yet.`, hint: 'Wait until it shows as ready (trusted and unlocked), then pre-approve it again.' };
    }
    if (platform === undefined && platformOfProductType(device.productType) === null) {
      return { code: 'UnknownPlatform', message: `The platform of ${device.serialNumber} cannot be told from its product type (${device.productType ?? 'not read yet'}).`, hint: 'Choose the platform by hand, or wait until the device shows as ready.' };
    }
    return null;
  }

  private preapprovedRecord(existing: InventoryDevice | null, device: TetheredDevice, wire: Extract<SyncEventBody, { type: 'device.preapprove' }>['device'], at: string): InventoryDevice {
    const base: InventoryDevice = existing ?? {
      serialNumber: wire.serialNumber,
      udid: device.udid,
      ecid: device.ecid,
      productType: device.productType,
      productVersion: device.productVersion,
      deviceName: wire.deviceName,
      platform: wire.platform,
      ownership: wire.ownership,
      userEmail: null,
      userName: null,
      status: 'pre-approved',
      preapproved: true,
      enrolledAt: null,
      lastCheckInAt: null,
      purgeAfter: null,
      pendingDeprovision: null,
      revision: 0,
      updatedAt: at,
    };
    return { ...base, platform: wire.platform, ownership: wire.ownership, userEmail: wire.user.email, userName: wire.user.name, preapproved: true, updatedAt: at };
  }

  // -- Deprovision ------------------------------------------------------------------------------

  async deprovision(params: SyncParams<'deprovision.start'>): Promise<SyncResult<'deprovision.start'>> {
    if (!params.acknowledged) {
      throw new HostRefusal(SYNC_ERROR_CODES.NotAcknowledged, 'Deprovisioning was not acknowledged: it wipes the devices and they must be enrolled again.', 'Tick "I acknowledge the need to wipe and re-enroll these devices" first.');
    }
    if (params.reason === 'other' && params.wipe === undefined) {
      throw new HostRefusal(SYNC_ERROR_CODES.WipeRequired, 'With the reason "Other", choose the wipe.', 'Choose a full wipe (erase the device) or a corporate-data wipe (remove the management profile and what it installed).');
    }
    // The server refuses it too (note-required): refused here, before anything is wiped.
    if (params.reason === 'other' && !params.note?.trim()) {
      throw new HostRefusal('NoteRequired', 'With the reason "Other", the reason must be written down.', 'Describe why the devices are deprovisioned in the note.');
    }
    const technician = this.requireTechnician();
    const started: SyncResult<'deprovision.start'>['started'] = [];
    const refused: SyncResult<'deprovision.start'>['refused'] = [];
    const changed: InventoryDevice[] = [];
    for (const serialNumber of new Set(params.serialNumbers)) {
      const record = this.options.syncStore.inventoryDevice(serialNumber);
      const problem = this.deprovisionProblem(serialNumber, record);
      if (problem || !record) {
        refused.push({ serialNumber, ...(problem ?? this.notInInventory(serialNumber)) });
        continue;
      }
      const outcome = await this.deprovisionOne(record, params, technician);
      if ('code' in outcome) {
        refused.push({ serialNumber, ...outcome });
        continue;
      }
      started.push(outcome.started);
      changed.push(outcome.record);
    }
    this.afterLocalChange(changed);
    return { started, refused };
  }

  private notInInventory(serialNumber: string): Refusal {
    const lastSyncAt = this.options.syncStore.state().lastSyncAt;
    return {
      code: SYNC_ERROR_CODES.NotInInventory,
      message: `${serialNumber} is not in the organisation's inventory (${lastSyncAt ? `as of the last sync at ${lastSyncAt}` : 'this bench has not synced with the server yet'}).`,
      hint: 'Check the serial number (serial numbers are case-sensitive), sync now if it was added on the server since, or pre-approve the device first.',
    };
  }

  private deprovisionProblem(serialNumber: string, record: InventoryDevice | null): Refusal | null {
    if (!record) return this.notInInventory(serialNumber);
    const pending = record.pendingDeprovision;
    if (pending && pending.state === 'pending') {
      return {
        code: SYNC_ERROR_CODES.DeprovisionPending,
        message: `A deprovision of ${serialNumber} is already pending: requested at ${pending.requestedAt} by ${pending.requestedBy}.`,
        hint: 'Wait until the device is wiped (its wipe job finishes, or it checks out of management), or have an admin complete the pending one on the server.',
      };
    }
    const queued = this.options.syncStore.pendingDeprovision(serialNumber);
    if (queued) {
      return {
        code: SYNC_ERROR_CODES.DeprovisionPending,
        message: `A deprovision of ${serialNumber} is already queued at this bench: requested at ${queued.occurredAt} by ${queued.technician ?? 'this bench'}, not yet sent to the server.`,
        hint: 'Wait until it is sent and the device is wiped; the sync status shows what is still pending.',
      };
    }
    if (record.status === 'retired') {
      return { code: 'AlreadyRetired', message: `${serialNumber} is already retired: there is nothing to deprovision.`, hint: 'Pick another device; a retired device stays on record (a personal one is purged 90 days after retirement).' };
    }
    return null;
  }

  private async deprovisionOne(record: InventoryDevice, params: SyncParams<'deprovision.start'>, technician: string): Promise<Refusal | { started: SyncResult<'deprovision.start'>['started'][number]; record: InventoryDevice }> {
    const { serialNumber } = record;
    const wipe = wipeFor(params.reason, record.ownership, params.wipe)!;
    const toStatus = statusAfterDeprovision(params.reason, record.ownership);
    const deprovisionId = randomUUID();
    const key = `deprovision:${deprovisionId}`;
    const tethered = this.options.devices.bySerial(serialNumber);
    const at = this.now();
    const deviceInfo = params.requestInfo && tethered ? deviceInfoOf(tethered) : null;
    const body: SyncEventBody = {
      type: 'device.deprovision',
      deprovisionId,
      request: {
        serialNumbers: [serialNumber],
        acknowledged: true,
        reason: params.reason,
        ...(params.wipe !== undefined ? { wipe: params.wipe } : {}),
        ...(params.note !== undefined ? { note: params.note } : {}),
        requestInfo: params.requestInfo,
        ...(deviceInfo ? { deviceInfo: { [serialNumber]: deviceInfo } } : {}),
      },
    };
    const event = { key, technician, at: at.toISOString(), body };
    // When the device is here its wipe starts first: if it cannot (another bench holds the
    // lease, an action is in progress), nothing is deprovisioned and the technician can try
    // again. The event is held in its place meanwhile, so that it reaches the server before
    // the wipe job's job.finished (which completes it there) however fast the job ends.
    let jobId: string | null = null;
    if (tethered?.ready) {
      this.options.syncStore.enqueue({ key, occurredAt: event.at, technician, body }, 'held');
      const started = await this.startWipe(tethered, wipe, params.reason, toStatus, deprovisionId).catch((error: unknown) => {
        this.options.syncStore.dropHeld(key);
        throw error;
      });
      if ('code' in started) {
        this.options.syncStore.dropHeld(key);
        return started;
      }
      jobId = started.jobId;
    }
    const pendingDeprovision: Deprovision = {
      id: deprovisionId,
      serialNumber,
      reason: params.reason,
      note: params.note ?? null,
      wipe,
      requestInfo: params.requestInfo,
      deviceInfo,
      toStatus,
      state: 'pending',
      requestedBy: `bench ${this.benchName()} (technician ${technician})`,
      requestedAt: at.toISOString(),
      completedAt: null,
      completion: null,
    };
    const purge = purgeAfter(toStatus, record.ownership, at);
    const updated: InventoryDevice = { ...record, status: toStatus, purgeAfter: purge ? purge.toISOString() : null, pendingDeprovision, updatedAt: at.toISOString() };
    this.queue(
      event,
      { action: 'device.deprovision', udid: tethered?.udid ?? null, serialNumber, jobId, result: 'queued', detail: `reason ${params.reason}, ${wipe} wipe, ${record.status} → ${toStatus}; deprovision ${deprovisionId}${params.note ? `; note: ${params.note}` : ''}` },
      updated,
    );
    return { started: { serialNumber, deprovisionId, wipe, jobId }, record: updated };
  }

  private async startWipe(device: TetheredDevice, wipe: keyof typeof WIPE_WORKFLOWS, reason: string, toStatus: string, deprovisionId: string): Promise<Refusal | { jobId: string }> {
    const workflowId = WIPE_WORKFLOWS[wipe];
    const definition = this.options.catalog.get(workflowId)?.definition;
    const reasons = definition?.reasons.map((r) => r.id) ?? [];
    // The workflow's own reason closest to the deprovision's (its list is the workflow's, not the server's).
    const candidates = [reason, toStatus === 'in-stock' ? 'return-to-stock' : 'retire', 'unenroll'];
    const jobReason = reasons.length === 0 ? undefined : (candidates.find((candidate) => reasons.includes(candidate)) ?? reasons[0]);
    try {
      const outcome = await this.options.jobs.startJobs({ workflowId, udids: [device.udid], acknowledged: true, reason: jobReason, params: { deprovisionId } });
      const job = outcome.jobs[0];
      if (job) return { jobId: job.id };
      const refusal = outcome.refused[0];
      return refusal
        ? { code: refusal.code, message: `The wipe of ${device.serialNumber ?? device.udid} cannot start here: ${refusal.message} Nothing was deprovisioned.`, hint: refusal.hint }
        : { code: 'WipeNotStarted', message: `The wipe of ${device.serialNumber ?? device.udid} did not start. Nothing was deprovisioned.`, hint: 'Try again; if it keeps happening, report it with the log.' };
    } catch (error) {
      if (error instanceof HostRefusal) return { code: error.code, message: `${error.message} Nothing was deprovisioned.`, hint: error.hint };
      const code = (error as { code?: unknown }).code;
      const hint = (error as { hint?: unknown }).hint;
      if (typeof code === 'string' && typeof hint === 'string') return { code, message: `${(error as Error).message} Nothing was deprovisioned.`, hint };
      throw error;
    }
  }

  /**
   * After a crash between starting a deprovision's wipe and recording the deprovision: a held
   * deprovision whose wipe job exists goes to the server (the device is being wiped for it) and
   * is audited now; one without a job never happened and is withdrawn. Call once at start.
   */
  recoverHeld(): void {
    const { syncStore, store } = this.options;
    for (const entry of syncStore.held()) {
      if (entry.body.type !== 'device.deprovision') {
        syncStore.dropHeld(entry.key);
        continue;
      }
      const { deprovisionId } = entry.body;
      const jobId = syncStore.jobForDeprovision(deprovisionId);
      if (jobId === null) {
        syncStore.dropHeld(entry.key);
        continue;
      }
      const serialNumber = entry.body.request.serialNumbers[0] ?? null;
      syncStore.transaction(() => {
        store.audit.append({ at: this.now().toISOString(), technician: entry.technician ?? 'unknown', action: 'device.deprovision', jobId, workflowId: null, stepKind: null, udid: null, serialNumber, result: 'queued', detail: `deprovision ${deprovisionId} recorded after a restart (its wipe job had started)` });
        syncStore.releaseHeld(entry.key);
      });
    }
  }

  // -- Helpers ----------------------------------------------------------------------------------

  /** Audit record, outbox entry and the copy's record: one transaction. */
  private queue(event: { key: string; technician: string; at: string; body: SyncEventBody }, audit: Omit<AuditEntry, 'at' | 'technician' | 'workflowId' | 'stepKind' | 'jobId'> & { jobId?: string | null }, record: InventoryDevice): void {
    const { syncStore, store } = this.options;
    syncStore.transaction(() => {
      store.audit.append({ at: event.at, technician: event.technician, workflowId: null, stepKind: null, ...audit, jobId: audit.jobId ?? null });
      // Held while its wipe job started: released in the place it was queued.
      if (!syncStore.releaseHeld(event.key)) syncStore.enqueue({ key: event.key, occurredAt: event.at, technician: event.technician, body: event.body });
      syncStore.putInventory(record);
    });
  }

  private afterLocalChange(changed: InventoryDevice[]): void {
    if (changed.length === 0) return;
    this.emitInventory({ devices: changed, removed: [] });
    this.options.loop.kick();
  }

  private requireServer(): CommandServer {
    const client = this.options.client();
    if (!client) throw new HostRefusal(SYNC_ERROR_CODES.NoServer, 'No central server is configured for this bench.', NO_SERVER_HINT);
    return client;
  }

  private requireTechnician(): string {
    const technician = storedTechnician(this.options.store);
    if (!technician) throw new HostRefusal('NoTechnician', 'No technician is set at this bench.', 'Enter your name at the bench first: every action is recorded with it.');
    return technician;
  }

  private benchName(): string {
    return this.options.syncStore.state().benchName ?? this.options.benchName;
  }
}

/** What a tethered device tells about itself, for "request device information before unenrolling". */
function deviceInfoOf(device: TetheredDevice): Record<string, string | null> {
  return { udid: device.udid, ecid: device.ecid, serialNumber: device.serialNumber, productType: device.productType, productVersion: device.productVersion, deviceName: device.deviceName };
}
