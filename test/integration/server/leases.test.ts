/**
 * Per-device leases (issue #5 part 7) on PGlite and PostgreSQL: one bench at a time runs
 * destructive jobs on a device; the others are told who holds it and until when.
 */
import { expect, it } from 'vitest';
import type { Lease } from '../../../core/contract/server-wire.js';
import type { ZodApp } from '../../../server/routes/types.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';
import { enrollBench, type TestBench } from './bench-tokens.js';

const targets = await databaseTargets();
const START = new Date('2026-11-21T09:00:00Z');

describeEachDatabase('device leases', targets, (target) => {
  const db = useDatabase(target);
  let app: ZodApp;
  let admin: { authorization: string };
  let clock = START;

  const start = async (): Promise<{ a: TestBench; b: TestBench }> => {
    clock = START;
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'tech@example.org', 'technician');
    app = await serverOn(db(), { now: () => clock });
    admin = await login(app, 'admin@example.org');
    return { a: await enrollBench(app, admin, 'Bench-A'), b: await enrollBench(app, admin, 'Bench-B') };
  };
  const take = (bench: TestBench, serialNumber: string, jobId: string, ttlSeconds?: number) =>
    app.inject({ method: 'POST', url: '/leases', headers: bench.headers, payload: { serialNumber, jobId, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) } });
  const release = (bench: TestBench, serialNumber: string, jobId: string) =>
    app.inject({ method: 'DELETE', url: `/leases/${encodeURIComponent(serialNumber)}?jobId=${encodeURIComponent(jobId)}`, headers: bench.headers });
  const advance = (seconds: number): void => void (clock = new Date(clock.getTime() + seconds * 1000));

  it('grants a free device, renews it for the same job, and refuses another bench or job naming the holder until it expires', async () => {
    const { a, b } = await start();
    const granted = await take(a, 'C02XK1', 'job-1', 600);
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json<Lease>()).toEqual({ serialNumber: 'C02XK1', benchId: a.id, benchName: 'Bench-A', jobId: 'job-1', acquiredAt: '2026-11-21T09:00:00.000Z', expiresAt: '2026-11-21T09:10:00.000Z' });

    advance(300);
    const renewed = await take(a, 'C02XK1', 'job-1', 600);
    expect(renewed.json<Lease>()).toMatchObject({ acquiredAt: '2026-11-21T09:00:00.000Z', expiresAt: '2026-11-21T09:15:00.000Z' });

    const refused = await take(b, 'C02XK1', 'job-9');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: {
        code: 'lease-held',
        message: 'C02XK1 is being worked on at bench Bench-A (job job-1) until 2026-11-21T09:15:00.000Z.',
        hint: 'Finish or cancel the job there first, or wait for it to end; a bench that went away loses the lease at 2026-11-21T09:15:00.000Z.',
      },
    });
    expect((await take(a, 'C02XK1', 'job-2')).statusCode).toBe(409);
    // Serial numbers are case-sensitive: another device.
    expect((await take(b, 'c02xk1', 'job-9')).statusCode).toBe(200);

    advance(600);
    const afterExpiry = await take(b, 'C02XK1', 'job-9');
    expect(afterExpiry.statusCode).toBe(200);
    expect(afterExpiry.json<Lease>()).toMatchObject({ benchName: 'Bench-B', jobId: 'job-9', acquiredAt: '2026-11-21T09:15:00.000Z' });
    expect((await take(a, 'C02XK1', 'job-1')).statusCode).toBe(409);
    await app.close();
  });

  it('releases the caller\'s lease; releasing twice is fine; another bench\'s lease cannot be released', async () => {
    const { a, b } = await start();
    expect((await take(a, 'S1', 'job-1')).statusCode).toBe(200);
    const foreign = await release(b, 'S1', 'job-1');
    expect(foreign.statusCode).toBe(409);
    expect(foreign.json()).toMatchObject({ error: { code: 'lease-held', message: expect.stringContaining('Bench-A') } });

    expect((await release(a, 'S1', 'job-1')).statusCode).toBe(204);
    expect((await release(a, 'S1', 'job-1')).statusCode).toBe(204);
    expect((await take(b, 'S1', 'job-2')).statusCode).toBe(200);
    await app.close();
  });

  it('of 20 benches asking for one device at once, exactly one gets it', async () => {
    await start();
    const benches = await Promise.all(Array.from({ length: 20 }, (_, i) => enrollBench(app, admin, `Racer-${i}`)));
    const answers = await Promise.all(benches.map((bench, i) => take(bench, 'RACE-1', `job-${i}`)));
    const codes = answers.map((answer) => answer.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(19);
    const winner = answers.find((answer) => answer.statusCode === 200)!.json<Lease>();
    for (const loser of answers.filter((answer) => answer.statusCode === 409)) {
      expect(loser.json<{ error: { message: string } }>().error.message).toContain(`bench ${winner.benchName} (job ${winner.jobId})`);
    }
    await app.close();
  });

  it('lists the leases in force for admins; a revoked bench\'s lease no longer blocks the device', async () => {
    const { a, b } = await start();
    await take(a, 'S1', 'job-1', 60);
    await take(a, 'S2', 'job-2', 30);
    await take(b, 'S3', 'job-3', 10);
    advance(15);
    const listed = await app.inject({ method: 'GET', url: '/leases', headers: admin });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ leases: Lease[] }>().leases.map((lease) => [lease.serialNumber, lease.benchName])).toEqual([['S2', 'Bench-A'], ['S1', 'Bench-A']]);
    const tech = await login(app, 'tech@example.org');
    expect((await app.inject({ method: 'GET', url: '/leases', headers: tech })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/leases', headers: admin, payload: { serialNumber: 'S1', jobId: 'x' } })).statusCode).toBe(403);

    await app.inject({ method: 'POST', url: `/benches/${a.id}/revoke`, headers: admin });
    expect((await take(b, 'S1', 'job-4')).statusCode).toBe(200);
    await app.close();
  });
});
