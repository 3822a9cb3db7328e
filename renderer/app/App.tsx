/**
 * The window: banners, header (with the pages and the sync state), toolbar, alerts, then the page: the devices
 * (grid or table) or what to do when there are none, the inventory, or the pre-approved list; beside it the side panel.
 */
import { useShallow } from 'zustand/react/shallow';
import { ActionPanel } from '../features/actions/ActionPanel.js';
import { DeviceGrid } from '../features/grid/DeviceGrid.js';
import { ScannerMessage } from '../features/scanner/ScannerMessage.js';
import { useScanner } from '../features/scanner/useScanner.js';
import { useGlobalKeys } from '../features/selection/useGlobalKeys.js';
import { emptyAdvice } from '../features/status/advice.js';
import { ConnectionBanner, SimulatedBanner } from '../features/status/Banners.js';
import { EmptyState } from '../features/status/EmptyState.js';
import { StatusAlerts } from '../features/status/StatusAlerts.js';
import { DeviceTable } from '../features/table/DeviceTable.js';
import { Toolbar } from '../features/toolbar/Toolbar.js';
import { InventoryView } from '../features/inventory/InventoryView.js';
import { PreapprovedView } from '../features/preapproved/PreapprovedView.js';
import { SyncNotice } from '../features/sync/SyncNotice.js';
import type { BenchState } from '../state/types.js';
import { AppHeader, AppNav } from './AppHeader.js';
import { useBench, useBenchStore } from './store-context.js';

export function App() {
  useScanner();
  useGlobalKeys();
  const store = useBenchStore();
  const view = useBench((state) => state.view);
  const ready = useBench((state) => state.loaded && state.fatal === null);
  const stale = useBench((state) => state.connection.phase === 'lost');
  // Shallow-compared: the advice is rebuilt on every change, but its fields rarely differ.
  const advice = useBench(useShallow((state: BenchState) => emptyAdvice(state, store.visible.ids(state).length) ?? { reason: null }));
  // The grid scrolls itself (it is virtualised), so the page's padding moves into it: see .content.has-grid.
  const page = useBench((state) => state.server.page);
  const gridShown = page === 'bench' && advice.reason === null && view === 'grid';
  return (
    <div className={`app view-${view}${stale ? ' is-stale' : ''}`}>
      <SimulatedBanner />
      <AppHeader />
      <AppNav />
      <ConnectionBanner />
      <SyncNotice />
      {ready && page === 'bench' ? <Toolbar /> : null}
      {page === 'bench' ? <StatusAlerts /> : null}
      <ScannerMessage />
      <div className="workspace">
        {page === 'bench' ? (
          <main className={gridShown ? 'content has-grid' : 'content'}>{advice.reason !== null ? <EmptyState advice={advice} /> : gridShown ? <DeviceGrid /> : <DeviceTable />}</main>
        ) : (
          <main className="content server-content">{page === 'inventory' ? <InventoryView /> : <PreapprovedView />}</main>
        )}
        <ActionPanel />
      </div>
    </div>
  );
}
