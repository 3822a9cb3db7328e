/**
 * DEVELOPMENT ONLY: the mock bench's central server (see mock.ts), so the
 * Inventory and Pre-approved pages, the import wizard and the deprovision
 * panel can be built without a host. An in-memory inventory of the mock's
 * devices plus a few untethered ones; a preview that maps the seed's columns
 * by header name; deprovisioning tethered devices starts the mock's Erase.
 * "Sync now" sends whatever is pending at once. `&sync=offline` in the URL
 * starts it offline (sync.now and history are then refused as the host does);
 * `&sync=rejected` starts it with two changes the server refused for good.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import type { BenchEvent, Device, Envelope, HistoryEntry, InventoryDevice, Params, PreapprovedFieldName, Result, SyncRejection, SyncStatus } from '../../core/contract/index.js';
import { PREAPPROVED_FIELDS, SYNC_ERROR_CODES, fail, ok, platformOfProductType, statusAfterDeprovision, wipeFor } from '../../core/contract/index.js';
import { matchesList } from '../state/inventory.js';

type ServerMethod = 'sync.status' | 'sync.now' | 'sync.rejections' | 'sync.acknowledgeRejections' | 'inventory.search' | 'inventory.history' | 'preapproved.preview' | 'preapproved.import' | 'preapproved.add' | 'deprovision.start';

export interface MockServerBench {
  readonly devices: Map<string, Device>;
  emit(event: BenchEvent): void;
  now(): string;
  /** Starts the mock's Erase on these devices; the job ids by UDID. */
  erase(udids: readonly string[]): Record<string, string>;
}

const HEADER_ALIASES: Readonly<Record<PreapprovedFieldName, readonly string[]>> = {
  name: ['name', 'display name', 'user name'],
  email: ['email', 'e-mail'],
  mobile: ['mobile', 'phone'],
  ownership: ['ownership'],
  serialNumber: ['serial number', 'serialnumber', 'serial'],
  deviceName: ['device name', 'devicename'],
  platform: ['platform'],
  samAccountName: ['samaccountname'],
  password: ['password'],
};

const UNREACHABLE_ERROR = { message: 'The central server cannot be reached.', hint: 'Check the network; the bench keeps working and sends its changes when the server is back.' };
const UNREACHABLE = fail(SYNC_ERROR_CODES.ServerUnreachable, UNREACHABLE_ERROR.message, UNREACHABLE_ERROR.hint);

/** What the server refused at `&sync=rejected`: a deprovision another bench got to first, and a pre-approval. */
function sampleRejections(at: string): SyncRejection[] {
  return [
    {
      key: 'deprovision:mock-1',
      type: 'device.deprovision',
      summary: 'Deprovision of C02XK1MOCK1 (Employee left the organisation)',
      serialNumber: 'C02XK1MOCK1',
      occurredAt: at,
      technician: 'Alex',
      code: 'deprovision-pending',
      message: 'A deprovision of C02XK1MOCK1 is already pending: requested by bench Bench-3 (technician Sam).',
      hint: 'Nothing to do here: the device is deprovisioned once its pending deprovision completes.',
      acknowledgedAt: null,
    },
    {
      key: 'preapprove:mock-2',
      type: 'device.preapprove',
      summary: 'Pre-approval of C02XK2MOCK2 for Chloe Martin (chloe@example.com, corporate)',
      serialNumber: 'C02XK2MOCK2',
      occurredAt: at,
      technician: 'Alex',
      code: 'device-retired',
      message: 'C02XK2MOCK2 is retired and cannot be pre-approved.',
      hint: 'Ask an admin to bring the device back into stock on the server first.',
      acknowledgedAt: null,
    },
  ];
}

/** An inventory record with nothing known beyond its serial number, updated at `at`; `fields` fill in the rest. */
export function inventoryRecord(serialNumber: string, at: string, fields: Partial<InventoryDevice> = {}): InventoryDevice {
  return {
    serialNumber,
    udid: null,
    ecid: null,
    productType: null,
    productVersion: null,
    deviceName: null,
    platform: 'ios',
    ownership: 'corporate',
    userEmail: null,
    userName: null,
    status: 'enrolled',
    preapproved: false,
    enrolledAt: null,
    lastCheckInAt: null,
    purgeAfter: null,
    pendingDeprovision: null,
    revision: 1,
    updatedAt: at,
    ...fields,
  };
}

export function createMockServer(bench: MockServerBench, options: { offline: boolean; rejected?: boolean }) {
  const inventory = new Map<string, InventoryDevice>();
  const history = new Map<string, HistoryEntry[]>();
  let pending = 0;
  let lastSyncAt: string | null = options.offline ? null : bench.now();
  const rejections = options.rejected ? sampleRejections(bench.now()) : [];

  const record = (serialNumber: string, fields: Partial<InventoryDevice>): InventoryDevice => inventoryRecord(serialNumber, bench.now(), fields);
  const log = (serialNumber: string, entry: Omit<HistoryEntry, 'at'>) => history.set(serialNumber, [...(history.get(serialNumber) ?? []), { at: bench.now(), ...entry }]);
  const put = (device: InventoryDevice) => {
    inventory.set(device.serialNumber, device);
    bench.emit({ event: 'inventory.changed', data: { devices: [device], removed: [] } });
  };

  let index = 0;
  for (const device of bench.devices.values()) {
    if (device.serialNumber === null) continue;
    const ownership = index++ % 3 === 2 ? 'personal' : 'corporate';
    inventory.set(device.serialNumber, record(device.serialNumber, { udid: device.udid, ecid: device.ecid, productType: device.productType, productVersion: device.productVersion, deviceName: device.deviceName, ownership, status: index % 4 === 0 ? 'in-stock' : 'enrolled', lastCheckInAt: bench.now() }));
    log(device.serialNumber, { kind: 'observed', actor: 'bench Mock bench', fromStatus: null, toStatus: 'enrolled', detail: null });
  }
  for (const [i, name] of ['Ana Lima', 'Ben Okafor', 'Chloe Martin'].entries()) {
    const serial = `C02XK${i}MOCK${i}`;
    inventory.set(serial, record(serial, { productType: 'MacBookPro18,1', platform: 'macos', userName: name, userEmail: `${name.split(' ')[0]!.toLowerCase()}@example.com`, status: 'pre-approved', preapproved: true }));
  }

  const status = (): SyncStatus => ({ mode: 'standalone', serverUrl: null, connected: !options.offline, syncing: false, lastSyncAt, lastAttemptAt: lastSyncAt, pending, rejected: rejections.filter((rejection) => rejection.acknowledgedAt === null).length, lastError: options.offline ? UNREACHABLE_ERROR : null });
  const queued = () => {
    pending++;
    bench.emit({ event: 'sync.changed', data: status() });
  };

  const preview = (params: Params<'preapproved.preview'>): Result<'preapproved.preview'> => {
    const records = parse(params.csv, { relax_column_count: true, skip_empty_lines: true, delimiter: params.delimiter ?? ',' }) as string[][];
    const header = records[0] ?? [];
    const columns: Partial<Record<PreapprovedFieldName, number>> = {};
    for (const field of PREAPPROVED_FIELDS) {
      const manual = params.mapping?.[field];
      if (typeof manual === 'number') columns[field] = manual;
      else if (manual !== null) {
        const found = header.findIndex((label) => HEADER_ALIASES[field].includes(label.trim().toLowerCase()));
        if (found >= 0) columns[field] = found;
      }
    }
    const used = new Set(Object.values(columns));
    const rows = records.slice(1, 1 + params.limit).map((cells, i) => {
      const values: Partial<Record<PreapprovedFieldName, string>> = {};
      for (const [field, column] of Object.entries(columns) as [PreapprovedFieldName, number][]) values[field] = cells[column] ?? '';
      const errors = [];
      if (!['corporate', 'personal'].includes(values.ownership ?? '')) errors.push({ line: i + 2, code: 'bad-ownership', field: 'ownership' as const, reason: `Ownership must be corporate or personal, not "${values.ownership ?? ''}".` });
      if (!values.serialNumber) errors.push({ line: i + 2, code: 'missing-serial', field: 'serialNumber' as const, reason: 'The serial number is empty.' });
      return { line: i + 2, values, valid: errors.length === 0, errors };
    });
    return {
      mapping: { header, columns, unmapped: header.flatMap((label, i) => (used.has(i) ? [] : [{ index: i, label }])), missing: (['name', 'email', 'ownership', 'serialNumber', 'platform'] as const).filter((field) => columns[field] === undefined), ambiguous: [] },
      rows,
      truncated: records.length - 1 > params.limit,
    };
  };

  const handlers: { [K in ServerMethod]: (params: Params<K>) => Envelope<Result<K>> } = {
    'sync.status': () => ok(status()),
    'sync.now': () => {
      if (options.offline) return UNREACHABLE;
      pending = 0;
      lastSyncAt = bench.now();
      bench.emit({ event: 'sync.changed', data: status() });
      return ok(status());
    },
    'sync.rejections': ({ limit }) => ok(rejections.slice(0, limit)),
    'sync.acknowledgeRejections': ({ keys }) => {
      const at = bench.now();
      rejections.forEach((rejection, i) => {
        if (keys.includes(rejection.key) && rejection.acknowledgedAt === null) rejections[i] = { ...rejection, acknowledgedAt: at };
      });
      bench.emit({ event: 'sync.changed', data: status() });
      return ok(status());
    },
    'inventory.search': ({ query, statuses, offset, limit }) => {
      const all = [...inventory.values()].filter((device) => matchesList(device, 'inventory', { text: query ?? '', statuses: statuses ?? [] }));
      return ok({ total: all.length, devices: all.slice(offset, offset + limit) });
    },
    'inventory.history': ({ serialNumber }) => (options.offline ? UNREACHABLE : ok(history.get(serialNumber) ?? [])),
    'preapproved.preview': (params) => ok(preview(params)),
    'preapproved.import': (params) => {
      const result = preview({ ...params, limit: 1000 });
      const excluded = new Set(params.excludeLines);
      let imported = 0;
      let skipped = 0;
      for (const row of result.rows) {
        if (!row.valid || excluded.has(row.line)) continue;
        const serial = row.values.serialNumber!;
        if (inventory.has(serial) && params.mode === 'skip') {
          skipped++;
          continue;
        }
        imported++;
        put(record(serial, { userName: row.values.name ?? null, userEmail: row.values.email ?? null, ownership: row.values.ownership === 'personal' ? 'personal' : 'corporate', deviceName: row.values.deviceName ?? null, status: 'pre-approved', preapproved: true }));
        log(serial, { kind: 'preapproved', actor: 'bench Mock bench', fromStatus: null, toStatus: 'pre-approved', detail: 'CSV import' });
      }
      return ok({ mapping: result.mapping, imported, replaced: 0, skipped, excluded: excluded.size, passwordsIgnored: result.mapping.columns.password === undefined ? 0 : result.rows.length, errors: result.rows.flatMap((row) => row.errors) });
    },
    'preapproved.add': ({ udids, ownership, user }) => {
      const queuedDevices: Result<'preapproved.add'>['queued'] = [];
      const refused: Result<'preapproved.add'>['refused'] = [];
      for (const udid of udids) {
        const device = [...bench.devices.values()].find((candidate) => candidate.udid === udid);
        if (device?.serialNumber == null) {
          refused.push({ udid, code: SYNC_ERROR_CODES.NoSerialNumber, message: 'The bench has not read this device\'s serial number.', hint: 'Wait until the device is ready, then try again.' });
          continue;
        }
        const before = inventory.get(device.serialNumber);
        put(record(device.serialNumber, { ...before, udid, productType: device.productType, platform: platformOfProductType(device.productType) ?? 'ios', ownership, userEmail: user.email, userName: user.name, preapproved: true, status: before?.status ?? 'pre-approved', revision: (before?.revision ?? 0) + 1 }));
        log(device.serialNumber, { kind: 'preapproved', actor: 'bench Mock bench', fromStatus: before?.status ?? null, toStatus: before?.status ?? 'pre-approved', detail: `for ${user.email}` });
        queuedDevices.push({ udid, serialNumber: device.serialNumber });
        queued();
      }
      return ok({ queued: queuedDevices, refused });
    },
    'deprovision.start': ({ serialNumbers, reason, wipe, note, requestInfo }) => {
      const started: Result<'deprovision.start'>['started'] = [];
      const refused: Result<'deprovision.start'>['refused'] = [];
      const tethered = new Map([...bench.devices.values()].flatMap((device) => (device.serialNumber && device.udid && device.state === 'ready' ? [[device.serialNumber, device.udid] as const] : [])));
      const jobIds = bench.erase(serialNumbers.flatMap((serial) => (tethered.has(serial) ? [tethered.get(serial)!] : [])));
      for (const serialNumber of serialNumbers) {
        const device = inventory.get(serialNumber);
        if (device === undefined) {
          refused.push({ serialNumber, code: SYNC_ERROR_CODES.NotInInventory, message: `${serialNumber} is not in the inventory.`, hint: 'Check the serial number (it is case-sensitive).' });
          continue;
        }
        if (device.pendingDeprovision !== null) {
          refused.push({ serialNumber, code: SYNC_ERROR_CODES.DeprovisionPending, message: `A deprovision of ${serialNumber} is already pending.`, hint: 'Wait for its wipe to be confirmed; do not send it twice.' });
          continue;
        }
        const kind = wipeFor(reason, device.ownership, wipe) ?? 'full';
        const toStatus = statusAfterDeprovision(reason, device.ownership);
        const id = crypto.randomUUID();
        const at = bench.now();
        put({ ...device, status: toStatus, revision: device.revision + 1, updatedAt: at, pendingDeprovision: { id, serialNumber, reason, note: note ?? null, wipe: kind, requestInfo, deviceInfo: null, toStatus, state: 'pending', requestedBy: 'bench Mock bench', requestedAt: at, completedAt: null, completion: null } });
        log(serialNumber, { kind: 'deprovision-requested', actor: 'bench Mock bench', fromStatus: device.status, toStatus, detail: reason });
        started.push({ serialNumber, deprovisionId: id, wipe: kind, jobId: device.udid === null ? null : (jobIds[device.udid] ?? null) });
        queued();
      }
      return ok({ started, refused });
    },
  };

  return {
    handles: (method: string): method is ServerMethod => Object.prototype.hasOwnProperty.call(handlers, method),
    answer<M extends ServerMethod>(method: M, params: Params<M>): Envelope<Result<M>> {
      // Each handler answers its own method; TypeScript cannot pair M's handler with M's params by itself.
      const handler = handlers[method] as (params: Params<M>) => Envelope<Result<M>>;
      return handler(params);
    },
  };
}
