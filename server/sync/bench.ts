/** The bench behind a sync or lease request, and how it appears in the inventory's history. */
import type { Principal } from '../auth/access.js';
import type { Actor } from '../inventory/service.js';

export interface SyncBench {
  readonly id: string;
  readonly name: string;
}

/** Routes open only to benches (access `{ roles: [], benches: true }`) always have one. */
export function benchOf(principal: Principal | null): SyncBench {
  if (principal?.kind !== 'bench') throw new Error('a bench-only route was reached without a bench principal');
  return { id: principal.id, name: principal.name };
}

/** "bench Bench-2", or "bench Bench-2 (technician Ana)" when a technician caused it. */
export function benchActor(bench: SyncBench, technician: string | null): Actor {
  return { kind: 'bench', id: bench.id, label: technician === null ? `bench ${bench.name}` : `bench ${bench.name} (technician ${technician})` };
}
