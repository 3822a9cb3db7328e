/**
 * The Inventory page: search (serial numbers case-sensitive), status filter,
 * the records in a virtualised table, selection for Deprovision…, and each
 * record's history in the side panel. Everything comes from the bench's copy
 * of the inventory, so it works offline; `inventory.changed` keeps it current.
 */
import { DEVICE_STATUSES, DEVICE_STATUS_LABELS } from '../../../core/contract/index.js';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { InventoryTable } from './InventoryTable.js';
import { ListSearch } from './ListSearch.js';
import { ListState } from './ListState.js';
import { INVENTORY_DEPROVISION_ID } from '../panel/ReturnFocus.js';

export function InventoryView() {
  const query = useBench((state) => state.server.inventory.lists.inventory.query);
  const selected = useBench((state) => Object.keys(state.server.inventory.selected).length);
  const deprovisionBusy = useBench((state) => state.server.deprovision.stage === 'sending' || state.server.deprovision.stage === 'run');
  const actions = useActions();
  const commands = useServerCommands();
  const toggle = (status: (typeof DEVICE_STATUSES)[number]) => {
    const statuses = query.statuses.includes(status) ? query.statuses.filter((other) => other !== status) : [...query.statuses, status];
    void commands.search('inventory', { ...query, statuses });
  };
  return (
    <div className="server-view" data-testid="inventory-view">
      <div className="toolbar">
        <div className="toolbar-row">
          <ListSearch list="inventory" />
          <div className="toolbar-spacer" />
          <span className="selection-count" aria-live="polite" data-testid="inventory-selection-count">
            {selected === 0 ? 'None selected' : `${selected} selected`}
          </span>
          <button type="button" className="button" onClick={() => actions.server({ type: 'inventory-select-none' })} disabled={selected === 0} data-testid="inventory-select-none">
            Select none
          </button>
          <button
            id={INVENTORY_DEPROVISION_ID}
            type="button"
            className="button button-danger"
            onClick={() => void commands.openDeprovision('inventory')}
            disabled={selected === 0 || deprovisionBusy}
            title={selected === 0 ? 'Select the devices to deprovision first.' : undefined}
            data-testid="inventory-deprovision"
          >
            Deprovision…
          </button>
        </div>
        <div className="state-filter" role="group" aria-label="Filter by status">
          <button type="button" className={`chip${query.statuses.length === 0 ? ' is-active' : ''}`} aria-pressed={query.statuses.length === 0} onClick={() => void commands.search('inventory', { ...query, statuses: [] })} data-testid="status-filter-all">
            All statuses
          </button>
          {DEVICE_STATUSES.map((status) => (
            <button key={status} type="button" className={`chip${query.statuses.includes(status) ? ' is-active' : ''}`} aria-pressed={query.statuses.includes(status)} onClick={() => toggle(status)} data-testid="status-filter" data-status={status}>
              {DEVICE_STATUS_LABELS[status]}
            </button>
          ))}
        </div>
      </div>
      <ListState list="inventory" noun="device" />
      <InventoryTable list="inventory" selectable label="Inventory" />
    </div>
  );
}
