/**
 * The zustand store: state plus named actions, each of which applies one
 * `reduceBench` action. Created per app (main.tsx) and per test; there is no
 * module-level store. Vanilla zustand, so tests drive it without React.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiError, BenchEvent, BenchStatus, ConnectionState, Device, Job, WorkflowSummary } from '../../core/contract/index.js';
import { reduceBench, initialBenchState, type BenchAction } from './bench.js';
import type { ColumnId } from './columns.js';
import type { JobEvent } from './jobs.js';
import { createVisibleQuery } from './query.js';
import type { ClickModifiers, Move } from './selection.js';
import type { ServerAction } from './server.js';
import type { BenchInfo, BenchState, ConnectionStatus, SortState, Transport, ViewMode } from './types.js';

export interface BenchActions {
  dispatch(action: BenchAction): void;
  setConnection(connection: ConnectionStatus): void;
  setFatal(error: ApiError | null): void;
  synced(bench: BenchInfo, status: BenchStatus, devices: readonly Device[], pending: readonly BenchEvent[]): void;
  applyEvents(events: readonly BenchEvent[]): void;
  click(id: string, modifiers: ClickModifiers): void;
  /** `columns`: tiles per row in the grid, 1 in the table. */
  move(move: Move, extend: boolean, focusOnly: boolean, columns: number): void;
  toggleFocused(): void;
  selectAll(): void;
  selectNone(): void;
  setView(view: ViewMode): void;
  sortBy(column: ColumnId): void;
  setSort(sort: SortState): void;
  toggleStateFilter(state: ConnectionState): void;
  clearFilters(): void;
  toggleColumn(column: ColumnId): void;
  setSearch(text: string): void;
  /** Feeds one key to the scanner detector; true when it completed a scan (the caller then swallows the Enter). */
  scannerKey(key: string, at: number): boolean;
  dismissScan(): void;
  /** The jobs session's picture of technician, workflows and jobs (api/jobs-session.ts). */
  jobsSynced(snapshot: { technician: string | null; workflows: readonly WorkflowSummary[]; jobs: readonly Job[] }, pending: readonly JobEvent[]): void;
  jobsUnavailable(error: ApiError): void;
  applyJobEvents(events: readonly JobEvent[]): void;
  technicianSaved(name: string | null): void;
  /** The action panel: each applies one step of state/action-flow.ts. */
  openAction(workflowId: string): void;
  acknowledge(acknowledged: boolean): void;
  pickReason(reason: string): void;
  nextStep(): void;
  previousStep(): void;
  cancelAction(): void;
  dismissRun(batchId: string): void;
  /** Applies one action of the central server's part (state/server.ts). */
  server(action: ServerAction): void;
}

export type BenchStoreState = BenchState & { readonly actions: BenchActions };
export type BenchStore = StoreApi<BenchStoreState> & {
  /** The devices shown, filtered and sorted, and their ids (stable arrays while unchanged). */
  readonly visible: ReturnType<typeof createVisibleQuery>;
};

export function createBenchStore(transport: Transport, initial?: Partial<BenchState>): BenchStore {
  const visible = createVisibleQuery();
  const store = createStore<BenchStoreState>()((set, get) => {
    const dispatch = (action: BenchAction): void => {
      const { actions, ...state } = get();
      const next = reduceBench(state, action);
      if (next !== state) set({ ...next, actions });
    };
    const order = (): readonly string[] => visible.ids(get());
    const actions: BenchActions = {
      dispatch,
      setConnection: (connection) => dispatch({ type: 'connection', connection }),
      setFatal: (error) => dispatch({ type: 'fatal', error }),
      synced: (bench, status, devices, pending) => dispatch({ type: 'synced', bench, status, devices, pending }),
      applyEvents: (events) => {
        if (events.length > 0) dispatch({ type: 'events', events });
      },
      click: (id, modifiers) => dispatch({ type: 'click', id, modifiers, order: order() }),
      move: (move, extend, focusOnly, columns) => dispatch({ type: 'move', move, options: { extend, focusOnly, columns }, order: order() }),
      toggleFocused: () => dispatch({ type: 'toggle-focused', order: order() }),
      selectAll: () => dispatch({ type: 'select-all', order: order() }),
      selectNone: () => dispatch({ type: 'select-none' }),
      setView: (view) => dispatch({ type: 'view', view }),
      sortBy: (column) => dispatch({ type: 'sort-by', column }),
      setSort: (sort) => dispatch({ type: 'sort', sort }),
      toggleStateFilter: (state) => dispatch({ type: 'toggle-state-filter', state }),
      clearFilters: () => dispatch({ type: 'clear-filters' }),
      toggleColumn: (column) => dispatch({ type: 'toggle-column', column }),
      setSearch: (text) => dispatch({ type: 'search', text }),
      scannerKey: (key, at) => {
        const before = get().scanner.message;
        dispatch({ type: 'scanner-key', key, at });
        return get().scanner.message !== before && key === 'Enter';
      },
      dismissScan: () => dispatch({ type: 'dismiss-scan' }),
      jobsSynced: (snapshot, pending) => {
        // Jobs the window still shows in a run stay, even if an older or shorter list leaves them out.
        const keep = get().runs.flatMap((run) => run.jobIds);
        dispatch({ type: 'jobs-synced', ...snapshot, pending, keep });
      },
      jobsUnavailable: (error) => dispatch({ type: 'jobs-unavailable', error }),
      applyJobEvents: (events) => {
        if (events.length > 0) dispatch({ type: 'job-events', events });
      },
      technicianSaved: (name) => dispatch({ type: 'technician', name }),
      openAction: (workflowId) => dispatch({ type: 'flow-open', workflowId }),
      acknowledge: (acknowledged) => dispatch({ type: 'flow-acknowledge', acknowledged }),
      pickReason: (reason) => dispatch({ type: 'flow-reason', reason }),
      nextStep: () => dispatch({ type: 'flow-next' }),
      previousStep: () => dispatch({ type: 'flow-back' }),
      cancelAction: () => dispatch({ type: 'flow-cancel' }),
      dismissRun: (batchId) => dispatch({ type: 'run-dismiss', batchId }),
      server: (action) => dispatch({ type: 'server', action }),
    };
    return { ...initialBenchState(transport), ...initial, actions };
  });
  return Object.assign(store, { visible });
}
