/**
 * The bench's side of sync with the central server, on the same SQLite
 * connection as the bench store (tables from migration 003): the outbox, the
 * enrollment and cursor, and the copy of the server's inventory.
 *
 * Sharing the connection is what makes "audit the technician's action and
 * queue its event" one IMMEDIATE transaction (`transaction`), and lets the
 * triggers of migration 003 queue audit and job events in the writes that
 * cause them.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { InventoryDeviceSchema, RefusalSchema, SyncEventBodySchema, type DeviceStatus, type InventoryDevice, type SyncChange, type SyncEvent, type SyncEventBody } from '../contract/server-wire.js';
import { StoreError } from './errors.js';
import { connectionOf } from './sqlite-store.js';
import type { BenchStore } from './types.js';

/**
 * pending: waits to be pushed. held: queued in its place but not to be pushed yet (a deprovision
 * whose wipe job is being started; dropped if the job is refused). sent / rejected: the server's answer.
 */
export type OutboxState = 'pending' | 'held' | 'sent' | 'rejected';

export interface SyncProblem {
  code: string;
  message: string;
  hint: string;
}

export interface OutboxEntry {
  seq: number;
  key: string;
  type: SyncEventBody['type'];
  body: SyncEventBody;
  technician: string | null;
  occurredAt: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  rejection: SyncProblem | null;
  /** A rejected entry a technician has read (it no longer counts as rejected in the status). */
  acknowledgedAt: string | null;
}

/** A rejected outbox entry: the entry and the server's reason. */
export type RejectedEntry = OutboxEntry & { state: 'rejected'; rejection: SyncProblem };

export interface SyncState {
  serverUrl: string | null;
  benchId: string | null;
  benchName: string | null;
  token: string | null;
  cursor: number;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  lastError: { message: string; hint: string } | null;
}

export interface Enrollment {
  serverUrl: string;
  benchId: string;
  benchName: string;
  token: string;
}

export interface InventoryQuery {
  query?: string | undefined;
  statuses?: readonly DeviceStatus[] | undefined;
  offset: number;
  limit: number;
}

/** What a pull changed in the copy, for the inventory.changed event. */
export interface InventoryChanges {
  devices: InventoryDevice[];
  removed: string[];
}

interface OutboxRow {
  seq: number;
  key: string;
  type: string;
  body: string;
  technician: string | null;
  occurred_at: string;
  state: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  rejection: string | null;
  acknowledged_at: string | null;
}

interface StateRow {
  server_url: string | null;
  bench_id: string | null;
  bench_name: string | null;
  token: string | null;
  cursor: number;
  last_sync_at: string | null;
  last_attempt_at: string | null;
  last_error_message: string | null;
  last_error_hint: string | null;
}

const OutboxStateSchema = z.enum(['pending', 'held', 'sent', 'rejected']);

function corrupt(where: string, error: unknown): StoreError {
  return new StoreError(
    'corrupt-row',
    `${where} cannot be read (${error instanceof Error ? error.message : String(error)}).`,
    'The store was changed outside Benchline or is damaged. Keep a copy of the file for investigation.',
  );
}

function parseValue<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw corrupt(where, parsed.error);
  return parsed.data;
}

function parseJson<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, error);
  }
  return parseValue(schema, value, where);
}

function toEntry(row: OutboxRow): OutboxEntry {
  const where = `Outbox entry ${row.seq} (${row.key})`;
  const body = parseJson(SyncEventBodySchema, row.body, where);
  return {
    seq: row.seq,
    key: row.key,
    type: body.type,
    body,
    technician: row.technician,
    occurredAt: row.occurred_at,
    state: parseValue(OutboxStateSchema, row.state, where),
    attempts: row.attempts,
    lastError: row.last_error,
    sentAt: row.sent_at,
    rejection: row.rejection === null ? null : parseJson(RefusalSchema, row.rejection, where),
    acknowledgedAt: row.acknowledged_at,
  };
}

/** Text searched case-insensitively: everything but the serial number (which is searched as typed). */
function searchText(device: InventoryDevice): string {
  return [device.udid, device.userEmail, device.userName, device.deviceName].filter((part): part is string => part !== null).join('\n').toLowerCase();
}

/** LIKE with the text taken literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class SyncStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(`INSERT OR IGNORE INTO outbox (key, type, body, technician, occurred_at, state) VALUES (@key, @type, @body, @technician, @occurredAt, @state)`),
      releaseHeld: db.prepare("UPDATE outbox SET state = 'pending' WHERE key = ? AND state = 'held'"),
      dropHeld: db.prepare("DELETE FROM outbox WHERE key = ? AND state = 'held'"),
      held: db.prepare("SELECT * FROM outbox WHERE state = 'held' ORDER BY seq"),
      jobForDeprovision: db.prepare("SELECT id FROM jobs WHERE json_extract(params, '$.deprovisionId') = ? LIMIT 1").pluck(),
      pending: db.prepare("SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?"),
      byKey: db.prepare('SELECT * FROM outbox WHERE key = ?'),
      // Each count reads its partial index: the outbox keeps every sent entry, and the status is read several times a round.
      counts: db.prepare(
        "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending, (SELECT count(*) FROM outbox WHERE state = 'rejected' AND acknowledged_at IS NULL) AS rejected",
      ),
      rejected: db.prepare("SELECT * FROM outbox WHERE state = 'rejected' ORDER BY seq DESC LIMIT ?"),
      acknowledge: db.prepare("UPDATE outbox SET acknowledged_at = ? WHERE key = ? AND state = 'rejected' AND acknowledged_at IS NULL"),
      markSent: db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE key = ? AND state = 'pending'"),
      markRejected: db.prepare("UPDATE outbox SET state = 'rejected', rejection = ?, attempts = attempts + 1, last_error = ? WHERE key = ? AND state = 'pending'"),
      markFailed: db.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ? AND state = 'pending'"),
      pendingDeprovision: db.prepare(`SELECT * FROM outbox WHERE type = 'device.deprovision' AND state IN ('pending', 'held')
        AND json_extract(body, '$.request.serialNumbers[0]') = ? ORDER BY seq DESC LIMIT 1`),
      localChanges: db.prepare(`SELECT 1 FROM outbox WHERE type IN ('device.deprovision', 'device.preapprove') AND state = 'pending'
        AND (json_extract(body, '$.request.serialNumbers[0]') = @serial OR json_extract(body, '$.device.serialNumber') = @serial) LIMIT 1`).pluck(),
      state: db.prepare('SELECT * FROM sync_state WHERE id = 1'),
      inventoryGet: db.prepare('SELECT record, revision FROM inventory WHERE serial_number = ?'),
      inventoryPut: db.prepare(`INSERT INTO inventory (serial_number, record, status, search, revision, updated_at)
        VALUES (@serialNumber, @record, @status, @search, @revision, @updatedAt)
        ON CONFLICT (serial_number) DO UPDATE SET record = excluded.record, status = excluded.status, search = excluded.search,
          revision = excluded.revision, updated_at = excluded.updated_at`),
      inventoryDelete: db.prepare('DELETE FROM inventory WHERE serial_number = ?'),
      inventoryClear: db.prepare('DELETE FROM inventory'),
      settingsClear: db.prepare('DELETE FROM server_settings'),
      settingPut: db.prepare('INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      setting: db.prepare('SELECT value FROM server_settings WHERE key = ?').pluck(),
      setCursor: db.prepare('UPDATE sync_state SET cursor = ? WHERE id = 1'),
      observed: db.prepare('SELECT identity FROM observed_devices WHERE serial_number = ?').pluck(),
      noteObserved: db.prepare('INSERT INTO observed_devices (serial_number, identity) VALUES (?, ?) ON CONFLICT (serial_number) DO UPDATE SET identity = excluded.identity'),
    };
  }

  /** Runs `work` as one IMMEDIATE transaction (a savepoint inside another one), like every BenchStore write. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  // -- Outbox ---------------------------------------------------------------------------------

  /** Queues an event; false when an event with its key is already queued (the key is unique forever). */
  enqueue(event: SyncEvent, state: 'pending' | 'held' = 'pending'): boolean {
    const body = SyncEventBodySchema.parse(event.body);
    const result = this.statements.insert.run({ key: event.key, type: body.type, body: JSON.stringify(body), technician: event.technician, occurredAt: event.occurredAt, state });
    return result.changes === 1;
  }

  /** A held entry may be pushed from now on, in the place it was queued. */
  releaseHeld(key: string): boolean {
    return this.statements.releaseHeld.run(key).changes === 1;
  }

  /** A held entry is withdrawn (it was never pushed). */
  dropHeld(key: string): void {
    this.statements.dropHeld.run(key);
  }

  held(): OutboxEntry[] {
    return (this.statements.held.all() as OutboxRow[]).map(toEntry);
  }

  /** The job started to wipe a device for this deprovision, if any. */
  jobForDeprovision(deprovisionId: string): string | null {
    return (this.statements.jobForDeprovision.get(deprovisionId) as string | undefined) ?? null;
  }

  /** The oldest pending entries, in the order they were queued. */
  pending(limit: number): OutboxEntry[] {
    return (this.statements.pending.all(limit) as OutboxRow[]).map(toEntry);
  }

  entry(key: string): OutboxEntry | null {
    const row = this.statements.byKey.get(key) as OutboxRow | undefined;
    return row ? toEntry(row) : null;
  }

  /** Every entry (tests, diagnostics), oldest first. */
  entries(state?: OutboxState): OutboxEntry[] {
    const rows = (state === undefined ? this.db.prepare('SELECT * FROM outbox ORDER BY seq').all() : this.db.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY seq').all(state)) as OutboxRow[];
    return rows.map(toEntry);
  }

  counts(): { pending: number; rejected: number } {
    return this.statements.counts.get() as { pending: number; rejected: number };
  }

  /** Entries the server refused for good, acknowledged or not, the most recently queued first. */
  rejected(limit: number): RejectedEntry[] {
    return (this.statements.rejected.all(limit) as OutboxRow[]).map(toEntry).map((entry) => {
      // markRejected always stores the reason; a rejected row without one was written by something else.
      if (entry.rejection === null) throw corrupt(`Outbox entry ${entry.seq} (${entry.key})`, new Error('rejected without a reason'));
      return { ...entry, state: 'rejected', rejection: entry.rejection };
    });
  }

  /**
   * Marks these rejected entries read (they stay, with their reason); answers the keys that were
   * rejected and not yet acknowledged, the ones this call changed. Call inside the transaction
   * that audits the acknowledgement.
   */
  acknowledgeRejections(keys: readonly string[], at: string): string[] {
    return this.transaction(() => keys.filter((key) => this.statements.acknowledge.run(at, key).changes === 1));
  }

  /** Records the server's answer to one push, in one transaction. */
  recordPush(outcomes: readonly { key: string; result: 'sent' | SyncProblem }[], at: string): void {
    this.transaction(() => {
      for (const outcome of outcomes) {
        if (outcome.result === 'sent') this.statements.markSent.run(at, outcome.key);
        else this.statements.markRejected.run(JSON.stringify(outcome.result), outcome.result.message, outcome.key);
      }
    });
  }

  /** A push that did not reach the server: the entries stay pending, with the error for diagnostics. */
  recordPushFailure(keys: readonly string[], message: string): void {
    this.transaction(() => {
      for (const key of keys) this.statements.markFailed.run(message, key);
    });
  }

  /** The device.deprovision entry for this serial number not yet accepted by the server (or still held), if any. */
  pendingDeprovision(serialNumber: string): OutboxEntry | null {
    const row = this.statements.pendingDeprovision.get(serialNumber) as OutboxRow | undefined;
    return row ? toEntry(row) : null;
  }

  // -- Enrollment and cursor -----------------------------------------------------------------

  state(): SyncState {
    const row = this.statements.state.get() as StateRow;
    return {
      serverUrl: row.server_url,
      benchId: row.bench_id,
      benchName: row.bench_name,
      token: row.token,
      cursor: row.cursor,
      lastSyncAt: row.last_sync_at,
      lastAttemptAt: row.last_attempt_at,
      lastError: row.last_error_message === null ? null : { message: row.last_error_message, hint: row.last_error_hint ?? '' },
    };
  }

  /**
   * Stores the server and token this bench enrolled with. The same bench at a new URL (the
   * embedded server on another port, a server moved) keeps its copy and cursor. Another bench
   * id means another enrollment: the copy and the cursor start over, and the whole audit chain
   * is sent again, since the server keeps each bench's copy of the chain from record 1. Other
   * events already sent are not (their effects exist on the server).
   */
  enroll(enrollment: Enrollment): void {
    this.transaction(() => {
      const current = this.state();
      if (current.benchId !== enrollment.benchId) {
        this.statements.inventoryClear.run();
        this.statements.settingsClear.run();
        this.statements.setCursor.run(0);
        if (current.benchId !== null) this.db.prepare("UPDATE outbox SET state = 'pending', sent_at = NULL, rejection = NULL, acknowledged_at = NULL WHERE type = 'audit.record'").run();
      }
      this.db
        .prepare('UPDATE sync_state SET server_url = ?, bench_id = ?, bench_name = ?, token = ? WHERE id = 1')
        .run(enrollment.serverUrl, enrollment.benchId, enrollment.benchName, enrollment.token);
    });
  }

  /**
   * Forgets the copy of the server's inventory and settings and starts the cursor over (the
   * server's data was restored or replaced): answers the serial numbers the copy held, so the
   * caller can announce the ones the fresh pull no longer brings. The outbox is untouched.
   */
  resetCopy(): string[] {
    return this.transaction(() => {
      const serials = (this.db.prepare('SELECT serial_number FROM inventory').pluck().all() as string[]);
      this.statements.inventoryClear.run();
      this.statements.settingsClear.run();
      this.statements.setCursor.run(0);
      return serials;
    });
  }

  /** Remembers how the last round went (shown in the status after a restart too). */
  noteRound(round: { attemptAt: string; syncAt?: string; error: { message: string; hint: string } | null }): void {
    this.transaction(() => {
      this.db
        .prepare('UPDATE sync_state SET last_attempt_at = ?, last_sync_at = COALESCE(?, last_sync_at), last_error_message = ?, last_error_hint = ? WHERE id = 1')
        .run(round.attemptAt, round.syncAt ?? null, round.error?.message ?? null, round.error?.hint ?? null);
    });
  }

  // -- The inventory copy --------------------------------------------------------------------

  inventoryDevice(serialNumber: string): InventoryDevice | null {
    const row = this.statements.inventoryGet.get(serialNumber) as { record: string } | undefined;
    return row ? parseJson(InventoryDeviceSchema, row.record, `Inventory record ${serialNumber}`) : null;
  }

  /** Replaces the copy's record with the server's (null: the server does not know the device). */
  refreshInventory(serialNumber: string, device: InventoryDevice | null): void {
    this.transaction(() => {
      if (device) this.writeInventory(device);
      else this.statements.inventoryDelete.run(serialNumber);
    });
  }

  /** Writes a record changed here (optimistically, before the server has it). */
  putInventory(device: InventoryDevice): void {
    this.transaction(() => this.writeInventory(device));
  }

  /**
   * Applies one page of pulled changes and moves the cursor past it, in one transaction: a
   * crash never leaves the cursor ahead of the copy. A device record older than the copy's is
   * ignored (the newest revision wins); so is one with changes made here still waiting to be
   * pushed (they come back with the server's answer in a later pull).
   */
  applyChanges(changes: readonly SyncChange[], cursor: number): InventoryChanges {
    return this.transaction(() => {
      const devices: InventoryDevice[] = [];
      const removed: string[] = [];
      for (const change of changes) {
        if (change.kind === 'device') {
          const stored = this.statements.inventoryGet.get(change.device.serialNumber) as { revision: number } | undefined;
          if (stored && stored.revision > change.device.revision) continue;
          if (this.statements.localChanges.get({ serial: change.device.serialNumber }) !== undefined) continue;
          this.writeInventory(change.device);
          devices.push(change.device);
        } else if (change.kind === 'device.removed') {
          if (this.statements.inventoryDelete.run(change.serialNumber).changes > 0) removed.push(change.serialNumber);
        } else {
          this.statements.settingPut.run(change.key, JSON.stringify(change.value ?? null));
        }
      }
      this.statements.setCursor.run(cursor);
      return { devices, removed };
    });
  }

  /** The server's setting as last pulled; undefined when never pulled. */
  serverSetting(key: string): unknown {
    const value = this.statements.setting.get(key) as string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as unknown);
  }

  /**
   * Searches the copy: `query` is a part of the serial number (case-sensitive, as serial
   * numbers are) or of the UDID, user email or name, device name (case-insensitive).
   */
  searchInventory(query: InventoryQuery): { total: number; devices: InventoryDevice[] } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const text = query.query?.trim();
    if (text) {
      // instr is case-sensitive (BINARY); LIKE is not, and search holds lower-cased text anyway.
      where.push("(instr(serial_number, @text) > 0 OR search LIKE @pattern ESCAPE '\\')");
      params.text = text;
      params.pattern = likePattern(text.toLowerCase());
    }
    if (query.statuses && query.statuses.length > 0) {
      where.push(`status IN (${query.statuses.map((_, i) => `@status${i}`).join(', ')})`);
      query.statuses.forEach((status, i) => (params[`status${i}`] = status));
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.db.prepare(`SELECT count(*) FROM inventory ${clause}`).pluck().get(params) as number;
    const rows = this.db.prepare(`SELECT serial_number, record FROM inventory ${clause} ORDER BY serial_number LIMIT @limit OFFSET @offset`).all({ ...params, limit: query.limit, offset: query.offset }) as { serial_number: string; record: string }[];
    return { total, devices: rows.map((row) => parseJson(InventoryDeviceSchema, row.record, `Inventory record ${row.serial_number}`)) };
  }

  // -- Observed devices ----------------------------------------------------------------------

  /** The identity last queued for this serial number (JSON text), or null. */
  observedIdentity(serialNumber: string): string | null {
    return (this.statements.observed.get(serialNumber) as string | undefined) ?? null;
  }

  noteObserved(serialNumber: string, identity: string): void {
    this.statements.noteObserved.run(serialNumber, identity);
  }

  private writeInventory(device: InventoryDevice): void {
    this.statements.inventoryPut.run({
      serialNumber: device.serialNumber,
      record: JSON.stringify(device),
      status: device.status,
      search: searchText(device),
      revision: device.revision,
      updatedAt: device.updatedAt,
    });
  }
}

/** The sync side of a store opened by openStore (same file, same connection). */
export function openSyncStore(store: BenchStore): SyncStore {
  const db = connectionOf(store);
  if (!db) throw new Error('Sync needs the bench store opened by openStore (a SQLite file); this store has no SQLite connection.');
  return new SyncStore(db);
}
