/** The pre-approved list over HTTP (issue #5 part 4, seed 004), on PGlite and on PostgreSQL. */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { ZodApp } from '../../../server/routes/types.js';
import { importPreapproved, type ImportMode } from '../../../server/store/preapproved.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';
import { enrollBench } from './bench-tokens.js';

const targets = await databaseTargets();

/** The seed's columns in another order and casing, CRLF, a BOM. */
const SEED_SHUFFLED = [
  '\uFEFFserial NUMBER,PLATFORM,e-mail,display name,ownership,Mobile,device name,samaccountname,password',
  'C02XK1,ios,ann@example.org,"Lee, Ann",corporate,+44 20 7946 0001,Ann iPad,alee,s3cret',
  'c02xk1,macos,bob@example.org,Bob Ray,personal,,,,',
  'F9GH77,android,ann@example.org,Ann Lee-Smith,corporate,+44 20 7946 0002,Ann phone,alee2,',
].join('\r\n') + '\r\n';

type Result = { imported: number; replaced: number; skipped: number; excluded: number; passwordsIgnored: number; errors: Array<{ line: number; reason: string; code: string }> };
type Listing = { total: number; devices: Array<{ serialNumber: string; platform: string; ownership: string; deviceName: string | null; user: { email: string; name: string; mobile: string | null; samAccountName: string | null } }> };

describeEachDatabase('pre-approved list', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };

  const start = async (): Promise<void> => {
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'tech@example.org', 'technician');
    await addUser(db(), 'viewer@example.org', 'read-only');
    app = await serverOn(db(), { now: () => new Date('2026-11-21T09:00:00Z') });
    admin = await login(app, 'admin@example.org');
  };
  const upload = (url: string, csv: string, headers = admin) =>
    app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
  const importCsv = async (csv: string, query = ''): Promise<Result> => {
    const response = await upload(`/preapproved/import${query}`, csv);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Result>();
  };
  const list = async (query = ''): Promise<Listing> => {
    const response = await app.inject({ method: 'GET', url: `/preapproved${query}`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Listing>();
  };

  it('imports the seed columns in another order and casing; serials are case-sensitive; the last row per email wins; passwords are not stored', async () => {
    await start();
    const result = await importCsv(SEED_SHUFFLED);
    expect(result).toMatchObject({ imported: 3, replaced: 0, skipped: 0, passwordsIgnored: 1, errors: [] });
    const { total, devices } = await list();
    expect(total).toBe(3);
    expect(devices.map((d) => d.serialNumber)).toEqual(['C02XK1', 'F9GH77', 'c02xk1']);
    // Both of Ann's devices point at one user whose details are the last row's.
    expect(devices[0]).toMatchObject({ platform: 'ios', ownership: 'corporate', deviceName: 'Ann iPad', user: { email: 'ann@example.org', name: 'Ann Lee-Smith', mobile: '+44 20 7946 0002', samAccountName: 'alee2' } });
    expect(devices[2]).toMatchObject({ platform: 'macos', ownership: 'personal', deviceName: null, user: { email: 'bob@example.org', name: 'Bob Ray', mobile: null } });
    const stored = JSON.stringify(await db().query('SELECT * FROM preapproved_devices d JOIN device_users u ON u.email = d.user_email'));
    expect(stored).not.toContain('s3cret');
    // Search by part of a serial (exact case) or of an email (any case), paged.
    expect((await list('?search=c02')).devices.map((d) => d.serialNumber)).toEqual(['c02xk1']);
    expect((await list('?search=BOB@')).devices.map((d) => d.serialNumber)).toEqual(['c02xk1']);
    expect(await list('?limit=1&offset=1')).toMatchObject({ total: 3, devices: [{ serialNumber: 'F9GH77' }] });
    await app.close();
  });

  it('previews the mapping and the first rows with their errors, importing nothing; a manual mapping overrides', async () => {
    await start();
    const csv = 'Who,Email,Ownership,Serial,OS\nAnn,ann@example.org,Corporate,S1,ios\nBob,bob@example.org,personal,S2,ios\n';
    const tech = await login(app, 'tech@example.org');
    const auto = await upload('/preapproved/preview', csv, tech);
    expect(auto.statusCode, auto.body).toBe(200);
    expect(auto.json()).toMatchObject({ mapping: { missing: ['name'] }, truncated: false });
    const manual = await upload(`/preapproved/preview?mapping=${encodeURIComponent(JSON.stringify({ name: 'Who' }))}&limit=1`, csv, tech);
    expect(manual.json()).toMatchObject({
      mapping: { missing: [], columns: { name: 0 } },
      truncated: true,
      rows: [{ line: 2, valid: false, values: { name: 'Ann', ownership: 'Corporate' }, errors: [{ line: 2, reason: expect.stringMatching(/case-sensitive/) }] }],
    });
    expect((await list()).total).toBe(0);
    // Without the mapping the import is refused with the mapping to complete.
    const refused = await upload('/preapproved/import', csv);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'csv-missing-columns' }, mapping: { missing: ['name'] } });
    await app.close();
  });

  it('reports bad rows with line and reason and imports the rest; a broken file imports nothing', async () => {
    await start();
    const withBadRows = [
      'Name,Email,Ownership,Serial Number,Platform',
      'Ann,ann@example.org,corporate,S1,ios',
      'Bob,bob@example,corporate,S2,ios',
      '',
      'Cy,cy@example.org,corporate,S1,ios',
      'Di,di@example.org,company,S4,windows',
    ].join('\n');
    const result = await importCsv(withBadRows);
    expect(result.imported).toBe(1);
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[3, 'invalid'], [5, 'duplicate-serial'], [6, 'not-allowed'], [6, 'not-allowed']]);
    expect(result.errors[0]!.reason).toMatch(/email/);

    // 5000 good rows (several batches), then an unclosed quote: nothing of it stays.
    const rows = Array.from({ length: 5000 }, (_, i) => `User ${i},u${i}@example.org,corporate,B${i},ios`);
    const broken = ['Name,Email,Ownership,Serial Number,Platform', ...rows, 'Eve,"eve@example.org,corporate,B-X,ios', 'Fay,fay@example.org,corporate,B-Y,ios'].join('\n');
    const response = await upload('/preapproved/import', broken);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ error: { code: 'csv-malformed', message: expect.stringMatching(/^line 5002: /) }, line: 5002 });
    expect((await list()).total).toBe(1);
    // The unclosed quote on the very last line: still nothing of the 5000 rows before it.
    const lastLineBroken = await upload('/preapproved/import', ['Name,Email,Ownership,Serial Number,Platform', ...rows, 'Eve,"eve@example.org,corporate,B-X,ios'].join('\n'));
    expect(lastLineBroken.statusCode).toBe(422);
    expect(lastLineBroken.json()).toMatchObject({ error: { code: 'csv-malformed' }, line: 5002 });
    expect((await list()).total).toBe(1);
    await app.close();
  });

  it('a large import lets other requests through: the list and a bench\'s pull answer while it is still writing', async () => {
    await start();
    const bench = await enrollBench(app, admin, 'Bench-1');
    const big = ['Name,Email,Ownership,Serial Number,Platform', ...Array.from({ length: 20_000 }, (_, i) => `User ${i},u${i % 5000}@example.org,corporate,L${i},ios`)].join('\n');
    const finished: string[] = [];
    const importing = upload('/preapproved/import', big).then((response) => {
      finished.push('import');
      return response;
    });
    // Until the first batch is committed (the file is validated whole before anything is written).
    let seen = 0;
    while (seen === 0 && finished.length === 0) {
      seen = (await list('?limit=1')).total;
      if (seen === 0) await sleep(5);
    }
    const listing = list('?limit=1').then((page) => {
      finished.push('list');
      return page;
    });
    const pulling = app.inject({ method: 'GET', url: '/sync/pull?cursor=0&limit=1', headers: bench.headers }).then((response) => {
      finished.push('pull');
      return response;
    });
    const [page, pulled, imported] = await Promise.all([listing, pulling, importing]);
    expect(finished.at(-1), `finished in order ${finished.join(', ')}`).toBe('import');
    expect(page.total).toBeGreaterThan(0);
    expect(page.total).toBeLessThan(20_000);
    expect(pulled.statusCode, pulled.body).toBe(200);
    expect(pulled.json<{ changes: unknown[] }>().changes).toHaveLength(1);
    expect(imported.json<Result>()).toMatchObject({ imported: 20_000, errors: [] });
    expect((await list()).total).toBe(20_000);
    await app.close();
  });

  it('an import stopped between batches and repeated gives the same list, users and history as one clean import', async () => {
    await start();
    const header = 'Name,Email,Ownership,Serial Number,Platform,Mobile';
    // Emails repeat across batches (the last row's details win); one user exists before in mode skip's test.
    const rows = Array.from({ length: 50 }, (_, i) => `User ${i},u${i % 7}@example.org,${i % 2 ? 'personal' : 'corporate'},P${i},ios,+1 555 01${String(i).padStart(2, '0')}`);
    const file = () => Readable.from([[header, ...rows].join('\n') + '\n']);
    const now = new Date('2026-11-21T09:00:00Z');
    const snapshot = async () => ({
      devices: await db().query('SELECT serial_number, platform, ownership, device_name, user_email, status, preapproved, revision FROM devices ORDER BY serial_number'),
      users: await db().query('SELECT email, name, mobile, sam_account_name FROM device_users ORDER BY email'),
      history: await db().query("SELECT serial_number, count(*)::int AS n FROM device_history WHERE kind = 'preapproved' GROUP BY serial_number ORDER BY serial_number"),
    });
    const fresh = async () => {
      await db().execute('DELETE FROM device_history; DELETE FROM devices; DELETE FROM device_users;');
      await db().query("INSERT INTO device_users (email, name, mobile, created_at, updated_at) VALUES ('u3@example.org', 'Before', NULL, $1, $1)", [now]);
    };
    for (const mode of ['skip', 'replace'] satisfies ImportMode[]) {
      await fresh();
      expect(await importPreapproved(db(), file(), { mode, now, batchSize: 8, actor: 'test' })).toMatchObject({ imported: 50, errors: [] });
      const clean = await snapshot();
      expect(clean.users.find((user) => user['email'] === 'u3@example.org')).toMatchObject({ name: mode === 'skip' ? 'Before' : 'User 45' });
      expect(clean.users.find((user) => user['email'] === 'u6@example.org')).toMatchObject({ name: 'User 48', mobile: '+1 555 0148' });

      await fresh();
      const stop = new Error('server stopped');
      const partial = importPreapproved(db(), file(), { mode, now, batchSize: 8, actor: 'test', onBatchWritten: (written) => { if (written >= 24) throw stop; } });
      await expect(partial).rejects.toBe(stop);
      expect((await list()).total, mode).toBe(24);
      const again = await importPreapproved(db(), file(), { mode, now, batchSize: 8, actor: 'test' });
      expect(again, mode).toMatchObject({ imported: 26, errors: [], ...(mode === 'skip' ? { skipped: 24 } : { replaced: 24 }) });
      expect(await snapshot(), mode).toEqual(clean);
      expect(clean.history.every((entry) => entry['n'] === 1)).toBe(true);
    }
    await app.close();
  });

  it('replace overwrites existing serials and their users; skip leaves them; unchecked lines are left out', async () => {
    await start();
    await importCsv('Name,Email,Ownership,Serial Number,Platform,Device Name\nAnn,ann@example.org,corporate,S1,ios,Old\nBob,bob@example.org,corporate,S2,ios,Old\n');
    const second = 'Name,Email,Ownership,Serial Number,Platform,Device Name\nAnn Two,ann@example.org,personal,S1,macos,New\nBob,bob@example.org,corporate,S2,ios,New\nCy,cy@example.org,corporate,S3,ios,New\nDi,di@example.org,corporate,S4,ios,New\n';

    expect(await importCsv(second, '?mode=skip&exclude=5')).toMatchObject({ imported: 1, replaced: 0, skipped: 2, excluded: 1, errors: [] });
    let devices = (await list()).devices;
    expect(devices.map((d) => [d.serialNumber, d.deviceName, d.user.name])).toEqual([['S1', 'Old', 'Ann'], ['S2', 'Old', 'Bob'], ['S3', 'New', 'Cy']]);

    expect(await importCsv(second, '?mode=replace&exclude=3,5')).toMatchObject({ imported: 0, replaced: 2, skipped: 0, excluded: 2 });
    devices = (await list()).devices;
    expect(devices.map((d) => [d.serialNumber, d.deviceName, d.platform, d.ownership, d.user.name])).toEqual([['S1', 'New', 'macos', 'personal', 'Ann Two'], ['S2', 'Old', 'ios', 'corporate', 'Bob'], ['S3', 'New', 'ios', 'corporate', 'Cy']]);
    // An unchecked row's errors are not reported either.
    expect((await importCsv('Name,Email,Ownership,Serial Number,Platform\nX,bad,corporate,S9,ios\n', '?exclude=2')).errors).toEqual([]);
    await app.close();
  });

  it('export → import round trip keeps every value; the export has the canonical header', async () => {
    await start();
    await importCsv(SEED_SHUFFLED);
    const before = (await list()).devices;
    const exported = await app.inject({ method: 'GET', url: '/preapproved/export', headers: admin });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    expect(exported.body.split('\r\n')[0]).toBe('\uFEFFName,Email,Mobile,Ownership,Serial Number,Device Name,Platform,SAMAccountName');
    expect(exported.body).not.toContain('s3cret');
    await db().execute('DELETE FROM preapproved_devices; DELETE FROM device_users;');
    expect(await importCsv(exported.body)).toMatchObject({ imported: 3, errors: [] });
    expect((await list()).devices).toEqual(before);
    await app.close();
  });

  it('refuses a file over the body limit (413), whether it says its length or streams in chunks, and a body that is not CSV (415)', async () => {
    await start();
    const limit = 64 * 1024;
    const small = await serverOn(db(), { csvBodyLimit: limit });
    const headers = { ...(await login(small, 'admin@example.org')), 'content-type': 'text/csv' };
    const header = 'Name,Email,Ownership,Serial Number,Platform\n';
    const rows = (from: number) => Array.from({ length: 200 }, (_, i) => `N,n${from + i}@example.org,corporate,S${from + i},ios`).join('\n') + '\n';
    const whole = await small.inject({ method: 'POST', url: '/preapproved/import', headers, payload: header + 'x'.repeat(limit) });
    expect(whole.statusCode).toBe(413);
    expect(whole.json()).toMatchObject({ error: { code: 'too-large' } });
    // In chunks without a Content-Length: counted as it streams, stopped past the limit, nothing kept.
    const streamed = await small.inject({
      method: 'POST', url: '/preapproved/import', headers,
      payload: Readable.from((function* () { yield header; for (let i = 0; i < 40; i++) yield rows(i * 200); })()),
    });
    expect(streamed.statusCode, streamed.body).toBe(413);
    expect((await small.inject({ method: 'POST', url: '/preapproved/import', headers, payload: header + rows(0) })).json()).toMatchObject({ imported: 200 });
    const json = await small.inject({ method: 'POST', url: '/preapproved/import', headers: { authorization: headers.authorization }, payload: { rows: [] } });
    expect(json.statusCode).toBe(415);
    expect((await list()).total).toBe(200);
    await small.close();
    await app.close();
  });

  it('"pre-approved devices only" is off by default and an admin turns it on', async () => {
    await start();
    expect((await app.inject({ method: 'GET', url: '/settings/enrollment', headers: admin })).json()).toEqual({ preapprovedOnly: false });
    const put = await app.inject({ method: 'PUT', url: '/settings/enrollment', headers: admin, payload: { preapprovedOnly: true } });
    expect(put.json()).toEqual({ preapprovedOnly: true });
    expect((await app.inject({ method: 'GET', url: '/settings/enrollment', headers: admin })).json()).toEqual({ preapprovedOnly: true });
    await app.close();
  });

  it('401 without credentials and 403 for the wrong role on every pre-approved route', async () => {
    await start();
    const tech = await login(app, 'tech@example.org');
    const viewer = await login(app, 'viewer@example.org');
    const csv = 'Name,Email,Ownership,Serial Number,Platform\nAnn,ann@example.org,corporate,S1,ios\n';
    const call = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string> = {}) =>
      app.inject({ method, url, headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'text/csv' } : {}) }, ...(method === 'POST' ? { payload: csv } : method === 'PUT' ? { payload: { preapprovedOnly: true } } : {}) });
    const routes: Array<['GET' | 'POST' | 'PUT', string, Array<{ authorization: string }>]> = [
      ['POST', '/preapproved/preview', [viewer]],
      ['POST', '/preapproved/import', [tech, viewer]],
      ['GET', '/preapproved/export', [tech, viewer]],
      ['GET', '/settings/enrollment', [tech, viewer]],
      ['PUT', '/settings/enrollment', [tech, viewer]],
    ];
    for (const [method, url, forbidden] of routes) {
      expect((await call(method, url)).statusCode, `${method} ${url}`).toBe(401);
      for (const headers of forbidden) expect((await call(method, url, headers)).statusCode, `${method} ${url}`).toBe(403);
    }
    expect((await call('GET', '/preapproved')).statusCode).toBe(401);
    expect((await call('GET', '/preapproved', viewer)).statusCode).toBe(200);
    expect((await call('POST', '/preapproved/preview', tech)).statusCode).toBe(200);
    expect((await list()).total).toBe(0);
    await app.close();
  });
});
