/**
 * The side panel: the action being composed, above the runs this window started
 * and has not dismissed; then the central server's panels (deprovision,
 * pre-approve, the CSV import wizard, a device's history), whichever are open.
 */
import { useBench } from '../../app/store-context.js';
import { DeprovisionPanel } from '../deprovision/DeprovisionPanel.js';
import { HistoryPanel } from '../inventory/HistoryPanel.js';
import { ImportWizard } from '../preapproved/ImportWizard.js';
import { PreapprovePanel } from '../preapproved/PreapprovePanel.js';
import { FlowPanel } from './FlowPanel.js';
import { RunCard } from './RunCard.js';

export function ActionPanel() {
  const composing = useBench((state) => state.flow.stage !== 'closed');
  const runs = useBench((state) => state.runs);
  const serverPanels = useBench(
    (state) =>
      state.server.deprovision.stage !== 'closed' ||
      state.server.preapprove.stage !== 'closed' ||
      state.server.wizard !== null ||
      (state.server.inventory.history !== null && state.server.page !== 'bench'),
  );
  const historyShown = useBench((state) => state.server.page !== 'bench');
  if (!composing && runs.length === 0 && !serverPanels) return null;
  return (
    <aside className="action-panel" aria-label="Actions" data-testid="action-side-panel">
      {composing ? <FlowPanel /> : null}
      {runs.map((run) => (
        <RunCard key={run.batchId} run={run} />
      ))}
      <DeprovisionPanel />
      <PreapprovePanel />
      <ImportWizard />
      {historyShown ? <HistoryPanel /> : null}
    </aside>
  );
}
