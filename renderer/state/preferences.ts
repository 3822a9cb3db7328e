/**
 * What a technician sets up once and expects to find again after a reload or
 * a restart: grid or table, the sort and the table's columns. Stored as JSON
 * (localStorage in main.tsx); read back through a schema, so a value from an
 * older version, or edited by hand, falls back to the defaults instead of
 * breaking the window.
 */
import { z } from 'zod';
import { COLUMN_IDS, type ColumnId } from './columns.js';
import type { BenchState, SortState, ViewMode } from './types.js';

export const PREFERENCES_KEY = 'benchline.renderer.preferences.v1';

const PreferencesSchema = z.object({
  view: z.enum(['grid', 'table']).optional(),
  sort: z.object({ column: z.enum(COLUMN_IDS), direction: z.enum(['asc', 'desc']) }).optional(),
  columns: z.array(z.enum(COLUMN_IDS)).min(1).optional(),
});

export interface Preferences {
  readonly view: ViewMode;
  readonly sort: SortState;
  readonly columns: readonly ColumnId[];
}

export function preferencesOf(state: BenchState): Preferences {
  return { view: state.view, sort: state.sort, columns: state.columns };
}

/** The stored preferences that are still valid, as a partial state; {} for anything unreadable. */
export function parsePreferences(raw: string | null): Partial<Preferences> {
  if (raw === null) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  const parsed = PreferencesSchema.safeParse(json);
  if (!parsed.success) return {};
  const { view, sort, columns } = parsed.data;
  return {
    ...(view ? { view } : {}),
    ...(sort ? { sort } : {}),
    // Canonical order, no duplicates: the same rule the column chooser keeps.
    ...(columns ? { columns: COLUMN_IDS.filter((id) => columns.includes(id)) } : {}),
  };
}

export function samePreferences(a: Preferences, b: Preferences): boolean {
  return a.view === b.view && a.sort === b.sort && a.columns === b.columns;
}
