import { z } from 'zod';
import { bearer } from '../auth/guard.js';
import { createEnrollmentCode, listBenches, redeemEnrollmentCode, revokeBench } from '../auth/store.js';
import { ApiError, errorBody } from '../errors.js';
import { auditCopyHead } from '../store/bench-audit.js';
import { authErrors, bench } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

export function benchRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/benches/enrollment-codes', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'Create a one-time code a bench exchanges for its token (POST /benches/enroll)',
      tags: ['benches'],
      body: z.object({ benchName: z.string().min(1).max(200) }),
      response: { 201: z.object({ code: z.string(), benchName: z.string(), expiresAt: z.date() }), ...authErrors },
    },
  }, async (request, reply) => {
    const created = await createEnrollmentCode(ctx.db, { benchName: request.body.benchName, createdBy: request.principal!.id, now: ctx.now(), ttlMs: ctx.enrollmentCodeTtlMs });
    request.log.info({ benchName: request.body.benchName, by: request.principal?.id }, 'enrollment code created');
    return reply.code(201).send({ ...created, benchName: request.body.benchName });
  });

  app.post('/benches/enroll', {
    config: { access: 'enrollment-code' },
    schema: {
      summary: 'Exchange a one-time enrollment code (as "Authorization: Bearer <code>") for the bench\'s token',
      tags: ['benches'],
      response: { 201: z.object({ token: z.string(), bench }), 401: errorBody },
    },
  }, async (request, reply) => {
    const code = bearer(request)!;
    const redeemed = await ctx.db.transaction((tx) => redeemEnrollmentCode(tx, code, ctx.now()));
    if (!redeemed) {
      throw new ApiError(401, 'enrollment-code-invalid', 'The enrollment code is not valid: it was used, expired or never existed.', 'Ask an admin for a new code (POST /benches/enrollment-codes).');
    }
    request.log.info({ benchId: redeemed.bench.id }, 'bench enrolled');
    return reply.code(201).send(redeemed);
  });

  app.get('/benches', {
    config: { access: { roles: ['admin'] } },
    schema: { summary: 'Every enrolled bench, revoked ones included', tags: ['benches'], response: { 200: z.object({ benches: z.array(bench) }), ...authErrors } },
  }, async () => ({ benches: await listBenches(ctx.db) }));

  app.post('/benches/:id/revoke', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: "Revoke a bench's token: refused from the next request on",
      tags: ['benches'],
      params: z.object({ id: z.uuid() }),
      response: { 200: bench, 404: errorBody, ...authErrors },
    },
  }, async (request) => {
    const revoked = await revokeBench(ctx.db, request.params.id, ctx.now());
    if (!revoked) throw new ApiError(404, 'bench-not-found', `There is no bench ${request.params.id}.`, 'List the benches with GET /benches.');
    request.log.info({ benchId: revoked.id, by: request.principal?.id }, 'bench revoked');
    return revoked;
  });

  app.get('/benches/:id/audit', {
    config: { access: { roles: ['admin', 'read-only'] } },
    schema: {
      summary: "The server's copy of a bench's audit log: how many records and the newest one's hash, to compare with `benchline audit export` at the bench",
      tags: ['benches'],
      params: z.object({ id: z.uuid() }),
      response: { 200: z.object({ benchId: z.uuid(), count: z.number().int(), lastSeq: z.number().int().nullable(), headHash: z.string().nullable(), lastAt: z.string().nullable() }), 404: errorBody, ...authErrors },
    },
  }, async (request) => {
    const benches = await listBenches(ctx.db);
    if (!benches.some((entry) => entry.id === request.params.id)) throw new ApiError(404, 'bench-not-found', `There is no bench ${request.params.id}.`, 'List the benches with GET /benches.');
    return { benchId: request.params.id, ...(await auditCopyHead(ctx.db, request.params.id)) };
  });
}
