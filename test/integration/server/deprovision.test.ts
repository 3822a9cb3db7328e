/** Deprovisioning (seeds 000-002) over HTTP and from bench sync, on PGlite and on PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { DeprovisionResult, HistoryEntry, InventoryDevice } from '../../../core/contract/server-wire.js';
import { observeDevice, recordJobFinished, requestDeprovision, type Actor } from '../../../server/inventory/service.js';
import type { ZodApp } from '../../../server/routes/types.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';
import { enrollBench } from './bench-tokens.js';

const targets = await databaseTargets();

const CSV = [
  'Name,Email,Ownership,Serial Number,Platform',
  'Ann Lee,ann@example.org,corporate,CORP1,ios',
  'Ann Lee,ann@example.org,corporate,CORP2,ios',
  'Bob Ray,bob@example.org,personal,PERS1,ios',
  'Bob Ray,bob@example.org,personal,PERS2,macos',
].join('\n') + '\n';

const BENCH: Actor = { kind: 'bench', id: null, label: 'bench Bench-2 (technician Ana)' };

describeEachDatabase('deprovisioning', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };
  const at = new Date('2026-11-21T09:00:00Z');

  const start = async (): Promise<void> => {
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'tech@example.org', 'technician');
    await addUser(db(), 'viewer@example.org', 'read-only');
    app = await serverOn(db(), { now: () => at });
    admin = await login(app, 'admin@example.org');
    const imported = await app.inject({ method: 'POST', url: '/preapproved/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: CSV });
    expect(imported.json()).toMatchObject({ imported: 4 });
  };
  const deprovision = async (payload: Record<string, unknown>, headers = admin): Promise<DeprovisionResult> => {
    const response = await app.inject({ method: 'POST', url: '/deprovisions', headers, payload: { acknowledged: true, ...payload } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<DeprovisionResult>();
  };
  const device = async (serial: string): Promise<InventoryDevice> => (await app.inject({ method: 'GET', url: `/inventory/${serial}`, headers: admin })).json<InventoryDevice>();
  const history = async (serial: string): Promise<HistoryEntry[]> =>
    (await app.inject({ method: 'GET', url: `/inventory/${serial}/history`, headers: admin })).json<{ entries: HistoryEntry[] }>().entries;

  it('employee left: corporate devices are fully wiped and go to In stock, personal ones lose corporate data and are Retired for 90 days', async () => {
    await start();
    const { outcomes } = await deprovision({ serialNumbers: ['CORP1', 'PERS1'], reason: 'employee-left' });
    expect(outcomes).toMatchObject([
      { serialNumber: 'CORP1', refused: null, deprovision: { wipe: 'full', toStatus: 'in-stock', state: 'pending', requestedBy: 'admin@example.org' } },
      { serialNumber: 'PERS1', refused: null, deprovision: { wipe: 'corporate-data', toStatus: 'retired', state: 'pending' } },
    ]);
    // The decision takes effect at once; the wipe is still to be confirmed.
    expect(await device('CORP1')).toMatchObject({ status: 'in-stock', purgeAfter: null, pendingDeprovision: { id: outcomes[0]!.deprovision!.id } });
    expect(await device('PERS1')).toMatchObject({ status: 'retired', purgeAfter: '2027-02-19T09:00:00.000Z' });
    expect((await history('CORP1')).at(-1)).toMatchObject({
      kind: 'deprovision-requested', actor: 'admin@example.org', fromStatus: 'pre-approved', toStatus: 'in-stock', detail: 'Employee left the organisation; full wipe',
    });
    await app.close();
  });

  it('in repair → In service; retire → Retired with DEP/ABM unassignment queued; other needs a wipe and a reason', async () => {
    await start();
    expect((await deprovision({ serialNumbers: ['CORP1'], reason: 'in-repair' })).outcomes[0]!.deprovision).toMatchObject({ toStatus: 'in-service', wipe: 'full' });
    const retired = (await deprovision({ serialNumbers: ['CORP2'], reason: 'retire' })).outcomes[0]!.deprovision!;
    expect(retired).toMatchObject({ toStatus: 'retired' });
    expect((await app.inject({ method: 'GET', url: '/apple/queue', headers: admin })).json()).toMatchObject({
      actions: [{ action: 'dep.unassign', serialNumber: 'CORP2', deprovisionId: retired.id, state: 'queued' }],
    });
    expect((await deprovision({ serialNumbers: ['PERS1'], reason: 'other', note: 'lost' })).outcomes[0]!.refused).toMatchObject({ code: 'wipe-required', hint: expect.stringContaining('full') as string });
    expect((await deprovision({ serialNumbers: ['PERS1'], reason: 'other', wipe: 'full' })).outcomes[0]!.refused).toMatchObject({ code: 'note-required' });
    expect((await deprovision({ serialNumbers: ['PERS1'], reason: 'other', wipe: 'full', note: 'lost on a train' })).outcomes[0]!.deprovision).toMatchObject({ wipe: 'full', toStatus: 'retired', note: 'lost on a train' });
    expect((await device('PERS1')).status).toBe('retired');
    await app.close();
  });

  it('refuses per device: a second deprovision while one is pending (naming when and by whom), an unknown serial, a Retired device', async () => {
    await start();
    const tech = await login(app, 'tech@example.org');
    await deprovision({ serialNumbers: ['CORP1'], reason: 'in-repair' }, tech);
    const { outcomes } = await deprovision({ serialNumbers: ['CORP1', 'corp1', 'CORP2'], reason: 'employee-left' });
    expect(outcomes[0]).toMatchObject({ serialNumber: 'CORP1', deprovision: null, refused: { code: 'deprovision-pending' } });
    expect(outcomes[0]!.refused!.message).toBe('Device CORP1 already has a deprovision pending, requested 2026-11-21 09:00 UTC by tech@example.org (Device is in repair).');
    expect(outcomes[0]!.refused!.hint).toMatch(/^Wait until the device is wiped .* or have an admin complete it \(POST \/deprovisions\/[0-9a-f-]+\/complete\)/);
    expect(outcomes[1]).toMatchObject({ serialNumber: 'corp1', refused: { code: 'unknown-device' } });
    expect(outcomes[2]).toMatchObject({ serialNumber: 'CORP2', refused: null });
    expect((await device('CORP1')).status).toBe('in-service'); // the refused request changed nothing

    await deprovision({ serialNumbers: ['PERS2'], reason: 'retire' });
    await app.inject({ method: 'POST', url: `/deprovisions/${(await device('PERS2')).pendingDeprovision!.id}/complete`, headers: admin, payload: { completion: 'erased by hand' } });
    expect((await deprovision({ serialNumbers: ['PERS2'], reason: 'employee-left' })).outcomes[0]!.refused).toMatchObject({ code: 'already-retired' });
    await app.close();
  });

  it('an admin completes a pending deprovision by hand, once; then the device may be deprovisioned again', async () => {
    await start();
    const id = (await deprovision({ serialNumbers: ['CORP1'], reason: 'in-repair' })).outcomes[0]!.deprovision!.id;
    const tech = await login(app, 'tech@example.org');
    expect((await app.inject({ method: 'POST', url: `/deprovisions/${id}/complete`, headers: tech, payload: { completion: 'x' } })).statusCode).toBe(403);
    const completed = await app.inject({ method: 'POST', url: `/deprovisions/${id}/complete`, headers: admin, payload: { completion: 'wiped with Apple Configurator' } });
    expect(completed.json()).toMatchObject({ state: 'completed', completion: 'completed by admin@example.org: wiped with Apple Configurator', completedAt: at.toISOString() });
    const again = await app.inject({ method: 'POST', url: `/deprovisions/${id}/complete`, headers: admin, payload: { completion: 'twice' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'deprovision-completed' } });
    expect((await app.inject({ method: 'POST', url: `/deprovisions/${randomUUID()}/complete`, headers: admin, payload: { completion: 'x' } })).statusCode).toBe(404);
    expect(await device('CORP1')).toMatchObject({ status: 'in-service', pendingDeprovision: null });
    expect((await deprovision({ serialNumbers: ['CORP1'], reason: 'retire' })).outcomes[0]!.refused).toBeNull();
    const pending = (await app.inject({ method: 'GET', url: '/deprovisions?state=pending', headers: admin })).json<{ deprovisions: Array<{ reason: string }> }>();
    expect(pending.deprovisions.map((d) => d.reason)).toEqual(['retire']);
    await app.close();
  });

  it('a bench deprovisions with its own id (a retry answers the same deprovision) and its succeeded wipe job completes it', async () => {
    await start();
    const bench = await enrollBench(app, admin, 'Bench-2');
    expect((await deprovision({ serialNumbers: ['CORP1'], reason: 'employee-left' }, bench.headers)).outcomes[0]!.deprovision).toMatchObject({ requestedBy: 'bench Bench-2' });

    const id = randomUUID();
    const request = { serialNumber: 'CORP2', reason: 'employee-left' as const, requestInfo: false };
    const first = await db().transaction((tx) => requestDeprovision(tx, BENCH, request, { id, at }));
    const retry = await db().transaction((tx) => requestDeprovision(tx, BENCH, request, { id, at: new Date('2026-11-21T10:00:00Z') }));
    expect(retry).toEqual(first);
    expect(first.deprovision).toMatchObject({ id, requestedBy: 'bench Bench-2 (technician Ana)' });
    expect((await history('CORP2')).filter((entry) => entry.kind === 'deprovision-requested')).toHaveLength(1);

    const job = { jobId: 'job-7', workflowId: 'erase', udid: 'UDID-C2', serialNumber: 'CORP2', technician: 'Ana', reason: 'employee left', deprovisionId: id, errorMessage: null, finishedAt: '2026-11-21T09:30:00Z' };
    await db().transaction((tx) => recordJobFinished(tx, BENCH, { ...job, state: 'failed', errorMessage: 'device disconnected' }, at));
    expect((await device('CORP2')).pendingDeprovision).toMatchObject({ id, state: 'pending' });
    await db().transaction((tx) => recordJobFinished(tx, BENCH, { ...job, state: 'succeeded' }, at));
    await db().transaction((tx) => recordJobFinished(tx, BENCH, { ...job, state: 'succeeded' }, at)); // repeated: nothing more
    expect((await device('CORP2')).pendingDeprovision).toBeNull();
    const done = (await app.inject({ method: 'GET', url: '/deprovisions?state=completed', headers: admin })).json<{ deprovisions: Array<{ id: string; completion: string }> }>();
    expect(done.deprovisions).toEqual([expect.objectContaining({ id, completion: 'wiped at bench Bench-2 (technician Ana), job job-7' })]);
    expect((await history('CORP2')).map((entry) => [entry.kind, entry.detail])).toEqual([
      ['preapproved', 'added to the pre-approved list by CSV import'],
      ['deprovision-requested', 'Employee left the organisation; full wipe'],
      ['job-finished', 'erase failed: device disconnected (job job-7, technician Ana, reason: employee left)'],
      ['job-finished', 'erase succeeded (job job-7, technician Ana, reason: employee left)'],
      ['deprovision-completed', 'wiped at bench Bench-2 (technician Ana), job job-7 (In stock)'],
      ['job-finished', 'erase succeeded (job job-7, technician Ana, reason: employee left)'],
    ]);
    await app.close();
  });

  it('device information: kept when the bench read it, otherwise filled in by the next observation', async () => {
    await start();
    const { outcomes } = await deprovision({ serialNumbers: ['CORP1', 'CORP2'], reason: 'in-repair', requestInfo: true, deviceInfo: { CORP1: { productVersion: '17.5', imei: null } } });
    expect(outcomes[0]!.deprovision).toMatchObject({ requestInfo: true, deviceInfo: { productVersion: '17.5', imei: null } });
    expect(outcomes[1]!.deprovision).toMatchObject({ requestInfo: true, deviceInfo: null });
    const observed = { serialNumber: 'CORP2', udid: 'UDID-C2', ecid: '0x1A', productType: 'iPhone14,2', productVersion: '17.4', deviceName: 'Ann iPhone', platform: 'ios' as const };
    await db().transaction((tx) => observeDevice(tx, BENCH, observed, at));
    expect((await device('CORP2')).pendingDeprovision!.deviceInfo).toEqual({ serialNumber: 'CORP2', udid: 'UDID-C2', ecid: '0x1A', productType: 'iPhone14,2', productVersion: '17.4', deviceName: 'Ann iPhone' });
    await app.close();
  });

  it('requesting takes an admin, a technician or a bench; reading takes any user; 401 without credentials', async () => {
    await start();
    const viewer = await login(app, 'viewer@example.org');
    const payload = { serialNumbers: ['CORP1'], acknowledged: true, reason: 'in-repair' };
    expect((await app.inject({ method: 'POST', url: '/deprovisions', payload })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/deprovisions', headers: viewer, payload })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/deprovisions', headers: viewer })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/apple/queue', headers: viewer })).statusCode).toBe(403);
    // The acknowledgement is not optional (seed 001).
    const unacknowledged = await app.inject({ method: 'POST', url: '/deprovisions', headers: admin, payload: { ...payload, acknowledged: false } });
    expect(unacknowledged.statusCode).toBe(400);
    expect(unacknowledged.json()).toMatchObject({ error: { code: 'invalid-request' } });
    expect((await device('CORP1')).status).toBe('pre-approved');
    await app.close();
  });
});
