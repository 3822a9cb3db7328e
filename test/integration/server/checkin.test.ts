/** Apple's MDM check-in (PUT /mdm/checkin, XML plists), on PGlite and on PostgreSQL. */
import { serialize } from '@plist/plist';
import { expect, it } from 'vitest';
import type { HistoryEntry, InventoryDevice } from '../../../core/contract/server-wire.js';
import type { ZodApp } from '../../../server/routes/types.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

const XML = 1; // @plist/common's PlistFormat.XML
const plist = (value: Record<string, unknown>): string => serialize(value as never, XML) as string;

const authenticate = (serial: string, udid: string) =>
  plist({ MessageType: 'Authenticate', UDID: udid, SerialNumber: serial, Topic: 'com.apple.mgmt.External.1', ProductType: 'iPhone14,2', OSVersion: '17.5', DeviceName: 'Ann iPhone', BuildVersion: '21F79' });
const tokenUpdate = (udid: string) =>
  plist({ MessageType: 'TokenUpdate', UDID: udid, Topic: 'com.apple.mgmt.External.1', Token: new Uint8Array([1, 2, 3]).buffer, PushMagic: 'magic-1', UnlockToken: new Uint8Array([9, 9]).buffer, AwaitingConfiguration: false });
const checkOut = (udid: string) => plist({ MessageType: 'CheckOut', UDID: udid, Topic: 'com.apple.mgmt.External.1' });

describeEachDatabase('MDM check-in', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };
  const at = new Date('2026-11-21T09:00:00Z');

  const start = async (): Promise<void> => {
    await addUser(db(), 'admin@example.org', 'admin');
    app = await serverOn(db(), { now: () => at });
    admin = await login(app, 'admin@example.org');
  };
  const checkin = (body: string, contentType = 'application/x-apple-aspen-mdm-checkin') =>
    app.inject({ method: 'PUT', url: '/mdm/checkin', headers: { 'content-type': contentType }, payload: body });
  const preapprove = async (serial: string, ownership = 'corporate'): Promise<void> => {
    const csv = `Name,Email,Ownership,Serial Number,Platform\nAnn Lee,ann@example.org,${ownership},${serial},ios\n`;
    const response = await app.inject({ method: 'POST', url: '/preapproved/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
    expect(response.statusCode, response.body).toBe(200);
  };
  const device = async (serial: string): Promise<InventoryDevice> => {
    const response = await app.inject({ method: 'GET', url: `/inventory/${encodeURIComponent(serial)}`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<InventoryDevice>();
  };
  const history = async (serial: string): Promise<HistoryEntry[]> =>
    (await app.inject({ method: 'GET', url: `/inventory/${encodeURIComponent(serial)}/history`, headers: admin })).json<{ entries: HistoryEntry[] }>().entries;
  const setPreapprovedOnly = async (on: boolean): Promise<void> => {
    expect((await app.inject({ method: 'PUT', url: '/settings/enrollment', headers: admin, payload: { preapprovedOnly: on } })).statusCode).toBe(200);
  };

  it('Authenticate, TokenUpdate and CheckOut take a pre-approved device to Enrolled and Unenrolled, without credentials', async () => {
    await start();
    await preapprove('C02XK1');
    const auth = await checkin(authenticate('C02XK1', 'UDID-1'));
    expect(auth.statusCode, auth.body).toBe(200);
    expect(auth.headers['content-type']).toMatch(/xml/);
    expect(auth.body).toContain('<dict');
    expect(await device('C02XK1')).toMatchObject({ status: 'pre-approved', udid: 'UDID-1', productType: 'iPhone14,2', productVersion: '17.5', lastCheckInAt: at.toISOString() });

    expect((await checkin(tokenUpdate('UDID-1'))).statusCode).toBe(200);
    expect(await device('C02XK1')).toMatchObject({ status: 'enrolled', enrolledAt: at.toISOString() });
    // A renewed push token changes nothing but the last check-in.
    expect((await checkin(tokenUpdate('UDID-1'), 'application/xml')).statusCode).toBe(200);
    expect((await device('C02XK1')).status).toBe('enrolled');

    expect((await checkin(checkOut('UDID-1'), 'text/xml')).statusCode).toBe(200);
    expect((await device('C02XK1')).status).toBe('unenrolled');
    expect((await history('C02XK1')).map((entry) => [entry.kind, entry.toStatus])).toEqual([
      ['preapproved', 'pre-approved'],
      ['authenticated', 'pre-approved'],
      ['enrolled', 'enrolled'],
      ['token-updated', 'enrolled'],
      ['checked-out', 'unenrolled'],
    ]);
    await app.close();
  });

  it('with "pre-approved devices only" on, refuses a serial not on the list (401 with the reason) and accepts one on it; off, anyone enrolls', async () => {
    await start();
    await preapprove('C02XK1');
    // Off (the default): an unknown device enrolls and is recorded, not on the list, as personal.
    expect((await checkin(authenticate('STRANGER', 'UDID-S'))).statusCode).toBe(200);
    expect(await device('STRANGER')).toMatchObject({ preapproved: false, ownership: 'personal', platform: 'ios', status: 'pre-approved' });

    await setPreapprovedOnly(true);
    const refused = await checkin(authenticate('c02xk1', 'UDID-2')); // serials are case-sensitive: not the pre-approved one
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'not-preapproved', message: expect.stringContaining('c02xk1') as string, hint: expect.stringContaining('pre-approved list') as string } });
    expect((await app.inject({ method: 'GET', url: '/inventory/c02xk1', headers: admin })).statusCode).toBe(404);
    // A known device not on the list is refused too, and its history says so.
    expect((await checkin(authenticate('STRANGER', 'UDID-S'))).statusCode).toBe(401);
    expect((await history('STRANGER')).at(-1)).toMatchObject({ kind: 'checkin-refused', detail: expect.stringContaining('not on the pre-approved list') as string });

    expect((await checkin(authenticate('C02XK1', 'UDID-1'))).statusCode).toBe(200);
    expect((await checkin(tokenUpdate('UDID-1'))).statusCode).toBe(200);
    expect((await device('C02XK1')).status).toBe('enrolled');
    await app.close();
  });

  it('refuses Authenticate when no license is free for a device holding none; an enrolled device keeps authenticating', async () => {
    await start();
    await preapprove('A1');
    await preapprove('B2');
    expect((await app.inject({ method: 'PUT', url: '/settings/licenses', headers: admin, payload: { total: 1 } })).json()).toEqual({ total: 1, used: 0, available: 1 });
    await checkin(authenticate('A1', 'UDID-A'));
    await checkin(tokenUpdate('UDID-A'));
    expect((await app.inject({ method: 'GET', url: '/licenses', headers: admin })).json()).toEqual({ total: 1, used: 1, available: 0 });
    const refused = await checkin(authenticate('B2', 'UDID-B'));
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'no-license', message: expect.stringContaining('1 of 1 in use') as string } });
    expect((await history('B2')).at(-1)).toMatchObject({ kind: 'checkin-refused' });
    expect((await checkin(authenticate('A1', 'UDID-A'))).statusCode).toBe(200);
    // Unlimited again: B2 enrolls.
    await app.inject({ method: 'PUT', url: '/settings/licenses', headers: admin, payload: { total: null } });
    expect((await checkin(authenticate('B2', 'UDID-B'))).statusCode).toBe(200);
    await app.close();
  });

  it('CheckOut of a device with a deprovision pending completes it and keeps the deprovision\'s status', async () => {
    await start();
    await preapprove('C02XK1');
    await checkin(authenticate('C02XK1', 'UDID-1'));
    await checkin(tokenUpdate('UDID-1'));
    const requested = await app.inject({ method: 'POST', url: '/deprovisions', headers: admin, payload: { serialNumbers: ['C02XK1'], acknowledged: true, reason: 'employee-left' } });
    expect(requested.json()).toMatchObject({ outcomes: [{ serialNumber: 'C02XK1', refused: null, deprovision: { state: 'pending', toStatus: 'in-stock' } }] });
    // Still enrolled until wiped: a token renewal does not undo the decision.
    await checkin(tokenUpdate('UDID-1'));
    expect((await device('C02XK1')).status).toBe('in-stock');
    await checkin(checkOut('UDID-1'));
    const after = await device('C02XK1');
    expect(after).toMatchObject({ status: 'in-stock', pendingDeprovision: null });
    const done = (await app.inject({ method: 'GET', url: '/deprovisions?state=completed', headers: admin })).json<{ deprovisions: Array<{ completion: string }> }>();
    expect(done.deprovisions).toMatchObject([{ completion: 'device checked out' }]);
    await app.close();
  });

  it('answers 400 with what is wrong for a body that is not a plist, an unknown MessageType, or a message lacking its keys', async () => {
    await start();
    const garbage = await checkin('this is not xml');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ error: { code: 'not-a-plist', message: 'The check-in body is not a property list.' } });
    const unknown = await checkin(plist({ MessageType: 'DeclarativeManagement', UDID: 'U' }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: { code: 'checkin-unknown-message', message: expect.stringContaining('DeclarativeManagement') as string } });
    const incomplete = await checkin(plist({ MessageType: 'Authenticate', UDID: 'U' }));
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json()).toMatchObject({ error: { code: 'checkin-incomplete', message: 'The Authenticate check-in lacks SerialNumber.' } });
    const stranger = await checkin(tokenUpdate('NEVER-AUTHENTICATED'));
    expect(stranger.statusCode).toBe(401);
    expect(stranger.json()).toMatchObject({ error: { code: 'not-authenticated' } });
    await app.close();
  });
});
