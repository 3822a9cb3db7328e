/**
 * The renderer's state: what the bench reported (devices, status) and what
 * the technician chose (selection, view, sort, filter, columns, search), plus
 * the barcode scanner's buffer. Plain data, replaced, never mutated, so React
 * can compare by reference and reducers can be tested as functions.
 */
import type { ApiError, BenchStatus, ConnectionState, Device } from '../../core/contract/index.js';
import type { ActionFlow, Run } from './action-flow.js';
import type { ColumnId } from './columns.js';
import type { JobsState } from './jobs.js';
import type { ServerState } from './server.js';

export type ViewMode = 'grid' | 'table';
export type SortDirection = 'asc' | 'desc';

export interface SortState {
  readonly column: ColumnId;
  readonly direction: SortDirection;
}

export interface FilterState {
  /** Device states to show; empty shows every state. */
  readonly states: readonly ConnectionState[];
}

export interface SelectionState {
  /**
   * Selected device ids. Ids stay here when their device leaves, so a device
   * that is replugged (or re-keyed by the host) comes back as the technician
   * left it; counts only ever include devices that are present.
   */
  readonly ids: Readonly<Record<string, true>>;
  /** Where a shift-click range starts. */
  readonly anchor: string | null;
  /** The device the arrow keys move from (keyboard focus within the grid or table). */
  readonly focus: string | null;
}

export interface Highlight {
  readonly id: string;
  /** Increases on every scan, so scanning the same device again scrolls to it again. */
  readonly seq: number;
}

export type ScannerMessage = { readonly kind: 'found'; readonly code: string; readonly id: string } | { readonly kind: 'missing'; readonly code: string };

export interface ScannerState {
  /** Characters typed so far by what looks like a scanner (each within the gap of the last). */
  readonly buffer: string;
  /** Timestamp of the last character, in the caller's clock (KeyboardEvent.timeStamp). */
  readonly lastKeyAt: number | null;
  readonly message: ScannerMessage | null;
}

export type Transport = 'electron' | 'websocket' | 'mock';

export interface ConnectionStatus {
  readonly transport: Transport;
  /** connecting: the bench was never reached yet (attempt > 0: retrying); open: talking; lost: was open, retrying. */
  readonly phase: 'connecting' | 'open' | 'lost';
  /** Failed attempts since the last successful connection. */
  readonly attempt: number;
}

export interface BenchInfo {
  readonly name: string;
  readonly contractVersion: number;
}

export interface BenchState {
  readonly connection: ConnectionStatus;
  readonly bench: BenchInfo | null;
  /** Something that stops the app working until a person acts (a host of another contract version, say). */
  readonly fatal: ApiError | null;
  readonly status: BenchStatus | null;
  readonly devices: Readonly<Record<string, Device>>;
  /** The first device list has arrived: until then "no devices" would be a lie. */
  readonly loaded: boolean;
  readonly selection: SelectionState;
  readonly view: ViewMode;
  readonly sort: SortState;
  readonly filter: FilterState;
  /** Visible table columns, in display order. */
  readonly columns: readonly ColumnId[];
  readonly search: string;
  readonly highlight: Highlight | null;
  readonly scanner: ScannerState;
  /** Technician, workflows and jobs (state/jobs.ts). */
  readonly jobs: JobsState;
  /** The action panel (state/action-flow.ts). */
  readonly flow: ActionFlow;
  /** Batches started from this window, newest first, until their summary is dismissed. */
  readonly runs: readonly Run[];
  /** The central server: page, sync state, inventory, import wizard, pre-approve and deprovision panels (state/server.ts). */
  readonly server: ServerState;
}
