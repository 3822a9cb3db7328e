/**
 * Checks every request against its route's declared access before anything
 * else runs (onRequest: before body parsing and validation, so an anonymous
 * caller learns nothing about the route but "log in").
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { ApiError, unauthenticated } from '../errors.js';
import { allows, type Access } from './access.js';
import { principalForToken } from './store.js';
import { tokenKind } from './secrets.js';

/** Routes other plugins register (the OpenAPI UI and document): public by design. */
const PLUGIN_PUBLIC_PREFIX = '/docs';

export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** One row per registered route and method: what the guard enforces (tests walk it). */
export interface AccessEntry {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly accessTable: readonly AccessEntry[];
  }
}

export function installGuard(app: FastifyInstance, db: Database, now: () => Date): void {
  app.decorateRequest('principal', null);
  const table: AccessEntry[] = [];
  app.decorate('accessTable', table);

  app.addHook('onRoute', (route) => {
    let access = route.config?.access;
    if (access === undefined) {
      if (route.url !== PLUGIN_PUBLIC_PREFIX && !route.url.startsWith(`${PLUGIN_PUBLIC_PREFIX}/`)) {
        throw new Error(`Route ${String(route.method)} ${route.url} declares no access: add config: { access: … } (see server/README.md).`);
      }
      access = 'public';
      route.config = { ...route.config, access };
    }
    for (const method of [route.method].flat()) table.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request) => {
    const access: Access | undefined = request.routeOptions.config.access;
    // A 404 has no route options; the not-found handler answers it.
    if (access === undefined || access === 'public') return;
    const token = bearer(request);
    if (access === 'enrollment-code') {
      if (token === undefined || tokenKind(token) !== 'enrollment') {
        throw new ApiError(401, 'unauthenticated', 'Enrolling a bench needs a one-time enrollment code.', 'Ask an admin for a code (POST /benches/enrollment-codes) and send it as "Authorization: Bearer <code>".');
      }
      return;
    }
    if (token === undefined) throw unauthenticated();
    const kind = tokenKind(token);
    const principal = kind === 'session' || kind === 'bench' ? await principalForToken(db, token, kind, now()) : undefined;
    if (!principal) throw unauthenticated('The token is not valid: it expired, was revoked or never existed.');
    if (!allows(access, principal)) {
      const who = principal.kind === 'bench' ? `bench "${principal.name}"` : `role ${principal.role}`;
      const needed = [...access.roles, ...(access.benches ? ['bench'] : [])].join(', ');
      throw new ApiError(403, 'forbidden', `This endpoint is not open to ${who}.`, `It needs one of: ${needed}. Ask an admin.`);
    }
    request.principal = principal;
  });
}
