/**
 * Deprovisioning (seeds 000-002): request for many devices at once (one outcome per device),
 * list, complete by hand; and the queue of DEP/ABM actions retirement leaves for the Apple integration.
 */
import { z } from 'zod';
import { DeprovisionRequestSchema, DeprovisionResultSchema, DeprovisionSchema, DEPROVISION_STATES } from '../../core/contract/server-wire.js';
import { ANY_USER } from '../auth/access.js';
import { ApiError, errorBody } from '../errors.js';
import { actorOf } from '../inventory/actor.js';
import { completeDeprovision, deprovisionById, listDeprovisions, requestDeprovision } from '../inventory/deprovisions.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

const appleAction = z.object({
  id: z.number(),
  action: z.string(),
  serialNumber: z.string(),
  deprovisionId: z.uuid().nullable(),
  state: z.enum(['queued', 'done', 'failed']),
  queuedAt: z.string(),
  detail: z.string().nullable(),
});

export function deprovisionRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/deprovisions', {
    config: { access: { roles: ['admin', 'technician'], benches: true } },
    schema: {
      summary: 'Deprovision devices: each device takes its new status at once and its deprovision stays pending until the wipe is confirmed; refusals come back per device',
      tags: ['deprovisioning'],
      body: DeprovisionRequestSchema,
      response: { 200: DeprovisionResultSchema, ...authErrors },
    },
  }, async (request) => {
    const { body } = request;
    const actor = actorOf(request.principal!);
    const at = ctx.now();
    const outcomes = await ctx.db.transaction(async (tx) => {
      const answers = [];
      for (const serialNumber of new Set(body.serialNumbers)) {
        answers.push(await requestDeprovision(tx, actor, {
          serialNumber, reason: body.reason, wipe: body.wipe, note: body.note, requestInfo: body.requestInfo, deviceInfo: body.deviceInfo?.[serialNumber],
        }, { at }));
      }
      return answers;
    });
    const refused = outcomes.filter((outcome) => outcome.refused !== null);
    request.log.info({ by: actor.label, reason: body.reason, requested: outcomes.length - refused.length, refused: refused.map((outcome) => `${outcome.serialNumber}: ${outcome.refused!.code}`) }, 'deprovision requested');
    return { outcomes };
  });

  app.get('/deprovisions', {
    config: { access: { ...ANY_USER, benches: true } },
    schema: {
      summary: 'Deprovisions, newest first; state filters pending or completed ones',
      tags: ['deprovisioning'],
      querystring: z.object({ state: z.enum(DEPROVISION_STATES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      response: { 200: z.object({ deprovisions: z.array(DeprovisionSchema) }), ...authErrors },
    },
  }, async (request) => ({ deprovisions: await listDeprovisions(ctx.db, request.query.state, request.query.limit) }));

  app.post('/deprovisions/:id/complete', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'Complete a pending deprovision by hand (the wipe was confirmed some other way), saying how',
      tags: ['deprovisioning'],
      params: z.object({ id: z.uuid() }),
      body: z.object({ completion: z.string().trim().min(1).max(500) }),
      response: { 200: DeprovisionSchema, 404: errorBody, 409: errorBody, ...authErrors },
    },
  }, async (request) => {
    const actor = actorOf(request.principal!);
    const completed = await ctx.db.transaction(async (tx) => {
      const existing = await deprovisionById(tx, request.params.id);
      if (existing === null) throw new ApiError(404, 'deprovision-not-found', `There is no deprovision ${request.params.id}.`, 'List the pending ones with GET /deprovisions?state=pending.');
      if (existing.state === 'completed') {
        throw new ApiError(409, 'deprovision-completed', `The deprovision of ${existing.serialNumber} was already completed at ${existing.completedAt} (${existing.completion}).`, 'Nothing to do.');
      }
      return completeDeprovision(tx, actor, request.params.id, `completed by ${actor.label}: ${request.body.completion}`, ctx.now());
    });
    request.log.info({ by: actor.label, deprovision: request.params.id, serialNumber: completed!.serialNumber }, 'deprovision completed by hand');
    return completed!;
  });

  app.get('/apple/queue', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'DEP/ABM actions queued for the Apple integration (dep.unassign for retired devices), oldest first',
      tags: ['deprovisioning'],
      response: { 200: z.object({ actions: z.array(appleAction) }), ...authErrors },
    },
  }, async () => {
    const rows = await ctx.db.query<{ id: string | number; action: string; serial_number: string; deprovision_id: string | null; state: 'queued' | 'done' | 'failed'; queued_at: Date | string; detail: string | null }>(
      'SELECT id, action, serial_number, deprovision_id, state, queued_at, detail FROM apple_queue ORDER BY id',
    );
    return {
      actions: rows.map((row) => ({ id: Number(row.id), action: row.action, serialNumber: row.serial_number, deprovisionId: row.deprovision_id, state: row.state, queuedAt: new Date(row.queued_at).toISOString(), detail: row.detail })),
    };
  });
}
