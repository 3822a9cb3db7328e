/**
 * The pre-approved list: the inventory's devices with preapproved = true (migration 003 folded
 * the list into the inventory). Importing a CSV upload, listing, exporting. All SQL for the list
 * lives here; the CSV rules live in server/preapproved/.
 *
 * Why the import runs in two passes (issue #5: "100k rows without blocking other requests"): one
 * transaction for the whole file held PGlite's only connection, and the change feed's lock on
 * PostgreSQL, for seconds; every bench pull, push, MDM check-in and inventory page waited for it.
 * 1. Read and validate the whole upload, writing nothing. The valid rows stay in memory (100k rows
 *    are tens of MiB at most; the upload is capped at 32 MiB), so a file error anywhere (an
 *    unclosed quote on the last line) still imports nothing, and the file's answer per email (the
 *    last row wins) is known before anything is written.
 * 2. Write the rows in short transactions of one batch each, each taking the feed's lock for
 *    itself, and let other callbacks run between batches: another request waits for one batch at
 *    most, not for the whole file.
 * A server that stops between batches leaves the batches written so far on the list. Importing the
 * same file again completes it with the same list and user details as one clean import: every
 * write is an upsert by serial number or email, and it writes only what differs, so the rows
 * already written get no second history entry (the counts then say skipped/replaced for them).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database, Queryable } from '../db/database.js';
import { lockChanges, NEXT_CHANGE } from '../inventory/changes.js';
import { openPreapprovedCsv, UserDetailsByEmail, type CsvSource, type HeaderMapping, type ManualMapping, type PreapprovedEntry, type PreapprovedRow, type RowError, type UserDetails } from '../preapproved/index.js';

export type ImportMode = 'replace' | 'skip';

/**
 * Rows per write transaction. On PGlite a batch of 1000 takes ~40 ms, the longest another request
 * waits for the connection; larger batches save little (the per-transaction cost is small).
 */
const WRITE_BATCH = 1000;

export interface ImportOptions {
  /** Existing serial numbers: `replace` overwrites the device and its user's details; `skip` leaves both as they were. */
  mode: ImportMode;
  /** Lines left out (rows a person unchecked in the preview): neither imported nor reported. */
  exclude?: ReadonlySet<number>;
  mapping?: ManualMapping;
  delimiter?: string;
  now: Date;
  /** Rows per write transaction (default 1000). The whole file in one transaction is the old, blocking behaviour (for the benchmark's baseline). */
  batchSize?: number;
  /** Who imports, as the devices' history names them (e.g. "admin@example.org" or "bench Bench-2"). */
  actor?: string;
  /** Called after each batch is committed with the rows written so far (progress; tests stop an import part-way by throwing here). */
  onBatchWritten?: (rowsWritten: number) => void | Promise<void>;
}

export interface ImportResult {
  mapping: HeaderMapping;
  /** New serial numbers stored. */
  imported: number;
  /** Existing serial numbers overwritten (mode replace). */
  replaced: number;
  /** Existing serial numbers left as they were (mode skip). */
  skipped: number;
  /** Rows left out because their line was in `exclude`. */
  excluded: number;
  /** Rows whose Password value was ignored (passwords are not stored). */
  passwordsIgnored: number;
  errors: RowError[];
}

/** What pass 1 learnt from the file: the rows to write and each email's winning details. */
interface ValidatedFile {
  result: ImportResult;
  rows: PreapprovedRow[];
  users: Map<string, UserDetails>;
}

/**
 * Reads `source` whole (pass 1), then stores its valid rows in short transactions (pass 2). A fatal
 * file error (PreapprovedCsvError: malformed, missing columns…) rejects before anything is
 * written. Rows with errors are reported and the rest imported. For a repeated email the last
 * row's user details win.
 */
export async function importPreapproved(db: Database, source: CsvSource, options: ImportOptions): Promise<ImportResult> {
  const file = await validateFile(source, options);
  await writeRows(db, file, options);
  return file.result;
}

async function validateFile(source: CsvSource, options: ImportOptions): Promise<ValidatedFile> {
  // The reader parses in time slices, so this pass does not hold the event loop either.
  const reader = await openPreapprovedCsv(source, { mapping: options.mapping, delimiter: options.delimiter });
  const result: ImportResult = { mapping: reader.mapping, imported: 0, replaced: 0, skipped: 0, excluded: 0, passwordsIgnored: 0, errors: [] };
  const exclude = options.exclude ?? new Set<number>();
  const rows: PreapprovedRow[] = [];
  const users = new UserDetailsByEmail();
  try {
    for await (const batch of reader) {
      for (const error of batch.errors) if (!exclude.has(error.line)) result.errors.push(error);
      for (const row of batch.rows) {
        if (exclude.has(row.line)) {
          result.excluded++;
          continue;
        }
        if (row.password !== null) result.passwordsIgnored++;
        rows.push(row);
      }
      users.add(batch.rows.filter((row) => !exclude.has(row.line)));
    }
  } finally {
    reader.close();
  }
  return { result, rows, users: new Map(users.users().map((user) => [user.email, user])) };
}

async function writeRows(db: Database, file: ValidatedFile, options: ImportOptions): Promise<void> {
  const size = Math.max(1, options.batchSize ?? WRITE_BATCH);
  const written = new Set<string>(); // emails whose user an earlier batch wrote
  for (let from = 0; from < file.rows.length; from += size) {
    const rows = file.rows.slice(from, from + size);
    // Each user is written once, with the file's final details, by the first batch naming it:
    // the devices of that batch need it to exist, and later batches cannot disagree.
    const users = [...new Set(rows.map((row) => row.email))].filter((email) => !written.has(email)).map((email) => file.users.get(email)!);
    const counts = await db.transaction(async (tx) => {
      // Per batch: draws change_seq numbers, so it must hold the feed's lock until it commits.
      await lockChanges(tx);
      await upsertUsers(tx, users, options);
      return upsertDevices(tx, rows, options);
    });
    for (const user of users) written.add(user.email);
    file.result.imported += counts.inserted;
    file.result.replaced += counts.updated;
    file.result.skipped += rows.length - counts.inserted - counts.updated;
    await options.onBatchWritten?.(Math.min(from + size, file.rows.length));
    // Let requests queued meanwhile take the connection and the lock before the next batch.
    await yieldToEventLoop();
  }
}

/**
 * Mode skip: users that existed before this import keep their details (a user this import wrote
 * already has the file's final details, so an interrupted import repeated gives the same answer).
 */
async function upsertUsers(tx: Queryable, users: readonly UserDetails[], options: ImportOptions): Promise<void> {
  if (users.length === 0) return;
  const conflict = options.mode === 'skip'
    ? 'DO NOTHING'
    : 'DO UPDATE SET name = excluded.name, mobile = excluded.mobile, sam_account_name = excluded.sam_account_name, updated_at = excluded.updated_at';
  await tx.query(
    `INSERT INTO device_users (email, name, mobile, sam_account_name, created_at, updated_at)
     SELECT email, name, mobile, sam, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u (email, name, mobile, sam)
     ON CONFLICT (email) ${conflict}`,
    [users.map((user) => user.email), users.map((user) => user.name), users.map((user) => user.mobile), users.map((user) => user.samAccountName), options.now],
  );
}

/**
 * One statement per batch: upsert the devices, a new change_seq for each row written, and one
 * history entry per device written (a data-modifying CTE). Serials are unique within a file (the
 * CSV module refuses repeats), so each row is one device. A device the inventory knew but that
 * was not on the list (met at an MDM check-in) joins the list even in mode skip; devices keep
 * their status (an enrolled device stays enrolled).
 */
async function upsertDevices(tx: Queryable, rows: readonly PreapprovedRow[], options: ImportOptions): Promise<{ inserted: number; updated: number }> {
  const set = `platform = excluded.platform, ownership = excluded.ownership, device_name = excluded.device_name, user_email = excluded.user_email,
    preapproved = true, revision = devices.revision + 1, updated_at = excluded.updated_at, change_seq = ${NEXT_CHANGE}`;
  // A row that would change nothing is not written: no new revision, history entry or change for benches to pull.
  const changes = `NOT devices.preapproved OR (devices.platform, devices.ownership, devices.device_name, devices.user_email)
    IS DISTINCT FROM (excluded.platform, excluded.ownership, excluded.device_name, excluded.user_email)`;
  const conflict = options.mode === 'replace' ? `DO UPDATE SET ${set} WHERE ${changes}` : `DO UPDATE SET ${set} WHERE NOT devices.preapproved`;
  const stored = await tx.query<{ inserted: boolean }>(
    `WITH stored AS (
       INSERT INTO devices (serial_number, platform, ownership, device_name, user_email, status, preapproved, created_at, updated_at, change_seq)
       SELECT serial, platform, ownership, device_name, email, 'pre-approved', true, $6, $6, ${NEXT_CHANGE}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d (serial, platform, ownership, device_name, email)
       ON CONFLICT (serial_number) ${conflict}
       RETURNING serial_number, status, (xmax = 0) AS inserted
     ), logged AS (
       INSERT INTO device_history (serial_number, at, kind, actor, from_status, to_status, detail)
       SELECT serial_number, $6, 'preapproved', $7, CASE WHEN inserted THEN NULL ELSE status END, status,
         CASE WHEN inserted THEN 'added to the pre-approved list by CSV import' ELSE 'pre-approved details replaced by CSV import' END
       FROM stored
     )
     SELECT inserted FROM stored`,
    [rows.map((row) => row.serialNumber), rows.map((row) => row.platform), rows.map((row) => row.ownership), rows.map((row) => row.deviceName), rows.map((row) => row.email), options.now, options.actor ?? 'server'],
  );
  // In mode skip the only existing devices written are ones that just joined the list: new to it.
  if (options.mode === 'skip') return { inserted: stored.length, updated: 0 };
  // Mode replace: every existing serial counts as replaced, written or already as the file says.
  const inserted = stored.filter((row) => row.inserted).length;
  return { inserted, updated: rows.length - inserted };
}

export interface PreapprovedDevice {
  serialNumber: string;
  platform: PreapprovedRow['platform'];
  ownership: PreapprovedRow['ownership'];
  deviceName: string | null;
  user: { email: string; name: string; mobile: string | null; samAccountName: string | null };
  createdAt: Date;
  updatedAt: Date;
}

interface DeviceRow extends Record<string, unknown> {
  serial_number: string;
  platform: PreapprovedRow['platform'];
  ownership: PreapprovedRow['ownership'];
  device_name: string | null;
  email: string;
  name: string;
  mobile: string | null;
  sam_account_name: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const SELECT_DEVICES = `SELECT d.serial_number, d.platform, d.ownership, d.device_name, u.email, u.name, u.mobile, u.sam_account_name, d.created_at, d.updated_at
  FROM devices d JOIN device_users u ON u.email = d.user_email`;

const toDevice = (row: DeviceRow): PreapprovedDevice => ({
  serialNumber: row.serial_number,
  platform: row.platform,
  ownership: row.ownership,
  deviceName: row.device_name,
  user: { email: row.email, name: row.name, mobile: row.mobile, samAccountName: row.sam_account_name },
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/**
 * A page of the list in serial-number order. `search` matches a part of the serial number
 * exactly (serials are case-sensitive) or a part of the email whatever its case.
 */
export async function listPreapproved(db: Queryable, query: { offset: number; limit: number; search?: string }): Promise<{ total: number; devices: PreapprovedDevice[] }> {
  const search = query.search?.trim() || null;
  const where = `WHERE d.preapproved AND ($1::text IS NULL OR strpos(d.serial_number, $1::text) > 0 OR strpos(lower(u.email), lower($1::text)) > 0)`;
  // Without a search the join adds nothing (a device's user_email always names a user: the
  // triggers of migration 003) but costs ~5x on 100k rows, and the list is paged often during an import.
  const [count] = search === null
    ? await db.query<{ n: number }>('SELECT count(*)::int AS n FROM devices WHERE preapproved AND user_email IS NOT NULL')
    : await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices d JOIN device_users u ON u.email = d.user_email ${where}`, [search]);
  const rows = await db.query<DeviceRow>(`${SELECT_DEVICES} ${where} ORDER BY d.serial_number COLLATE "C" LIMIT $2 OFFSET $3`, [search, query.limit, query.offset]);
  return { total: Number(count?.n ?? 0), devices: rows.map(toDevice) };
}

/** Every device with its user, in pages of `pageSize` by serial number: for the CSV export. */
export async function* allPreapproved(db: Queryable, pageSize = 2000): AsyncGenerator<PreapprovedEntry> {
  let after: string | null = null;
  for (;;) {
    const rows: DeviceRow[] = await db.query<DeviceRow>(
      `${SELECT_DEVICES} WHERE d.preapproved AND ($1::text IS NULL OR d.serial_number COLLATE "C" > $1::text) ORDER BY d.serial_number COLLATE "C" LIMIT $2`,
      [after, pageSize],
    );
    for (const row of rows) {
      yield { name: row.name, email: row.email, mobile: row.mobile, ownership: row.ownership, serialNumber: row.serial_number, deviceName: row.device_name, platform: row.platform, samAccountName: row.sam_account_name, password: null };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.serial_number;
  }
}
