/** Logins, sessions, roles and bench credentials, on PGlite and on PostgreSQL. */
import { expect, it } from 'vitest';
import type { ZodApp } from '../../../server/routes/types.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, PASSWORD, serverOn, useDatabase } from '../../support/server.js';

const targets = await databaseTargets();
const MINUTE = 60_000;

describeEachDatabase('auth', targets, (target) => {
  const db = useDatabase(target);
  let clock = new Date('2026-11-21T09:00:00Z');
  const start = async (): Promise<ZodApp> => {
    clock = new Date('2026-11-21T09:00:00Z');
    await addUser(db(), 'admin@example.org', 'admin');
    await addUser(db(), 'tech@example.org', 'technician');
    await addUser(db(), 'viewer@example.org', 'read-only');
    return serverOn(db(), { now: () => clock, sessionTtlMs: 60 * MINUTE, enrollmentCodeTtlMs: 10 * MINUTE, loginRateLimit: { max: 3, timeWindowMs: MINUTE } });
  };

  it('logs in with the right password, stores only a scrypt hash and a hash of the token', async () => {
    const app = await start();
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'Admin@Example.org', password: PASSWORD } });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ token: string; expiresAt: string; user: { email: string; role: string } }>();
    expect(body.user).toMatchObject({ email: 'admin@example.org', role: 'admin' });
    expect(body.expiresAt).toBe('2026-11-21T10:00:00.000Z');
    const [user] = await db().query<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = 'admin@example.org'");
    expect(user?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(user?.password_hash).not.toContain(PASSWORD);
    const sessions = await db().query<{ token_hash: string }>('SELECT token_hash FROM sessions');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.token_hash).not.toBe(body.token);
    await app.close();
  });

  it('refuses a wrong password and an unknown email alike, with what to do', async () => {
    const app = await start();
    for (const payload of [{ email: 'admin@example.org', password: 'wrong password!' }, { email: 'nobody@example.org', password: PASSWORD }]) {
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'bad-credentials', message: 'The email or the password is wrong.', hint: expect.any(String) } });
    }
    await app.close();
  });

  it('rate-limits login per client: the 4th attempt within the window gets 429 and when to retry', async () => {
    const app = await start();
    const attempt = () => app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin@example.org', password: 'guess guess guess' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'rate-limited', hint: expect.stringMatching(/^Wait /) } });
    // The right password is refused too while limited: no oracle for a guesser.
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin@example.org', password: PASSWORD } })).statusCode).toBe(429);
    await app.close();
  });

  it('a session expires after its lifetime and ends at once on logout', async () => {
    const app = await start();
    const headers = await login(app, 'tech@example.org');
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers })).json()).toMatchObject({ kind: 'user', email: 'tech@example.org', role: 'technician' });
    clock = new Date(clock.getTime() + 61 * MINUTE);
    const expired = await app.inject({ method: 'GET', url: '/auth/me', headers });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ error: { code: 'unauthenticated', message: expect.stringMatching(/expired/) } });

    clock = new Date('2026-11-21T09:00:00Z');
    const again = await login(app, 'tech@example.org');
    expect((await app.inject({ method: 'POST', url: '/auth/logout', headers: again })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: again })).statusCode).toBe(401);
    await app.close();
  });

  it('checks the role: a technician and a read-only user get 403 on admin endpoints, saying which roles may', async () => {
    const app = await start();
    for (const email of ['tech@example.org', 'viewer@example.org']) {
      const headers = await login(app, email);
      const response = await app.inject({ method: 'GET', url: '/users', headers });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'forbidden', hint: 'It needs one of: admin. Ask an admin.' } });
    }
    const admin = await login(app, 'admin@example.org');
    const users = await app.inject({ method: 'GET', url: '/users', headers: admin });
    expect(users.statusCode).toBe(200);
    expect(users.json<{ users: { email: string }[] }>().users.map((user) => user.email)).toEqual(['admin@example.org', 'tech@example.org', 'viewer@example.org']);
    await app.close();
  });

  it('an admin creates users; a duplicate email is 409 and a short password 400', async () => {
    const app = await start();
    const headers = await login(app, 'admin@example.org');
    const create = (email: string, password: string) => app.inject({ method: 'POST', url: '/users', headers, payload: { email, password, role: 'technician' } });
    expect((await create('new@example.org', 'long enough password')).statusCode).toBe(201);
    expect(await login(app, 'new@example.org', 'long enough password')).toHaveProperty('authorization');
    expect((await create('NEW@example.org', 'long enough password')).json()).toMatchObject({ error: { code: 'user-exists' } });
    const short = await create('other@example.org', 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ error: { code: 'invalid-request', message: expect.stringMatching(/password/) } });
    await app.close();
  });

  it('a bench exchanges a one-time code for a token that works until an admin revokes it, at once', async () => {
    const app = await start();
    const admin = await login(app, 'admin@example.org');
    const created = await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers: admin, payload: { benchName: 'Depot bench 1' } });
    expect(created.statusCode).toBe(201);
    const { code, expiresAt } = created.json<{ code: string; expiresAt: string }>();
    expect(expiresAt).toBe('2026-11-21T09:10:00.000Z');

    const enroll = () => app.inject({ method: 'POST', url: '/benches/enroll', headers: { authorization: `Bearer ${code}` } });
    const enrolled = await enroll();
    expect(enrolled.statusCode).toBe(201);
    const { token, bench } = enrolled.json<{ token: string; bench: { id: string; name: string } }>();
    expect(bench.name).toBe('Depot bench 1');
    const benchHeaders = { authorization: `Bearer ${token}` };
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: benchHeaders })).json()).toEqual({ kind: 'bench', id: bench.id, name: 'Depot bench 1' });

    // One time only.
    const second = await enroll();
    expect(second.statusCode).toBe(401);
    expect(second.json()).toMatchObject({ error: { code: 'enrollment-code-invalid' } });
    // A bench is not a user: admin endpoints are closed to it.
    expect((await app.inject({ method: 'GET', url: '/benches', headers: benchHeaders })).statusCode).toBe(403);

    const revoked = await app.inject({ method: 'POST', url: `/benches/${bench.id}/revoke`, headers: admin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: bench.id, revokedAt: '2026-11-21T09:00:00.000Z' });
    expect((await app.inject({ method: 'GET', url: '/auth/me', headers: benchHeaders })).statusCode).toBe(401);
    const list = await app.inject({ method: 'GET', url: '/benches', headers: admin });
    expect(list.json()).toMatchObject({ benches: [{ id: bench.id, revokedAt: '2026-11-21T09:00:00.000Z' }] });
    expect((await app.inject({ method: 'POST', url: '/benches/00000000-0000-4000-8000-000000000000/revoke', headers: admin })).statusCode).toBe(404);
    await app.close();
  });

  it('an enrollment code expires; two benches racing with one code get one token', async () => {
    const app = await start();
    const admin = await login(app, 'admin@example.org');
    const newCode = async (): Promise<string> =>
      (await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers: admin, payload: { benchName: 'b' } })).json<{ code: string }>().code;
    const late = await newCode();
    clock = new Date(clock.getTime() + 11 * MINUTE);
    expect((await app.inject({ method: 'POST', url: '/benches/enroll', headers: { authorization: `Bearer ${late}` } })).statusCode).toBe(401);

    const raced = await newCode();
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'POST', url: '/benches/enroll', headers: { authorization: `Bearer ${raced}` } })));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 401, 401]);
    expect((await db().query('SELECT id FROM benches')).length).toBe(1);
    await app.close();
  });
});
