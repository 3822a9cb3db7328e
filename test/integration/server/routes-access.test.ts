/**
 * No endpoint is open by omission: every route declares its access, and a walk
 * over every registered route without credentials gets 401 except the allow-list.
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { buildServer } from '../../../server/app.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { addUser, login, serverOn, useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

/**
 * Open without credentials: health, the API description, login (how
 * credentials are obtained) and Apple's MDM check-in (a device has no bearer
 * token; a deployment checks its identity certificate at the proxy).
 */
const OPEN = [/^\/health$/, /^\/docs(\/.*)?$/, /^\/auth\/login$/, /^\/mdm\/checkin$/];

const concrete = (url: string): string => url.replace(/:[^/]+/g, '00000000-0000-4000-8000-000000000000').replace('*', 'x');

describeEachDatabase('route access', targets, (target) => {
  const db = useDatabase(target);

  it('answers 401 with what to do on every route outside the allow-list when called without credentials', async () => {
    const app = await serverOn(db());
    expect(app.accessTable.length).toBeGreaterThan(10);
    const closed = app.accessTable.filter((route) => !OPEN.some((open) => open.test(route.url)));
    expect(closed.map((route) => `${route.method} ${route.url}`)).toContain('GET /users');
    for (const route of closed) {
      const response = await app.inject({ method: route.method as 'GET', url: concrete(route.url), payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : {} });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      if (route.method === 'HEAD') continue;
      const body = response.json<{ error: { code: string; hint: string } }>();
      expect(body.error.code, `${route.method} ${route.url}`).toMatch(/^unauthenticated$/);
      expect(body.error.hint).toMatch(/Authorization: Bearer/);
    }
    // A malformed or unknown token is no better than none.
    for (const authorization of ['Bearer nonsense', 'Bearer bls_forged', 'Basic YWRtaW46YWRtaW4=']) {
      expect((await app.inject({ method: 'GET', url: '/users', headers: { authorization } })).statusCode).toBe(401);
    }
    await app.close();
  });

  it('declares only public access on the allow-list', async () => {
    const app = await serverOn(db());
    const open = app.accessTable.filter((route) => route.access === 'public').map((route) => route.url);
    for (const url of open) expect(OPEN.some((pattern) => pattern.test(url)), url).toBe(true);
    await app.close();
  });

  it('refuses to register a route that declares no access', async () => {
    const app = await buildServer({ db: db() });
    expect(() => app.get('/forgotten', { schema: { response: { 200: z.object({}) } } }, async () => ({}))).toThrow(/GET \/forgotten declares no access/);
    await app.close();
  });

  it('serves /health without credentials, and a wrong role is 403 not 401', async () => {
    const app = await serverOn(db());
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toEqual({ status: 'ok', database: target.name });
    await addUser(db(), 'viewer@example.org', 'read-only');
    const headers = await login(app, 'viewer@example.org');
    expect((await app.inject({ method: 'POST', url: '/benches/enrollment-codes', headers, payload: { benchName: 'x' } })).statusCode).toBe(403);
    await app.close();
  });

  it('serves the OpenAPI document and its UI from the package itself (no CDN)', async () => {
    const app = await serverOn(db());
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/auth/login', '/users', '/benches/enroll', '/benches/{id}/revoke']));
    // Open routes say so in the document; the rest inherit the bearer requirement.
    expect(spec.paths['/health']).toMatchObject({ get: { security: [] } });
    expect(spec).toMatchObject({ security: [{ bearer: [] }] });
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.body).not.toMatch(/https?:\/\/(?!swagger\.io)[a-z0-9.-]+\.[a-z]+\//i);
    const bundle = ui.body.match(/src="\.?\/?([^"]*swagger-ui-bundle\.js)"/)?.[1];
    expect(bundle).toBeDefined();
    expect((await app.inject({ method: 'GET', url: `/docs/${bundle!.replace(/^.*\//, 'static/')}` })).statusCode).toBe(200);
    await app.close();
  });
});
