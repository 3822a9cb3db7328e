/**
 * The root reducer: every change to the renderer's state is one of these
 * actions applied by `reduceBench`. The zustand store (store.ts) only
 * dispatches; all decisions live here, where tests reach them without a DOM.
 */
import type { ApiError, BenchEvent, BenchStatus, ConnectionState, Device, Job } from '../../core/contract/index.js';
import { CLOSED_FLOW, reduceFlow, type FlowAction } from './action-flow.js';
import { COLUMN_IDS, DEFAULT_VISIBLE_COLUMNS, type ColumnId } from './columns.js';
import { applyDeviceChanges, deviceMapOf, renamesIn, type DeviceChange } from './devices.js';
import { INITIAL_JOBS, reduceJobs, upsertJobs, type JobsAction } from './jobs.js';
import { matchesFilter } from './query.js';
import { EMPTY_SCANNER, findScanned, scannerKey } from './scanner.js';
import { parseSearch } from './search.js';
import { INITIAL_SERVER, reduceServer, type ServerAction } from './server.js';
import { EMPTY_SELECTION, clickSelect, moveSelection, renameInSelection, selectAll, selectNone, toggleFocused, type ClickModifiers, type Move, type MoveOptions } from './selection.js';
import type { BenchInfo, BenchState, ConnectionStatus, Highlight, SortState, Transport, ViewMode } from './types.js';

export type BenchAction =
  | { type: 'connection'; connection: ConnectionStatus }
  | { type: 'fatal'; error: ApiError | null }
  /** A fresh picture of the bench (first connection or reconnection), then the events that arrived after it. */
  | { type: 'synced'; bench: BenchInfo; status: BenchStatus; devices: readonly Device[]; pending: readonly BenchEvent[] }
  | { type: 'events'; events: readonly BenchEvent[] }
  | { type: 'click'; id: string; modifiers: ClickModifiers; order: readonly string[] }
  | { type: 'move'; move: Move; options: MoveOptions; order: readonly string[] }
  | { type: 'toggle-focused'; order: readonly string[] }
  | { type: 'select-all'; order: readonly string[] }
  | { type: 'select-none' }
  | { type: 'view'; view: ViewMode }
  | { type: 'sort-by'; column: ColumnId }
  | { type: 'sort'; sort: SortState }
  | { type: 'toggle-state-filter'; state: ConnectionState }
  | { type: 'clear-filters' }
  | { type: 'toggle-column'; column: ColumnId }
  | { type: 'search'; text: string }
  | { type: 'scanner-key'; key: string; at: number }
  | { type: 'dismiss-scan' }
  /** Everything about the central server (state/server.ts). */
  | { type: 'server'; action: ServerAction }
  | JobsAction
  | FlowAction;

export const DEFAULT_SORT: SortState = { column: 'slot', direction: 'asc' };

export function initialBenchState(transport: Transport): BenchState {
  return {
    connection: { transport, phase: 'connecting', attempt: 0 },
    bench: null,
    fatal: null,
    status: null,
    devices: {},
    loaded: false,
    selection: EMPTY_SELECTION,
    view: 'grid',
    sort: DEFAULT_SORT,
    filter: { states: [] },
    columns: DEFAULT_VISIBLE_COLUMNS,
    search: '',
    highlight: null,
    scanner: EMPTY_SCANNER,
    jobs: INITIAL_JOBS,
    flow: CLOSED_FLOW,
    runs: [],
    server: INITIAL_SERVER,
  };
}

function applyEvents(state: BenchState, events: readonly BenchEvent[]): BenchState {
  const changes: DeviceChange[] = [];
  let status = state.status;
  for (const event of events) {
    if (event.event === 'devices.changed') changes.push(event.data);
    else if (event.event === 'bench.status') status = event.data;
  }
  const devices = changes.length > 0 ? applyDeviceChanges(state.devices, changes) : state.devices;
  const renames = renamesIn(changes);
  if (devices === state.devices && status === state.status && renames.size === 0) return state;
  const highlight = state.highlight && renames.has(state.highlight.id) ? { ...state.highlight, id: renames.get(state.highlight.id)! } : state.highlight;
  return { ...state, devices, status, selection: renameInSelection(state.selection, renames), highlight };
}

function scan(state: BenchState, key: string, at: number): BenchState {
  const { scanner, code } = scannerKey(state.scanner, key, at);
  if (code === null) return scanner === state.scanner ? state : { ...state, scanner };
  const device = findScanned(state.devices, code);
  if (device === null) return { ...state, scanner: { ...scanner, message: { kind: 'missing', code } }, highlight: null };
  const highlight: Highlight = { id: device.id, seq: (state.highlight?.seq ?? 0) + 1 };
  // A scanned device hidden by the current filter or search would be "found" yet invisible: show everything instead.
  const hidden = !matchesFilter(device, state.filter, parseSearch(state.search));
  return {
    ...state,
    scanner: { ...scanner, message: { kind: 'found', code, id: device.id } },
    highlight,
    selection: { ids: { [device.id]: true }, anchor: device.id, focus: device.id },
    filter: hidden ? { states: [] } : state.filter,
    search: hidden ? '' : state.search,
  };
}

function toggleColumn(columns: readonly ColumnId[], column: ColumnId): readonly ColumnId[] {
  if (columns.includes(column)) {
    // The table needs at least one column to be a table.
    return columns.length > 1 ? columns.filter((id) => id !== column) : columns;
  }
  // Columns keep their canonical order, whatever order they were switched on in.
  return COLUMN_IDS.filter((id) => id === column || columns.includes(id));
}

export function reduceBench(state: BenchState, action: BenchAction): BenchState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.connection };
    case 'fatal':
      return { ...state, fatal: action.error };
    case 'synced': {
      const fresh: BenchState = { ...state, bench: action.bench, status: action.status, devices: deviceMapOf(action.devices), loaded: true, fatal: null };
      return action.pending.length > 0 ? applyEvents(fresh, action.pending) : fresh;
    }
    case 'events':
      return applyEvents(state, action.events);
    case 'click':
      return { ...state, selection: clickSelect(state.selection, action.id, action.modifiers, action.order) };
    case 'move':
      return { ...state, selection: moveSelection(state.selection, action.move, action.options, action.order) };
    case 'toggle-focused':
      return { ...state, selection: toggleFocused(state.selection, action.order) };
    case 'select-all':
      return { ...state, selection: selectAll(state.selection, action.order) };
    case 'select-none':
      return { ...state, selection: selectNone(state.selection) };
    case 'view':
      return state.view === action.view ? state : { ...state, view: action.view };
    case 'sort-by': {
      const direction = state.sort.column === action.column && state.sort.direction === 'asc' ? 'desc' : 'asc';
      return { ...state, sort: { column: action.column, direction } };
    }
    case 'sort':
      return { ...state, sort: action.sort };
    case 'toggle-state-filter': {
      const states = state.filter.states.includes(action.state) ? state.filter.states.filter((s) => s !== action.state) : [...state.filter.states, action.state];
      return { ...state, filter: { states } };
    }
    case 'clear-filters':
      return { ...state, filter: { states: [] }, search: '' };
    case 'toggle-column':
      return { ...state, columns: toggleColumn(state.columns, action.column) };
    case 'search':
      return state.search === action.text ? state : { ...state, search: action.text };
    case 'scanner-key':
      return scan(state, action.key, action.at);
    case 'dismiss-scan':
      return state.scanner.message === null && state.highlight === null ? state : { ...state, scanner: { ...state.scanner, message: null }, highlight: null };
    case 'server': {
      const server = reduceServer(state.server, action.action);
      return server === state.server ? state : { ...state, server };
    }
    case 'jobs-synced':
    case 'jobs-unavailable':
    case 'job-events':
    case 'technician':
    case 'cancel-requested':
    case 'cancel-answered': {
      const jobs = reduceJobs(state.jobs, action);
      return jobs === state.jobs ? state : { ...state, jobs };
    }
    default:
      return reduceFlowPart(state, action);
  }
}

/** The flow actions: the panel and the runs change together; the jobs a started batch returned go into the job map. */
function reduceFlowPart(state: BenchState, action: FlowAction): BenchState {
  const { flow, runs } = reduceFlow(state, action);
  const jobs = action.type === 'flow-started' && flow !== state.flow ? withStartedJobs(state.jobs, action.jobs) : state.jobs;
  if (flow === state.flow && runs === state.runs && jobs === state.jobs) return state;
  return { ...state, flow, runs, jobs };
}

/**
 * Jobs from jobs.start's answer, so the run shows its devices at once. A job
 * an event already told about is left as it is: events keep coming for every
 * job, and whichever is newer, the next one brings it up to date.
 */
function withStartedJobs(jobs: BenchState['jobs'], started: readonly Job[]): BenchState['jobs'] {
  return upsertJobs(jobs, started.filter((job) => jobs.byId[job.id] === undefined));
}
