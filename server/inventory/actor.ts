/** Who made a change, as the history and the logs name them. */
import type { Principal } from '../auth/access.js';

/** `label` goes into history, e.g. "bench Bench-2 (technician Ana)". */
export interface Actor {
  readonly kind: 'user' | 'bench' | 'device';
  readonly id: string | null;
  readonly label: string;
}

/** The actor of an authenticated request; a bench names the technician when the request does. */
export function actorOf(principal: Principal, technician?: string | null): Actor {
  if (principal.kind === 'user') return { kind: 'user', id: principal.id, label: principal.email };
  return { kind: 'bench', id: principal.id, label: technician ? `bench ${principal.name} (technician ${technician})` : `bench ${principal.name}` };
}

export const DEVICE_ACTOR: Actor = { kind: 'device', id: null, label: 'device (MDM check-in)' };
