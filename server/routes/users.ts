import { z } from 'zod';
import { hashPassword } from '../auth/secrets.js';
import { insertUser, listUsers } from '../auth/store.js';
import { ApiError, errorBody } from '../errors.js';
import { authErrors, role, user } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

export const MIN_PASSWORD_LENGTH = 12;

export function userRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/users', {
    config: { access: { roles: ['admin'] } },
    schema: { summary: 'Every user and their role', tags: ['users'], response: { 200: z.object({ users: z.array(user) }), ...authErrors } },
  }, async () => ({ users: await listUsers(ctx.db) }));

  app.post('/users', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'Create a user with a role (admin, technician, read-only)',
      tags: ['users'],
      body: z.object({ email: z.email(), password: z.string().min(MIN_PASSWORD_LENGTH), role }),
      response: { 201: user, 409: errorBody, ...authErrors },
    },
  }, async (request, reply) => {
    const passwordHash = await hashPassword(request.body.password);
    try {
      const created = await insertUser(ctx.db, { email: request.body.email, passwordHash, role: request.body.role, now: ctx.now() });
      request.log.info({ userId: created.id, role: created.role, by: request.principal?.id }, 'user created');
      return reply.code(201).send(created);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new ApiError(409, 'user-exists', `A user with the email ${request.body.email} already exists.`, 'Use another email, or log in as that user.');
      }
      throw error;
    }
  });
}
