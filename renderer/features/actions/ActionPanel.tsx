/** The side panel: the action being composed, above the runs this window started and has not dismissed. */
import { useBench } from '../../app/store-context.js';
import { FlowPanel } from './FlowPanel.js';
import { RunCard } from './RunCard.js';

export function ActionPanel() {
  const composing = useBench((state) => state.flow.stage !== 'closed');
  const runs = useBench((state) => state.runs);
  if (!composing && runs.length === 0) return null;
  return (
    <aside className="action-panel" aria-label="Actions" data-testid="action-side-panel">
      {composing ? <FlowPanel /> : null}
      {runs.map((run) => (
        <RunCard key={run.batchId} run={run} />
      ))}
    </aside>
  );
}
