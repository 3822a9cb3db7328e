import { z } from 'zod';
import { ANY_USER } from '../auth/access.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../auth/secrets.js';
import { createSession, deleteSession, findUserByEmail } from '../auth/store.js';
import { ApiError, errorBody } from '../errors.js';
import { authErrors, role, user } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

export function authRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/auth/login', {
    // Open by nature (it is how credentials are obtained) but rate-limited per client address.
    config: { access: 'public', rateLimit: { max: ctx.loginRateLimit.max, timeWindow: ctx.loginRateLimit.timeWindowMs } },
    schema: {
      summary: 'Log in with email and password; answers a session token to send as "Authorization: Bearer <token>"',
      security: [], // open: no bearer in the OpenAPI document
      tags: ['auth'],
      body: z.object({ email: z.string().min(1), password: z.string().min(1) }),
      response: { 200: z.object({ token: z.string(), expiresAt: z.date(), user }), 401: errorBody, 429: errorBody },
    },
  }, async (request) => {
    const found = await findUserByEmail(ctx.db, request.body.email);
    // Verify against a dummy hash for an unknown email so both answers take as long.
    const ok = await verifyPassword(request.body.password, found?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!found || !ok) {
      throw new ApiError(401, 'bad-credentials', 'The email or the password is wrong.', 'Check both and try again; an admin can reset the account.');
    }
    const session = await createSession(ctx.db, found.id, ctx.now(), ctx.sessionTtlMs);
    request.log.info({ userId: found.id }, 'login');
    return { ...session, user: { id: found.id, email: found.email, role: found.role, createdAt: found.createdAt } };
  });

  app.post('/auth/logout', {
    config: { access: ANY_USER },
    schema: { summary: 'End this session: its token stops working at once', tags: ['auth'], response: { 204: z.null(), ...authErrors } },
  }, async (request, reply) => {
    if (request.principal?.kind === 'user') await deleteSession(ctx.db, request.principal.sessionHash);
    return reply.code(204).send(null);
  });

  app.get('/auth/me', {
    config: { access: { ...ANY_USER, benches: true } },
    schema: {
      summary: 'Who the credentials belong to',
      tags: ['auth'],
      response: {
        200: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('user'), id: z.string(), email: z.string(), role }),
          z.object({ kind: z.literal('bench'), id: z.string(), name: z.string() }),
        ]),
        ...authErrors,
      },
    },
  }, async (request) => {
    const principal = request.principal!;
    return principal.kind === 'user'
      ? { kind: 'user' as const, id: principal.id, email: principal.email, role: principal.role }
      : { kind: 'bench' as const, id: principal.id, name: principal.name };
  });
}
