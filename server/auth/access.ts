/**
 * Who may call what. Every route declares `config: { access }`; the guard
 * refuses to register a route without one, so no endpoint is open by omission.
 */
export const ROLES = ['admin', 'technician', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request: a logged-in user (with a role) or an enrolled bench. */
export type Principal =
  | { readonly kind: 'user'; readonly id: string; readonly email: string; readonly role: Role; readonly sessionHash: string }
  | { readonly kind: 'bench'; readonly id: string; readonly name: string };

/**
 * - `public`: no credentials (health, docs, the MDM check-in).
 * - `enrollment-code`: the request carries a one-time enrollment code instead of a token.
 * - `{ roles, benches }`: a user whose role is listed, and enrolled benches when `benches` is true.
 */
export type Access = 'public' | 'enrollment-code' | RoleAccess;
export interface RoleAccess {
  readonly roles: readonly Role[];
  readonly benches?: boolean;
}

/** Every signed-in user whatever the role: the common requirement for reading. */
export const ANY_USER: RoleAccess = { roles: ROLES };

export function allows(access: RoleAccess, principal: Principal): boolean {
  return principal.kind === 'bench' ? access.benches === true : access.roles.includes(principal.role);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
