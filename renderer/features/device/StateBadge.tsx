import type { ConnectionState } from '../../../core/contract/index.js';
import { STATE_LOOK } from '../../state/device-view.js';

/** The coloured badge with what to do next ("Tap Trust", "Ready"). */
export function StateBadge({ state }: { state: ConnectionState }) {
  const look = STATE_LOOK[state];
  return (
    <span className={`badge tone-${look.tone}`} data-testid="state-badge" data-state={state}>
      {look.badge}
    </span>
  );
}
