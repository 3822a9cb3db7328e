/** Per-device leases (issue #5 part 7): one bench at a time runs destructive jobs on a device. */
import { z } from 'zod';
import { LeaseRequestSchema, LeaseSchema, SerialNumberSchema } from '../../core/contract/server-wire.js';
import { errorBody } from '../errors.js';
import { benchOf } from '../sync/bench.js';
import { acquireLease, activeLeases, releaseLease } from '../sync/leases.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

export function leaseRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/leases', {
    config: { access: { roles: [], benches: true } },
    schema: {
      summary: 'Take or renew the lease on a device for a job: refused (409 lease-held) while another bench or job holds it',
      tags: ['leases'],
      body: LeaseRequestSchema,
      response: { 200: LeaseSchema, 409: errorBody, 503: errorBody, ...authErrors },
    },
  }, async (request) => {
    const bench = benchOf(request.principal);
    const lease = await acquireLease(ctx.db, { ...request.body, benchId: bench.id }, ctx.now());
    request.log.info({ benchId: bench.id, serialNumber: lease.serialNumber, jobId: lease.jobId, expiresAt: lease.expiresAt }, 'lease granted');
    return lease;
  });

  app.delete('/leases/:serialNumber', {
    config: { access: { roles: [], benches: true } },
    schema: {
      summary: "Release the calling bench's lease for a job (releasing one that is gone is fine; another's is 409)",
      tags: ['leases'],
      params: z.object({ serialNumber: SerialNumberSchema }),
      querystring: z.object({ jobId: z.string().min(1).max(100) }),
      response: { 204: z.null().describe('Released'), 409: errorBody, ...authErrors },
    },
  }, async (request, reply) => {
    const bench = benchOf(request.principal);
    await releaseLease(ctx.db, { serialNumber: request.params.serialNumber, benchId: bench.id, jobId: request.query.jobId }, ctx.now());
    request.log.info({ benchId: bench.id, serialNumber: request.params.serialNumber, jobId: request.query.jobId }, 'lease released');
    return reply.code(204).send(null);
  });

  app.get('/leases', {
    config: { access: { roles: ['admin'] } },
    schema: { summary: 'Leases in force: which bench works on which device, until when', tags: ['leases'], response: { 200: z.object({ leases: z.array(LeaseSchema) }), ...authErrors } },
  }, async () => ({ leases: await activeLeases(ctx.db, ctx.now()) }));
}
