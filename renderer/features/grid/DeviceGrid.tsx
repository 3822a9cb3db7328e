/**
 * The tiles. The grid subscribes only to the ordered list of shown ids, which
 * keeps its identity while only device details change, so a battery tick
 * re-renders one tile and never the grid.
 */
import { useRef } from 'react';
import { useActions, useBench, useBenchStore } from '../../app/store-context.js';
import { deviceDomId, gridColumnCount, handleSelectionKey } from '../selection/keys.js';
import { DeviceTile } from './DeviceTile.js';

/** From this many tiles on, tiles get denser so sixty fit on a bench monitor. */
const COMPACT_FROM = 25;

export function DeviceGrid() {
  const store = useBenchStore();
  const ids = useBench(store.visible.ids);
  const focus = useBench((state) => state.selection.focus);
  const actions = useActions();
  const ref = useRef<HTMLDivElement>(null);
  const activeDescendant = focus !== null && ids.includes(focus) ? deviceDomId('tile', focus) : undefined;
  return (
    <div
      ref={ref}
      className={`device-grid${ids.length >= COMPACT_FROM ? ' is-compact' : ''}`}
      role="listbox"
      aria-label="Devices on the bench"
      aria-multiselectable="true"
      aria-activedescendant={activeDescendant}
      tabIndex={0}
      data-testid="device-grid"
      onKeyDown={(event) => handleSelectionKey(event, actions, 'grid', () => gridColumnCount(ref.current))}
    >
      {ids.map((id) => (
        <DeviceTile key={id} id={id} />
      ))}
    </div>
  );
}
