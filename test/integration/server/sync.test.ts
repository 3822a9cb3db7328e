/**
 * Bench sync over HTTP (issue #5 part 7) on PGlite and PostgreSQL: a bench's outbox pushed
 * any number of times takes effect once, rejections are kept with their reason, a failure
 * mid-batch loses nothing on retry, and another bench sees the result in one pull.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { GENESIS_HASH, recordHash } from '../../../core/audit/canonical.js';
import type { AuditRecord, DeprovisionReason, InventoryDevice, SyncChange, SyncEvent, SyncEventBody, SyncPullResult, SyncPushResult } from '../../../core/contract/server-wire.js';
import type { Database } from '../../../server/db/database.js';
import type { ZodApp } from '../../../server/routes/types.js';
import { PUSH_CHUNK } from '../../../server/sync/push.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';
import { enrollBench, type TestBench } from './bench-tokens.js';

const targets = await databaseTargets();

let keys = 0;
const event = (body: SyncEventBody, technician: string | null = 'Ana'): SyncEvent => ({ key: `event-${++keys}`, occurredAt: '2026-11-21T08:30:00.000Z', technician, body });
const preapprove = (serialNumber: string, ownership: 'corporate' | 'personal' = 'corporate'): SyncEvent =>
  event({ type: 'device.preapprove', device: { serialNumber, platform: 'ios', ownership, deviceName: null, user: { email: 'ann@example.org', name: 'Ann Lee' } } });
const deprovision = (serialNumber: string, reason: DeprovisionReason, deprovisionId: string = randomUUID()): SyncEvent =>
  event({ type: 'device.deprovision', deprovisionId, request: { serialNumbers: [serialNumber], acknowledged: true, reason, requestInfo: false } });
const observed = (serialNumber: string): SyncEvent =>
  event({ type: 'device.observed', device: { serialNumber, udid: `udid-${serialNumber}`, ecid: null, productType: 'iPhone15,2', productVersion: '18.1', deviceName: 'iPhone', platform: 'ios' } }, null);
const jobFinished = (serialNumber: string, deprovisionId: string | null): SyncEvent =>
  event({
    type: 'job.finished',
    job: { jobId: `job-${keys}`, workflowId: 'erase', udid: `udid-${serialNumber}`, serialNumber, state: 'succeeded', technician: 'Ana', reason: null, deprovisionId, errorMessage: null, finishedAt: '2026-11-21T08:40:00.000Z' },
  });

/** A bench's audit log as core/audit hashes it: each record chained to the one before. */
function auditLog(): { next(action: string, detail?: string): AuditRecord; records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    records,
    next(action, detail) {
      const fields = { seq: records.length + 1, at: `2026-11-21T08:3${records.length % 10}:00.000Z`, technician: 'Ana', action, jobId: null, workflowId: null, stepKind: null, udid: null, serialNumber: null, result: 'ok', detail: detail ?? null };
      const prevHash = records.at(-1)?.hash ?? GENESIS_HASH;
      const record = { ...fields, prevHash, hash: recordHash(prevHash, fields) };
      records.push(record);
      return record;
    },
  };
}
const audit = (record: AuditRecord): SyncEvent => event({ type: 'audit.record', record });

/** The database, but once armed the n-th transaction from then on throws after its work, as a connection lost before COMMIT would. */
function withFaults(db: Database): { db: Database; failNth(n: number): void } {
  let countdown = 0;
  return {
    failNth: (n) => void (countdown = n),
    db: {
      ...db,
      transaction: (work) =>
        db.transaction(async (tx) => {
          const result = await work(tx);
          if (countdown > 0 && --countdown === 0) throw new Error('Connection terminated unexpectedly');
          return result;
        }),
    },
  };
}

describeEachDatabase('bench sync', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };

  const start = async (database: Database = db()): Promise<{ a: TestBench; b: TestBench }> => {
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'viewer@example.org', 'read-only');
    app = await serverOn(database, { now: () => new Date('2026-11-21T09:00:00Z') });
    admin = await login(app, 'admin@example.org');
    return { a: await enrollBench(app, admin, 'Bench-A'), b: await enrollBench(app, admin, 'Bench-B') };
  };
  const push = async (bench: TestBench, events: readonly SyncEvent[]): Promise<SyncPushResult['outcomes']> => {
    const response = await app.inject({ method: 'POST', url: '/sync/push', headers: bench.headers, payload: { events } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<SyncPushResult>().outcomes;
  };
  const pull = async (bench: TestBench, cursor: number, limit?: number): Promise<SyncPullResult> => {
    const response = await app.inject({ method: 'GET', url: `/sync/pull?cursor=${cursor}${limit === undefined ? '' : `&limit=${limit}`}`, headers: bench.headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<SyncPullResult>();
  };
  const device = async (serialNumber: string): Promise<InventoryDevice> => {
    const response = await app.inject({ method: 'GET', url: `/inventory/${serialNumber}`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<InventoryDevice>();
  };
  const history = async (serialNumber: string): Promise<Array<{ kind: string; actor: string }>> => {
    const response = await app.inject({ method: 'GET', url: `/inventory/${serialNumber}/history`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ entries: Array<{ kind: string; actor: string }> }>().entries;
  };
  const auditCopy = async (bench: TestBench): Promise<Array<{ seq: number; hash: string }>> =>
    db().query<{ seq: number; hash: string }>('SELECT seq, hash FROM bench_audit WHERE bench_id = $1 ORDER BY seq', [bench.id]);
  const deprovisions = async (): Promise<Array<{ id: string; state: string }>> => {
    const all = [];
    for (const state of ['pending', 'completed']) {
      const response = await app.inject({ method: 'GET', url: `/deprovisions?state=${state}`, headers: admin });
      expect(response.statusCode, response.body).toBe(200);
      all.push(...response.json<{ deprovisions: Array<{ id: string; state: string }> }>().deprovisions);
    }
    return all;
  };

  it('pushing the same batch five times takes effect once; every repeat answers duplicate like the first', async () => {
    const { a } = await start();
    const log = auditLog();
    const deprovisionId = randomUUID();
    const batch = [preapprove('S1'), observed('S1'), deprovision('S1', 'employee-left', deprovisionId), jobFinished('S1', deprovisionId), audit(log.next('job.started')), audit(log.next('job.succeeded'))];

    expect(await push(a, batch)).toEqual(batch.map((e) => ({ key: e.key, status: 'applied', error: null })));
    const historyOnce = await history('S1');
    for (let retry = 0; retry < 4; retry++) {
      expect(await push(a, batch)).toEqual(batch.map((e) => ({ key: e.key, status: 'duplicate', error: null })));
    }

    expect(await history('S1')).toEqual(historyOnce);
    expect(historyOnce.filter((entry) => entry.kind === 'deprovision-requested')).toHaveLength(1);
    expect(historyOnce.some((entry) => entry.actor === 'bench Bench-A (technician Ana)')).toBe(true);
    expect(await deprovisions()).toEqual([expect.objectContaining({ id: deprovisionId, state: 'completed' })]);
    expect(await device('S1')).toMatchObject({ status: 'in-stock', udid: 'udid-S1', pendingDeprovision: null });
    expect((await auditCopy(a)).map((row) => [Number(row.seq), row.hash])).toEqual(log.records.map((r) => [r.seq, r.hash]));
    await app.close();
  });

  it('a rejected event in the middle of a batch says why and the others apply; a retry gets the same answers', async () => {
    const { a } = await start();
    const log = auditLog();
    const unreadable = { key: `event-${++keys}`, occurredAt: '2026-11-21T08:30:00.000Z', technician: null, body: { type: 'device.teleported' } };
    const batch = [preapprove('S2'), deprovision('NOT-KNOWN', 'retire'), unreadable, audit(log.next('job.started'))];

    const first = await push(a, batch as SyncEvent[]);
    expect(first.map((o) => [o.key, o.status, o.error?.code ?? null])).toEqual([
      [batch[0]!.key, 'applied', null],
      [batch[1]!.key, 'rejected', 'unknown-device'],
      [batch[2]!.key, 'rejected', 'invalid-event'],
      [batch[3]!.key, 'applied', null],
    ]);
    expect(first[1]!.error).toEqual({ code: 'unknown-device', message: expect.stringContaining('NOT-KNOWN'), hint: expect.any(String) });
    expect(first[2]!.error?.message).toMatch(/body/);

    const again = await push(a, batch as SyncEvent[]);
    expect(again).toEqual(first.map((o) => ({ ...o, status: 'duplicate' })));
    expect((await device('S2')).status).toBe('pre-approved');
    expect(await auditCopy(a)).toHaveLength(1);
    await app.close();
  });

  it('an event the database itself refuses is rejected with the reason and the rest of the batch applies', async () => {
    const { a } = await start();
    const log = auditLog();
    const first = log.next('one');
    // PostgreSQL text cannot hold NUL: the INSERT fails, the batch is redone with a savepoint around each event.
    const withNul = log.next('two', 'a\u0000b');
    const batch = [audit(first), audit(withNul), preapprove('S10')];
    const outcomes = await push(a, batch);
    expect(outcomes.map((o) => [o.status, o.error?.code ?? null])).toEqual([['applied', null], ['rejected', 'event-invalid'], ['applied', null]]);
    expect(outcomes[1]!.error?.message).toMatch(/database refused/);
    expect((await auditCopy(a)).map((row) => Number(row.seq))).toEqual([1]);
    expect((await device('S10')).status).toBe('pre-approved');
    expect((await push(a, batch)).map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    await app.close();
  });

  it('a second deprovision of a device with one pending is rejected with when and by whom; the bench keeps the answer', async () => {
    const { a, b } = await start();
    await push(a, [preapprove('S3')]);
    const [firstOutcome] = await push(a, [deprovision('S3', 'employee-left')]);
    expect(firstOutcome!.status).toBe('applied');
    const second = deprovision('S3', 'retire');
    const [refused] = await push(b, [second]);
    expect(refused).toMatchObject({ key: second.key, status: 'rejected', error: { code: 'deprovision-pending', message: expect.stringContaining('Bench-A') } });
    expect((await push(b, [second]))[0]).toEqual({ ...refused, status: 'duplicate' });
    expect(await deprovisions()).toHaveLength(1);
    await app.close();
  });

  it('when the database fails mid-batch the request fails; the retry applies the rest, each effect once', async () => {
    const faulty = withFaults(db());
    const { a } = await start(faulty.db);
    const log = auditLog();
    // Longer than one transaction's worth (PUSH_CHUNK): the first chunk commits, the second fails before COMMIT.
    const batch = [...Array.from({ length: PUSH_CHUNK + 2 }, (_, i) => audit(log.next(`step ${i + 1}`))), preapprove('S4'), audit(log.next('last'))];
    faulty.failNth(2);
    const failed = await app.inject({ method: 'POST', url: '/sync/push', headers: a.headers, payload: { events: batch } });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ error: { code: 'internal', hint: expect.stringMatching(/Try again/) } });
    expect(await auditCopy(a)).toHaveLength(PUSH_CHUNK);

    const retried = await push(a, batch);
    expect(retried.map((o) => o.status)).toEqual([...Array<string>(PUSH_CHUNK).fill('duplicate'), ...Array<string>(4).fill('applied')]);
    expect((await push(a, batch)).every((o) => o.status === 'duplicate')).toBe(true);
    expect((await auditCopy(a)).map((row) => Number(row.seq))).toEqual(log.records.map((record) => record.seq));
    expect((await history('S4')).filter((entry) => entry.kind === 'preapproved')).toHaveLength(1);
    await app.close();
  });

  it('the same batch pushed three times at once (a retry while the first is still running) takes effect once', async () => {
    const { a } = await start();
    const log = auditLog();
    const batch = [preapprove('S11'), audit(log.next('one')), audit(log.next('two')), deprovision('S11', 'in-repair')];
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'POST', url: '/sync/push', headers: a.headers, payload: { events: batch } })));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    const statuses = answers.map((answer) => answer.json<SyncPushResult>().outcomes.map((o) => o.status));
    // Exactly one of the three applied each event; the others were told it was a duplicate.
    for (let i = 0; i < batch.length; i++) expect(statuses.map((s) => s[i]).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await auditCopy(a)).toHaveLength(2);
    expect(await deprovisions()).toHaveLength(1);
    expect((await device('S11')).status).toBe('in-service');
    await app.close();
  });

  it('a bench back from a day offline pushes its whole outbox (500 events, many chunks) and everything lands once, in order', async () => {
    const { a } = await start();
    const log = auditLog();
    const batch = Array.from({ length: 500 }, (_, i) => (i % 50 === 7 ? preapprove(`OFF-${i}`) : audit(log.next(`step ${i}`))));
    const outcomes = await push(a, batch);
    expect(outcomes.filter((o) => o.status !== 'applied')).toEqual([]);
    expect((await auditCopy(a)).map((row) => row.hash)).toEqual(log.records.map((record) => record.hash));
    expect((await device('OFF-457')).status).toBe('pre-approved');
    expect((await push(a, batch)).filter((o) => o.status !== 'duplicate')).toEqual([]);
    await app.close();
  });

  it('a key sent twice in one batch is applied once', async () => {
    const { a } = await start();
    const record = audit(auditLog().next('once'));
    expect((await push(a, [record, record])).map((o) => o.status)).toEqual(['applied', 'duplicate']);
    expect(await auditCopy(a)).toHaveLength(1);
    await app.close();
  });

  it('bench B sees the deprovision bench A pushed in one pull from its cursor', async () => {
    const { a, b } = await start();
    await push(a, [preapprove('S5', 'personal'), preapprove('S6')]);
    const before = await pull(b, 0);
    expect(before.changes.filter((c) => c.kind === 'device').map((c) => c.kind === 'device' && [c.device.serialNumber, c.device.status])).toEqual([['S5', 'pre-approved'], ['S6', 'pre-approved']]);

    const deprovisionId = randomUUID();
    await push(a, [deprovision('S5', 'employee-left', deprovisionId)]);
    const after = await pull(b, before.cursor);
    expect(after.more).toBe(false);
    expect(after.cursor).toBeGreaterThan(before.cursor);
    const devices = after.changes.flatMap((c) => (c.kind === 'device' ? [c.device] : []));
    expect(devices).toEqual([expect.objectContaining({ serialNumber: 'S5', status: 'retired', pendingDeprovision: expect.objectContaining({ id: deprovisionId, requestedBy: 'bench Bench-A (technician Ana)' }) })]);
    // Nothing new: the same cursor comes back with no changes.
    expect(await pull(b, after.cursor)).toEqual({ changes: [], cursor: after.cursor, more: false });
    // A cursor this server never handed out (its data was restored from a backup) is refused with what to do.
    const ahead = await app.inject({ method: 'GET', url: `/sync/pull?cursor=${after.cursor + 1000}`, headers: b.headers });
    expect(ahead.statusCode).toBe(409);
    expect(ahead.json()).toMatchObject({ error: { code: 'cursor-ahead', hint: expect.stringContaining('cursor 0') } });
    await app.close();
  });

  it('pages through the changes with limit; every device arrives once in order', async () => {
    const { a, b } = await start();
    const serials = ['P1', 'P2', 'P3', 'P4', 'P5'];
    await push(a, serials.map((serial) => preapprove(serial)));
    const seen: SyncChange[] = [];
    let cursor = 0;
    const pages: number[] = [];
    for (;;) {
      const page = await pull(b, cursor, 2);
      pages.push(page.changes.length);
      seen.push(...page.changes);
      if (page.changes.length > 0) expect(page.cursor).toBe(page.changes.at(-1)!.seq);
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(pages.slice(0, 2)).toEqual([2, 2]);
    const devices = seen.flatMap((c) => (c.kind === 'device' ? [c.device.serialNumber] : []));
    expect(devices).toEqual(serials);
    const seqs = seen.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await app.close();
  });

  it('keeps each bench\'s audit chain: a gap, a wrong previous hash or an altered record is rejected naming the record', async () => {
    const { a, b } = await start();
    const log = auditLog();
    const [one, two, three] = [log.next('one'), log.next('two'), log.next('three')];
    expect((await push(a, [audit(one!)]))[0]!.status).toBe('applied');

    const [gap] = await push(a, [audit(three!)]);
    expect(gap).toMatchObject({ status: 'rejected', error: { code: 'audit-chain-broken', message: expect.stringContaining('expected record 2') } });
    const [forged] = await push(a, [audit({ ...two!, prevHash: 'f'.repeat(64) })]);
    expect(forged).toMatchObject({ status: 'rejected', error: { code: 'audit-chain-broken', message: expect.stringContaining('expected record 2') } });
    // Chained right, but its content changed after it was hashed.
    const [altered] = await push(a, [audit({ ...two!, result: 'skipped' })]);
    expect(altered).toMatchObject({ status: 'rejected', error: { code: 'audit-hash-mismatch', message: expect.stringContaining('record 2') } });

    expect((await push(a, [audit(two!), audit(three!)])).map((o) => o.status)).toEqual(['applied', 'applied']);
    // Another bench's log is its own chain, starting at 1.
    expect((await push(b, [audit(auditLog().next('first'))]))[0]!.status).toBe('applied');
    expect(await auditCopy(a)).toHaveLength(3);
    await app.close();
  });

  it('a revoked bench is refused at once; users may pull but only benches push', async () => {
    const { a } = await start();
    await push(a, [preapprove('S7')]);
    const viewer = await login(app, 'viewer@example.org');
    expect((await app.inject({ method: 'GET', url: '/sync/pull?cursor=0', headers: viewer })).statusCode).toBe(200);
    const byUser = await app.inject({ method: 'POST', url: '/sync/push', headers: admin, payload: { events: [preapprove('S8')] } });
    expect(byUser.statusCode).toBe(403);

    expect((await app.inject({ method: 'POST', url: `/benches/${a.id}/revoke`, headers: admin })).statusCode).toBe(200);
    for (const request of [{ method: 'POST' as const, url: '/sync/push', payload: { events: [preapprove('S9')] } }, { method: 'GET' as const, url: '/sync/pull?cursor=0' }]) {
      const refused = await app.inject({ ...request, headers: a.headers });
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    await app.close();
  });
});
