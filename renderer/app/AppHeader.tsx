/** Title, bench name and the bench in one line: how many devices, how many need the technician; the pages; the sync state; who is at the bench. */
import { useShallow } from 'zustand/react/shallow';
import { PageTabs } from '../features/navigation/PageTabs.js';
import { SyncIndicator } from '../features/sync/SyncIndicator.js';
import { TechnicianBadge } from '../features/technician/TechnicianBadge.js';
import type { BenchState } from '../state/types.js';
import { useBench } from './store-context.js';

function summaryOf(state: BenchState): { total: number; ready: number; waiting: number } {
  let total = 0;
  let ready = 0;
  for (const id in state.devices) {
    total++;
    if (state.devices[id]!.state === 'ready') ready++;
  }
  return { total, ready, waiting: total - ready };
}

export function AppHeader() {
  const name = useBench((state) => state.bench?.name ?? null);
  const phase = useBench((state) => state.connection.phase);
  const loaded = useBench((state) => state.loaded);
  const { total, ready, waiting } = useBench(useShallow(summaryOf));
  return (
    <header className="app-header">
      <h1 className="brand">Benchline</h1>
      {name ? <span className="bench-name">{name}</span> : null}
      {loaded ? (
        <span className="bench-summary" data-testid="bench-summary" data-total={total}>
          {total} device{total === 1 ? '' : 's'}
          {total > 0 ? ` · ${ready} ready · ${waiting} need${waiting === 1 ? 's' : ''} attention` : ''}
        </span>
      ) : null}
      <span className="header-spacer" />
      <TechnicianBadge />
      <span className={`link link-${phase}`} data-testid="connection-status" data-phase={phase}>
        <span className="link-dot" aria-hidden="true" />
        {phase === 'open' ? 'Connected' : phase === 'lost' ? 'Reconnecting…' : 'Connecting…'}
      </span>
    </header>
  );
}

/** The pages on the left, the sync state on the right: a row of its own, so neither squeezes the bench's summary. */
export function AppNav() {
  return (
    <div className="app-nav">
      <PageTabs />
      <span className="header-spacer" />
      <SyncIndicator />
    </div>
  );
}
