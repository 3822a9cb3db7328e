/**
 * Bench sync (issue #5 part 7): a bench pushes its outbox (exactly once per idempotency key)
 * and pulls the changes since its cursor (pre-approved list, statuses, settings).
 */
import { z } from 'zod';
import { MAX_PULL_LIMIT, MAX_PUSH_BATCH, SyncPullResultSchema, SyncPushResultSchema } from '../../core/contract/server-wire.js';
import { ANY_USER } from '../auth/access.js';
import { errorBody } from '../errors.js';
import { benchOf } from '../sync/bench.js';
import { pullChanges } from '../sync/pull.js';
import { pushEvents } from '../sync/push.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

/**
 * Only the key is checked for the whole batch: each event is validated on its own against
 * SyncEventSchema (core/contract/server-wire.ts), so one event this server cannot read is
 * rejected with the reason while the rest of the batch applies.
 */
const pushBody = z.object({
  events: z.array(z.object({ key: z.string().min(1).max(200) }).loose().describe('A SyncEvent: {key, occurredAt, technician, body}')).min(1).max(MAX_PUSH_BATCH),
});

export function syncRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/sync/push', {
    config: { access: { roles: [], benches: true } },
    schema: {
      summary: "Push a bench's outbox: events applied in order, each exactly once per idempotency key (a repeat answers `duplicate` with the first outcome)",
      tags: ['sync'],
      body: pushBody,
      response: { 200: SyncPushResultSchema, 500: errorBody, ...authErrors },
    },
  }, async (request) => {
    const bench = benchOf(request.principal);
    const outcomes = await pushEvents(ctx.db, bench, request.body.events, ctx.now);
    const count = (status: string): number => outcomes.filter((outcome) => outcome.status === status).length;
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    request.log.info({ benchId: bench.id, applied: count('applied'), duplicate: count('duplicate'), rejected: rejected.length }, 'sync push');
    for (const outcome of rejected) request.log.warn({ benchId: bench.id, key: outcome.key, code: outcome.error?.code, reason: outcome.error?.message }, 'sync event rejected');
    return { outcomes };
  });

  app.get('/sync/pull', {
    config: { access: { ...ANY_USER, benches: true } },
    schema: {
      summary: `Changes after a cursor in order (devices as they are now, removed devices, settings), at most ${MAX_PULL_LIMIT} per page; pass back the cursor answered`,
      tags: ['sync'],
      querystring: z.object({
        cursor: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).default(500).describe(`Capped at ${MAX_PULL_LIMIT}`),
      }),
      response: { 200: SyncPullResultSchema, 409: errorBody, ...authErrors },
    },
  }, async (request) => pullChanges(ctx.db, request.query.cursor, request.query.limit));
}
