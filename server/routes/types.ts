import type { FastifyInstance, FastifyBaseLogger, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../db/database.js';

/** A Fastify instance whose routes take zod schemas for input and output. */
export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What every route module is given: built by the composition root (app.ts), never a module singleton. */
export interface RouteContext {
  readonly db: Database;
  readonly now: () => Date;
  readonly sessionTtlMs: number;
  readonly enrollmentCodeTtlMs: number;
  readonly loginRateLimit: { readonly max: number; readonly timeWindowMs: number };
  /** Largest CSV upload in bytes (pre-approved preview and import). */
  readonly csvBodyLimit: number;
}
