import { z } from 'zod';
import type { RouteContext, ZodApp } from './types.js';

export function healthRoutes(app: ZodApp, { db }: RouteContext): void {
  app.get('/health', {
    config: { access: 'public' },
    schema: {
      summary: 'Is the server up and its database reachable? (no credentials)',
      security: [], // open: no bearer in the OpenAPI document
      tags: ['health'],
      response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) }) },
    },
  }, async () => {
    await db.query('SELECT 1');
    return { status: 'ok' as const, database: db.kind };
  });
}
