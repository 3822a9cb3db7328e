/**
 * One chip per state present on the bench, with its count: a summary at a
 * glance ("3 Tap Trust") and, clicked, a filter. With sixty devices this is
 * how a technician finds the four that need hands.
 */
import { useShallow } from 'zustand/react/shallow';
import type { ConnectionState } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import { STATES_BY_URGENCY, STATE_LOOK } from '../../state/device-view.js';
import type { BenchState } from '../../state/types.js';

function countsOf(state: BenchState): number[] {
  const counts = new Map<ConnectionState, number>();
  for (const id in state.devices) {
    const device = state.devices[id]!;
    counts.set(device.state, (counts.get(device.state) ?? 0) + 1);
  }
  return STATES_BY_URGENCY.map((s) => counts.get(s) ?? 0);
}

export function StateFilter() {
  // A shallow-compared array of numbers: battery ticks change devices but not these counts, so no re-render.
  const counts = useBench(useShallow(countsOf));
  const active = useBench((state) => state.filter.states);
  const actions = useActions();
  const total = counts.reduce((sum, n) => sum + n, 0);
  return (
    <div className="state-filter" role="group" aria-label="Show devices by state">
      <button type="button" className={`chip${active.length === 0 ? ' is-active' : ''}`} aria-pressed={active.length === 0} onClick={() => actions.clearFilters()} data-testid="state-filter-all">
        All <span className="chip-count">{total}</span>
      </button>
      {STATES_BY_URGENCY.map((state, index) => {
        const count = counts[index] ?? 0;
        const on = active.includes(state);
        if (count === 0 && !on) return null;
        const look = STATE_LOOK[state];
        return (
          <button
            key={state}
            type="button"
            className={`chip tone-${look.tone}${on ? ' is-active' : ''}`}
            aria-pressed={on}
            onClick={() => actions.toggleStateFilter(state)}
            data-testid="state-filter"
            data-state={state}
          >
            {look.badge} <span className="chip-count">{count}</span>
          </button>
        );
      })}
    </div>
  );
}
