/**
 * The pre-approved list: the inventory's devices with preapproved = true (migration 003 folded
 * the list into the inventory). Importing a CSV stream in one transaction, listing, exporting.
 * All SQL for the list lives here; the CSV rules live in server/preapproved/.
 */
import type { Database, Queryable } from '../db/database.js';
import { lockChanges, NEXT_CHANGE } from '../inventory/changes.js';
import { openPreapprovedCsv, type CsvSource, type HeaderMapping, type ManualMapping, type PreapprovedEntry, type PreapprovedRow, type RowError } from '../preapproved/index.js';

export type ImportMode = 'replace' | 'skip';

export interface ImportOptions {
  /** Existing serial numbers: `replace` overwrites the device and its user's details; `skip` leaves both as they were. */
  mode: ImportMode;
  /** Lines left out (rows a person unchecked in the preview): neither imported nor reported. */
  exclude?: ReadonlySet<number>;
  mapping?: ManualMapping;
  delimiter?: string;
  now: Date;
  batchSize?: number;
  /** Who imports, as the devices' history names them (e.g. "admin@example.org" or "bench Bench-2"). */
  actor?: string;
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

/**
 * Reads `source` and stores its valid rows batch by batch inside ONE transaction: a fatal file
 * error (PreapprovedCsvError: malformed, missing columns…) part-way rolls back every batch, so a
 * broken file imports nothing. Rows with errors are reported and the rest imported.
 * For a repeated email the last row's user details win (rows arrive in line order, so upserting
 * batch after batch, last row per email within a batch, gives the file's answer).
 */
export async function importPreapproved(db: Database, source: CsvSource, options: ImportOptions): Promise<ImportResult> {
  const reader = await openPreapprovedCsv(source, { mapping: options.mapping, delimiter: options.delimiter, batchSize: options.batchSize ?? 2000 });
  const result: ImportResult = { mapping: reader.mapping, imported: 0, replaced: 0, skipped: 0, excluded: 0, passwordsIgnored: 0, errors: [] };
  const exclude = options.exclude ?? new Set<number>();
  try {
    return await db.transaction(async (tx) => {
      // Once for the whole import: the change feed's numbers are drawn set-based in each batch's statement.
      await lockChanges(tx);
      for await (const batch of reader) {
        for (const error of batch.errors) if (!exclude.has(error.line)) result.errors.push(error);
        const rows = batch.rows.filter((row) => !exclude.has(row.line));
        result.excluded += batch.rows.length - rows.length;
        if (rows.length === 0) continue;
        result.passwordsIgnored += rows.filter((row) => row.password !== null).length;
        await upsertUsers(tx, rows, options);
        const counts = await upsertDevices(tx, rows, options);
        result.imported += counts.inserted;
        result.replaced += counts.updated;
        result.skipped += rows.length - counts.inserted - counts.updated;
      }
      return result;
    });
  } finally {
    reader.close();
  }
}

async function upsertUsers(tx: Queryable, rows: readonly PreapprovedRow[], options: ImportOptions): Promise<void> {
  const last = new Map<string, PreapprovedRow>();
  for (const row of rows) last.set(row.email, row); // in line order: the last one stays
  const users = [...last.values()];
  // Mode skip: users that existed before this import keep their details, while ones this import
  // created in an earlier batch still take later rows'. Those are the rows whose version this
  // transaction wrote (xmin): telling them apart in the statement saves a lookup per batch.
  const onlyOurs = options.mode === 'skip' ? 'WHERE device_users.xmin = pg_current_xact_id()::xid' : '';
  await tx.query(
    `INSERT INTO device_users (email, name, mobile, sam_account_name, created_at, updated_at)
     SELECT email, name, mobile, sam, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u (email, name, mobile, sam)
     ON CONFLICT (email) DO UPDATE SET name = excluded.name, mobile = excluded.mobile, sam_account_name = excluded.sam_account_name, updated_at = excluded.updated_at ${onlyOurs}`,
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
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices d JOIN device_users u ON u.email = d.user_email ${where}`, [search]);
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
