/**
 * Keyboard selection inside the grid or the table: arrows move (shift
 * extends, ctrl/cmd moves the focus only), Home/End jump, space toggles the
 * focused device, ctrl/cmd+A selects every shown device, Escape clears.
 */
import type { KeyboardEvent } from 'react';
import type { Move } from '../../state/selection.js';
import type { BenchActions } from '../../state/store.js';

const GRID_MOVES: Readonly<Record<string, Move>> = { ArrowLeft: 'previous', ArrowRight: 'next', ArrowUp: 'up', ArrowDown: 'down', Home: 'first', End: 'last' };
const TABLE_MOVES: Readonly<Record<string, Move>> = { ArrowUp: 'previous', ArrowDown: 'next', Home: 'first', End: 'last' };

export function handleSelectionKey(event: KeyboardEvent<HTMLElement>, actions: BenchActions, layout: 'grid' | 'table', columnsPerRow: () => number): void {
  const modifier = event.ctrlKey || event.metaKey;
  const move = (layout === 'grid' ? GRID_MOVES : TABLE_MOVES)[event.key];
  if (move !== undefined) {
    event.preventDefault();
    actions.move(move, event.shiftKey, modifier && !event.shiftKey, layout === 'grid' ? columnsPerRow() : 1);
    return;
  }
  if (event.key === ' ' && !modifier) {
    event.preventDefault();
    actions.toggleFocused();
  }
}

/** A DOM id for a device (ids like "ecid:123" contain characters awkward in selectors). */
export function deviceDomId(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
