/**
 * How the grid lays its tiles out. It used to be one CSS grid
 * (`repeat(auto-fill, minmax(250px, 1fr))`) holding every tile; it is now
 * rows of tiles that the virtualiser mounts only while they are in view, so
 * the columns are counted here, the same way CSS's auto-fill counted them,
 * and every row is a CSS grid of exactly that many equal columns. Pure, so
 * it is tested without a DOM.
 */

export interface TileLayout {
  /** Narrowest a tile gets; more columns are added only when they all fit at this width. */
  readonly minWidth: number;
  /** Between tiles, across and down. */
  readonly gap: number;
  /** A typical row's height before it is measured; only the scrollbar's first guess depends on it. */
  readonly estimatedRowHeight: number;
}

/** From this many shown tiles on, tiles get denser so sixty fit on a bench monitor. */
export const COMPACT_FROM = 25;

export const TILE_LAYOUT = {
  regular: { minWidth: 250, gap: 14, estimatedRowHeight: 210 },
  compact: { minWidth: 210, gap: 10, estimatedRowHeight: 190 },
} as const satisfies Record<string, TileLayout>;

export function tileLayoutFor(tileCount: number): { compact: boolean; layout: TileLayout } {
  const compact = tileCount >= COMPACT_FROM;
  return { compact, layout: compact ? TILE_LAYOUT.compact : TILE_LAYOUT.regular };
}

/**
 * Tiles per row in `width` pixels: as many as fit at their minimum width with
 * the gaps between them (CSS auto-fill's count), and always at least one.
 */
export function columnsFor(width: number, layout: TileLayout): number {
  if (!(width > 0)) return 1;
  return Math.max(1, Math.floor((width + layout.gap) / (layout.minWidth + layout.gap)));
}

export function rowCountFor(tileCount: number, columns: number): number {
  return Math.ceil(tileCount / Math.max(1, columns));
}

/** The row holding the tile at `index` in the shown order, or -1 for a tile not shown. */
export function rowOfIndex(index: number, columns: number): number {
  return index < 0 ? -1 : Math.floor(index / Math.max(1, columns));
}

/** The ids in one row, in the shown order. */
export function idsInRow(ids: readonly string[], row: number, columns: number): readonly string[] {
  const per = Math.max(1, columns);
  return ids.slice(row * per, row * per + per);
}
