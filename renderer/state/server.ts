/**
 * The window's part about the central server (issue #5): which page is shown
 * (the bench stays the default: a technician's flow must not get slower), the
 * sync state, the inventory lists, the CSV import wizard and the pre-approve
 * and deprovision panels. One slice of BenchState, changed only by
 * `reduceServer`, so every decision is tested without a DOM.
 */
import type { SyncStatus } from '../../core/contract/index.js';
import { CLOSED_DEPROVISION, deprovisionSeesSync, reduceDeprovision, type DeprovisionAction, type DeprovisionFlow } from './deprovision-flow.js';
import { reduceWizard, type WizardAction, type WizardState } from './csv-wizard.js';
import { INITIAL_INVENTORY, reduceInventory, type InventoryAction, type InventoryState } from './inventory.js';
import { CLOSED_PREAPPROVE, reducePreapprove, type PreapproveAction, type PreapproveFlow } from './preapprove-flow.js';
import { INITIAL_SYNC, reduceSync, type SyncAction, type SyncView } from './sync-view.js';

export type Page = 'bench' | 'inventory' | 'preapproved';

export interface ServerState {
  readonly page: Page;
  readonly sync: SyncView;
  readonly inventory: InventoryState;
  /** The import wizard, while open. */
  readonly wizard: WizardState | null;
  readonly deprovision: DeprovisionFlow;
  readonly preapprove: PreapproveFlow;
}

export const INITIAL_SERVER: ServerState = { page: 'bench', sync: INITIAL_SYNC, inventory: INITIAL_INVENTORY, wizard: null, deprovision: CLOSED_DEPROVISION, preapprove: CLOSED_PREAPPROVE };

export type ServerAction = { type: 'page'; page: Page } | SyncAction | InventoryAction | WizardAction | DeprovisionAction | PreapproveAction;

function statusIn(action: SyncAction): SyncStatus | null {
  if (action.type === 'sync-status') return action.status;
  if (action.type === 'sync-now-answered' && action.result.ok) return action.result.status;
  return null;
}

export function reduceServer(state: ServerState, action: ServerAction): ServerState {
  switch (action.type) {
    case 'page':
      return state.page === action.page ? state : { ...state, page: action.page };
    case 'sync-status':
    case 'sync-unavailable':
    case 'sync-now-requested':
    case 'sync-now-answered':
    case 'rejections-open':
    case 'rejections-answered':
    case 'rejections-dismissing':
    case 'rejections-dismissed':
    case 'rejections-close': {
      const sync = reduceSync(state.sync, action);
      const status = statusIn(action);
      const deprovision = status === null ? state.deprovision : deprovisionSeesSync(state.deprovision, status);
      return sync === state.sync && deprovision === state.deprovision ? state : { ...state, sync, deprovision };
    }
    case 'inventory-search':
    case 'inventory-page':
    case 'inventory-page-requested':
    case 'inventory-failed':
    case 'inventory-changed':
    case 'inventory-known':
    case 'inventory-toggle':
    case 'inventory-select-none':
    case 'history-open':
    case 'history-answered':
    case 'history-close': {
      const inventory = reduceInventory(state.inventory, action);
      return inventory === state.inventory ? state : { ...state, inventory };
    }
    case 'deprovision-open':
    case 'deprovision-acknowledge':
    case 'deprovision-reason':
    case 'deprovision-wipe':
    case 'deprovision-note':
    case 'deprovision-request-info':
    case 'deprovision-next':
    case 'deprovision-back':
    case 'deprovision-cancel':
    case 'deprovision-sending':
    case 'deprovision-started':
    case 'deprovision-failed':
    case 'deprovision-dismiss': {
      const deprovision = reduceDeprovision(state.deprovision, action);
      return deprovision === state.deprovision ? state : { ...state, deprovision };
    }
    case 'preapprove-open':
    case 'preapprove-edit':
    case 'preapprove-sending':
    case 'preapprove-answered':
    case 'preapprove-close': {
      const preapprove = reducePreapprove(state.preapprove, action);
      return preapprove === state.preapprove ? state : { ...state, preapprove };
    }
    default: {
      const wizard = reduceWizard(state.wizard, action);
      return wizard === state.wizard ? state : { ...state, wizard };
    }
  }
}
