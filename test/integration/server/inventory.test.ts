/** The inventory: search, records, history, the change feed benches pull, licenses, the 90-day purge; on PGlite and on PostgreSQL. */
import { Readable } from 'node:stream';
import { expect, it, vi } from 'vitest';
import type { HistoryEntry, InventoryDevice, SyncChange } from '../../../core/contract/server-wire.js';
import { purgeExpired } from '../../../server/inventory/purge.js';
import { importPreapproved } from '../../../server/store/preapproved.js';
import { changesSince, observeDevice, preapproveDevice, type Actor } from '../../../server/inventory/service.js';
import type { ZodApp } from '../../../server/routes/types.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';
import { enrollBench } from './bench-tokens.js';

const targets = await databaseTargets();

const CSV = [
  'Name,Email,Ownership,Serial Number,Device Name,Platform',
  'Ann Lee,ann@example.org,corporate,C02XK1,Ann iPad,ios',
  'Bob Ray,bob@example.org,personal,c02xk1,,macos',
  'Cy Dee,cy@example.org,personal,F9GH77,Cy phone,ios',
].join('\n') + '\n';

const BENCH: Actor = { kind: 'bench', id: null, label: 'bench Bench-1' };
const DAY = 24 * 60 * 60 * 1000;

describeEachDatabase('inventory', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };
  let clock = new Date('2026-11-21T09:00:00Z');

  const start = async (options: { purgeIntervalMs?: number } = {}): Promise<void> => {
    clock = new Date('2026-11-21T09:00:00Z');
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'viewer@example.org', 'read-only');
    app = await serverOn(db(), { now: () => clock, ...options });
    admin = await login(app, 'admin@example.org');
    const imported = await app.inject({ method: 'POST', url: '/preapproved/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: CSV });
    expect(imported.json()).toMatchObject({ imported: 3 });
  };
  const get = async <T>(url: string, headers = admin): Promise<T> => {
    const response = await app.inject({ method: 'GET', url, headers });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json<T>();
  };
  const serials = (page: { devices: InventoryDevice[] }): string[] => page.devices.map((device) => device.serialNumber);
  const deprovision = (serialNumbers: string[], reason: string) =>
    app.inject({ method: 'POST', url: '/deprovisions', headers: admin, payload: { serialNumbers, reason, acknowledged: true } });

  it('lists devices with their status, searches serials (case-sensitive) and names, filters by status, pages', async () => {
    await start();
    const all = await get<{ total: number; devices: InventoryDevice[] }>('/inventory');
    expect(all.total).toBe(3);
    expect(serials(all)).toEqual(['C02XK1', 'F9GH77', 'c02xk1']);
    expect(all.devices[0]).toMatchObject({ status: 'pre-approved', preapproved: true, ownership: 'corporate', platform: 'ios', deviceName: 'Ann iPad', userEmail: 'ann@example.org', userName: 'Ann Lee', revision: 1, pendingDeprovision: null });
    expect(serials(await get('/inventory?search=c02'))).toEqual(['c02xk1']);
    expect(serials(await get('/inventory?search=ANN'))).toEqual(['C02XK1']);
    expect(serials(await get('/inventory?search=cy%20PHONE'))).toEqual(['F9GH77']);
    await deprovision(['C02XK1', 'c02xk1'], 'employee-left');
    expect(serials(await get('/inventory?status=in-stock'))).toEqual(['C02XK1']);
    expect(serials(await get('/inventory?status=retired,in-stock'))).toEqual(['C02XK1', 'c02xk1']);
    expect(await get('/inventory?limit=1&offset=1')).toMatchObject({ total: 3, devices: [{ serialNumber: 'F9GH77' }] });
    const wrong = await app.inject({ method: 'GET', url: '/inventory?status=lost', headers: admin });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ error: { message: string } }>().error.message).toContain('status lost is not one of pre-approved, enrolled');
    await app.close();
  });

  it('answers one record and its history; 404 with what to do for a serial it does not know', async () => {
    await start();
    expect(await get<InventoryDevice>('/inventory/c02xk1')).toMatchObject({ serialNumber: 'c02xk1', ownership: 'personal', userName: 'Bob Ray' });
    expect(await get<{ entries: HistoryEntry[] }>('/inventory/c02xk1/history')).toEqual({
      entries: [{ at: '2026-11-21T09:00:00.000Z', kind: 'preapproved', actor: 'admin@example.org', fromStatus: null, toStatus: 'pre-approved', detail: 'added to the pre-approved list by CSV import' }],
    });
    for (const url of ['/inventory/C02XK2', '/inventory/C02XK2/history']) {
      const missing = await app.inject({ method: 'GET', url, headers: admin });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'unknown-device', hint: expect.stringContaining('case-sensitive') as string } });
    }
    await app.close();
  });

  it('is readable by every user and by benches; licenses by users; 401 without credentials', async () => {
    await start();
    const viewer = await login(app, 'viewer@example.org');
    const bench = await enrollBench(app, admin, 'Bench-1');
    for (const headers of [viewer, bench.headers]) {
      expect((await get<{ total: number }>('/inventory', headers)).total).toBe(3);
      expect((await get<InventoryDevice>('/inventory/F9GH77', headers)).serialNumber).toBe('F9GH77');
    }
    expect(await get('/licenses', viewer)).toEqual({ total: null, used: 0, available: null });
    expect((await app.inject({ method: 'GET', url: '/licenses', headers: bench.headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'PUT', url: '/settings/licenses', headers: viewer, payload: { total: 5 } })).statusCode).toBe(403);
    for (const url of ['/inventory', '/inventory/F9GH77', '/inventory/F9GH77/history', '/licenses']) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    // The bench's CSV wizard imports as the bench, and the history says so.
    const csv = 'Name,Email,Ownership,Serial Number,Platform\nDee Fox,dee@example.org,corporate,NEW1,ios\n';
    expect((await app.inject({ method: 'POST', url: '/preapproved/import', headers: { ...bench.headers, 'content-type': 'text/csv' }, payload: csv })).json()).toMatchObject({ imported: 1 });
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/NEW1/history')).entries).toMatchObject([{ actor: 'bench Bench-1' }]);
    await app.close();
  });

  it('feeds every change once, in order, with the record as it is now: devices, settings, purged devices', async () => {
    await start();
    const feed = async (cursor: number, limit = 100): Promise<{ changes: SyncChange[]; more: boolean }> => changesSince(db(), cursor, limit);
    const first = await feed(0);
    // The two settings from the migration, then the three imported devices.
    expect(first.changes.map((change) => change.kind)).toEqual(['setting', 'setting', 'device', 'device', 'device']);
    expect(first.changes.filter((change) => change.kind === 'setting')).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'enrollment.preapprovedOnly', value: false }), expect.objectContaining({ key: 'licenses.total', value: null })]));
    const seqs = first.changes.map((change) => change.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const cursor = seqs.at(-1)!;
    expect(await feed(cursor)).toEqual({ changes: [], more: false });

    // Paging: a limit below what waits says there is more.
    expect(await feed(0, 2)).toMatchObject({ more: true, changes: [{ kind: 'setting' }, { kind: 'setting' }] });

    await deprovision(['C02XK1'], 'in-repair');
    await app.inject({ method: 'PUT', url: '/settings/enrollment', headers: admin, payload: { preapprovedOnly: true } });
    await db().transaction((tx) => observeDevice(tx, BENCH, { serialNumber: 'C02XK1', udid: 'U1', ecid: null, productType: 'iPad13,1', productVersion: '17.5', deviceName: null, platform: 'ios' }, clock));
    const next = await feed(cursor);
    // C02XK1 changed twice but comes once, after the setting, as it is now.
    expect(next.changes).toMatchObject([
      { kind: 'setting', key: 'enrollment.preapprovedOnly', value: true },
      { kind: 'device', device: { serialNumber: 'C02XK1', status: 'in-service', udid: 'U1', revision: 3, pendingDeprovision: { reason: 'in-repair' } } },
    ]);
    await app.close();
  });

  it('a bench observing a device updates a known one (history on first sight and on change) and ignores an unknown serial', async () => {
    await start();
    const seen = { serialNumber: 'F9GH77', udid: 'UDID-F', ecid: '0x9', productType: 'iPhone15,3', productVersion: '17.5', deviceName: null, platform: 'ios' as const };
    await db().transaction((tx) => observeDevice(tx, BENCH, seen, clock));
    await db().transaction((tx) => observeDevice(tx, BENCH, seen, clock)); // the same again: nothing
    await db().transaction((tx) => observeDevice(tx, BENCH, { ...seen, productVersion: '18.0' }, clock));
    await db().transaction((tx) => observeDevice(tx, BENCH, { ...seen, serialNumber: 'STRANGER' }, clock));
    expect(await get<InventoryDevice>('/inventory/F9GH77')).toMatchObject({ udid: 'UDID-F', productType: 'iPhone15,3', productVersion: '18.0', deviceName: 'Cy phone', revision: 3 });
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/F9GH77/history')).entries.slice(1)).toMatchObject([
      { kind: 'observed', actor: 'bench Bench-1', detail: 'first seen at a bench: iPhone15,3, OS 17.5, UDID UDID-F' },
      { kind: 'observed', detail: 'identity changed: productVersion 17.5 → 18.0' },
    ]);
    expect((await app.inject({ method: 'GET', url: '/inventory/STRANGER', headers: admin })).statusCode).toBe(404);
    await app.close();
  });

  it('a bench pre-approving a device adds it, or updates an existing one keeping its status', async () => {
    await start();
    await deprovision(['C02XK1'], 'in-repair');
    await db().transaction((tx) => preapproveDevice(tx, BENCH, { serialNumber: 'C02XK1', platform: 'ios', ownership: 'corporate', deviceName: null, user: { email: 'eve@example.org', name: 'Eve Ng' } }, clock));
    await db().transaction((tx) => preapproveDevice(tx, BENCH, { serialNumber: 'NEW9', platform: 'tvos', ownership: 'corporate', deviceName: 'Lobby TV', user: { email: 'eve@example.org', name: 'Eve Ng' } }, clock));
    expect(await get<InventoryDevice>('/inventory/C02XK1')).toMatchObject({ status: 'in-service', userEmail: 'eve@example.org', userName: 'Eve Ng', deviceName: 'Ann iPad' });
    expect(await get<InventoryDevice>('/inventory/NEW9')).toMatchObject({ status: 'pre-approved', preapproved: true, platform: 'tvos', deviceName: 'Lobby TV' });
    expect((await get<{ total: number }>('/preapproved')).total).toBe(4);
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/C02XK1/history')).entries.at(-1)).toMatchObject({ kind: 'preapproved', actor: 'bench Bench-1', fromStatus: 'in-service', toStatus: 'in-service', detail: 'pre-approved details updated for Eve Ng <eve@example.org>, corporate, ios' });
    await app.close();
  });

  it('a CSV import in mode skip leaves an existing user as they were, while a user it created takes a later batch\'s details', async () => {
    await start();
    const csv = [
      'Name,Email,Ownership,Serial Number,Platform',
      'Ann Changed,ann@example.org,corporate,S1,ios',
      'Gus Old,gus@example.org,corporate,S2,ios',
      'Gus New,gus@example.org,corporate,S3,ios',
    ].join('\n') + '\n';
    // One row per batch: Gus is created by the second batch and renamed by the third.
    const result = await importPreapproved(db(), Readable.from([csv]), { mode: 'skip', now: clock, batchSize: 1, actor: 'test' });
    expect(result).toMatchObject({ imported: 3, skipped: 0 });
    expect(await db().query("SELECT email, name FROM device_users WHERE email IN ('ann@example.org', 'gus@example.org') ORDER BY email")).toEqual([
      { email: 'ann@example.org', name: 'Ann Lee' },
      { email: 'gus@example.org', name: 'Gus New' },
    ]);
    await app.close();
  });

  it('a CSV import in mode replace writes only what changes: an identical row makes no revision, history entry or change', async () => {
    await start();
    const before = (await changesSince(db(), 0, 1000)).changes.at(-1)!.seq;
    const changed = CSV.replace('Cy phone', 'Cy tablet');
    const result = await app.inject({ method: 'POST', url: '/preapproved/import?mode=replace', headers: { ...admin, 'content-type': 'text/csv' }, payload: changed });
    expect(result.json()).toMatchObject({ imported: 0, replaced: 3, skipped: 0 });
    expect((await changesSince(db(), before, 100)).changes).toMatchObject([{ kind: 'device', device: { serialNumber: 'F9GH77', deviceName: 'Cy tablet', revision: 2 } }]);
    expect((await get<InventoryDevice>('/inventory/C02XK1')).revision).toBe(1);
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/C02XK1/history')).entries).toHaveLength(1);
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/F9GH77/history')).entries.at(-1)).toMatchObject({ kind: 'preapproved', detail: 'pre-approved details replaced by CSV import' });
    await app.close();
  });

  it('purges personal devices 90 days after retirement (tombstone in the feed, one history entry, their user), never corporate ones', async () => {
    await start({ purgeIntervalMs: 50 });
    await deprovision(['c02xk1', 'F9GH77', 'C02XK1'], 'retire');
    expect(await purgeExpired(db(), new Date(clock.getTime() + 89 * DAY))).toEqual([]);
    const before = (await changesSince(db(), 0, 1000)).changes.at(-1)!.seq;
    // The server's own timer, on its clock: 90 days and a minute later.
    clock = new Date(clock.getTime() + 90 * DAY + 60_000);
    admin = await login(app, 'admin@example.org'); // the old session expired meanwhile
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: '/inventory/F9GH77', headers: admin })).statusCode).toBe(404), { timeout: 5000 });
    expect(serials(await get('/inventory'))).toEqual(['C02XK1']);
    expect((await get<{ entries: HistoryEntry[] }>('/inventory/c02xk1/history')).entries).toEqual([
      { at: clock.toISOString(), kind: 'purged', actor: 'server (90-day purge)', fromStatus: 'retired', toStatus: null, detail: 'personal device removed 90 days after retirement' },
    ]);
    expect((await changesSince(db(), before, 100)).changes).toEqual([
      expect.objectContaining({ kind: 'device.removed', serialNumber: expect.any(String) as string }),
      expect.objectContaining({ kind: 'device.removed' }),
    ]);
    expect(await db().query('SELECT email FROM device_users ORDER BY email')).toEqual([{ email: 'ann@example.org' }]);
    await app.close();
  });
});
