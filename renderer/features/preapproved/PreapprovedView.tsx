/**
 * The Pre-approved page: the devices on the pre-approved list (inventory
 * records with `preapproved` set, whatever their status: there is no separate
 * method, so the list is the inventory search filtered here) and "Import CSV…",
 * which opens the import wizard in the side panel.
 */
import { useActions, useBench } from '../../app/store-context.js';
import { InventoryTable } from '../inventory/InventoryTable.js';
import { ListSearch } from '../inventory/ListSearch.js';
import { ListState } from '../inventory/ListState.js';
import { IMPORT_CSV_ID } from '../panel/ReturnFocus.js';

export function PreapprovedView() {
  const wizardOpen = useBench((state) => state.server.wizard !== null);
  const actions = useActions();
  return (
    <div className="server-view" data-testid="preapproved-view">
      <div className="toolbar">
        <div className="toolbar-row">
          <ListSearch list="preapproved" />
          <div className="toolbar-spacer" />
          <button id={IMPORT_CSV_ID} type="button" className="button button-primary" onClick={() => actions.server({ type: 'wizard-open' })} disabled={wizardOpen} data-testid="import-csv">
            Import CSV…
          </button>
        </div>
      </div>
      <ListState list="preapproved" noun="pre-approved device" />
      <InventoryTable list="preapproved" selectable={false} label="Pre-approved devices" />
    </div>
  );
}
