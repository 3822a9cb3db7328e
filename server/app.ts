/**
 * Builds the server's Fastify app over a database: validation and serialisation
 * with zod, the OpenAPI document and UI at /docs, the access guard, the routes.
 * Listening is the caller's business (main.ts, or `inject` in tests).
 */
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { installGuard } from './auth/guard.js';
import type { Database } from './db/database.js';
import { ApiError } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { benchRoutes } from './routes/benches.js';
import { schedulePurge } from './inventory/purge.js';
import { checkinRoutes } from './routes/checkin.js';
import { deprovisionRoutes } from './routes/deprovisions.js';
import { healthRoutes } from './routes/health.js';
import { inventoryRoutes } from './routes/inventory.js';
import { leaseRoutes } from './routes/leases.js';
import { licenseRoutes } from './routes/licenses.js';
import { CSV_BODY_LIMIT, preapprovedRoutes } from './routes/preapproved.js';
import { syncRoutes } from './routes/sync.js';
import type { RouteContext, ZodApp } from './routes/types.js';
import { userRoutes } from './routes/users.js';

export interface ServerOptions {
  readonly db: Database;
  /** Fastify's pino options; false (tests) logs nothing. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly now?: () => Date;
  readonly sessionTtlMs?: number;
  readonly enrollmentCodeTtlMs?: number;
  readonly loginRateLimit?: RouteContext['loginRateLimit'];
  /** Largest CSV upload in bytes (default CSV_BODY_LIMIT, 32 MiB). */
  readonly csvBodyLimit?: number;
  /** How often the 90-day purge of retired personal devices runs (default hourly; also once at start). */
  readonly purgeIntervalMs?: number;
}

const HOUR = 60 * 60 * 1000;

export async function buildServer(options: ServerOptions): Promise<ZodApp> {
  const app = Fastify({ logger: options.logger ?? false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const ctx: RouteContext = {
    db: options.db,
    now: options.now ?? (() => new Date()),
    sessionTtlMs: options.sessionTtlMs ?? 12 * HOUR,
    enrollmentCodeTtlMs: options.enrollmentCodeTtlMs ?? 24 * HOUR,
    loginRateLimit: options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 },
    csvBodyLimit: options.csvBodyLimit ?? CSV_BODY_LIMIT,
  };

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.body());
    if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation.map((issue) => `${issue.instancePath || '/'} ${issue.message}`).join('; ');
      return reply.code(400).send({ error: { code: 'invalid-request', message: `The request is not valid: ${detail}.`, hint: 'See the schema of this endpoint at /docs.' } });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'bad-request', message: (error as Error).message, hint: 'See /docs for this endpoint.' } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'The server failed to handle the request.', hint: 'Try again; if it persists, the server log has the cause.' } });
  });
  app.setNotFoundHandler({}, (request, reply) =>
    reply.code(404).send({ error: { code: 'not-found', message: `There is no ${request.method} ${request.url}.`, hint: 'The endpoints are listed at /docs.' } }),
  );

  // Before the routes, so the guard sees every one of them as it is registered.
  installGuard(app, ctx.db, ctx.now);
  await app.register(fastifyRateLimit, {
    global: false,
    // The plugin throws what this returns; as an ApiError it gets the API's error shape.
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate-limited', `Too many attempts from this address: at most ${context.max} per ${context.after}.`, `Wait ${context.after} and try again.`),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Benchline server', version: '0.1.0', description: 'The central server: inventory, pre-approved list, deprovisioning, bench sync.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // swagger-ui serves its own copy of the UI's files from the package: no CDN.
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  healthRoutes(app, ctx);
  authRoutes(app, ctx);
  userRoutes(app, ctx);
  benchRoutes(app, ctx);
  preapprovedRoutes(app, ctx);
  inventoryRoutes(app, ctx);
  deprovisionRoutes(app, ctx);
  checkinRoutes(app, ctx);
  licenseRoutes(app, ctx);
  schedulePurge(app, ctx.db, ctx.now, options.purgeIntervalMs ?? HOUR);
  syncRoutes(app, ctx);
  leaseRoutes(app, ctx);
  return app;
}
