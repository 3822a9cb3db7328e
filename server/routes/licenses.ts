/** Licenses: how many devices may be under management at once, and how many are. */
import { z } from 'zod';
import { ANY_USER } from '../auth/access.js';
import { licenseUsage } from '../inventory/licenses.js';
import { LICENSES_TOTAL, putSetting } from '../store/settings.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

const usage = z.object({
  total: z.number().nullable().describe('null: unlimited'),
  used: z.number().describe('devices Enrolled or Unenrolled'),
  available: z.number().nullable(),
});

export function licenseRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/licenses', {
    config: { access: ANY_USER },
    schema: { summary: 'Licenses: total (null: unlimited), used (devices Enrolled or Unenrolled), available', tags: ['settings'], response: { 200: usage, ...authErrors } },
  }, async () => licenseUsage(ctx.db));

  app.put('/settings/licenses', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'Set how many licenses there are (null: unlimited); devices beyond it are refused at enrollment, never unenrolled',
      tags: ['settings'],
      body: z.object({ total: z.number().int().min(0).nullable() }),
      response: { 200: usage, ...authErrors },
    },
  }, async (request) => {
    await ctx.db.transaction((tx) => putSetting(tx, LICENSES_TOTAL, request.body.total, ctx.now()));
    request.log.info({ by: request.principal?.id, total: request.body.total }, 'licenses changed');
    return licenseUsage(ctx.db);
  });
}
