/** Search, view switch, state chips, selection buttons, (in the table) the column chooser, and Actions. */
import { useActions, useBench } from '../../app/store-context.js';
import { presentSelectedCount } from '../../state/query.js';
import { ActionsMenu } from '../actions/ActionsMenu.js';
import { ColumnChooser } from '../table/ColumnChooser.js';
import { StateFilter } from './StateFilter.js';

export function Toolbar() {
  const view = useBench((state) => state.view);
  const search = useBench((state) => state.search);
  const selected = useBench(presentSelectedCount);
  const actions = useActions();
  return (
    <div className="toolbar">
      <div className="toolbar-row">
        <div className="segmented" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'grid'} className={view === 'grid' ? 'is-active' : ''} onClick={() => actions.setView('grid')} data-testid="view-grid">
            Grid
          </button>
          <button type="button" aria-pressed={view === 'table'} className={view === 'table' ? 'is-active' : ''} onClick={() => actions.setView('table')} data-testid="view-table">
            Table
          </button>
        </div>
        <input
          type="search"
          className="search"
          placeholder="Search serial, UDID, ECID or name"
          aria-label="Search devices by serial, UDID, ECID or name"
          value={search}
          onChange={(event) => actions.setSearch(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape' && search !== '') {
              event.stopPropagation();
              actions.setSearch('');
            }
          }}
          spellCheck={false}
          autoComplete="off"
          data-testid="search"
        />
        <div className="toolbar-spacer" />
        <span className="selection-count" data-testid="selection-count" aria-live="polite">
          {selected === 0 ? 'None selected' : `${selected} selected`}
        </span>
        <button type="button" className="button" onClick={() => actions.selectAll()} data-testid="select-all" title="Select every shown device (Ctrl+A)">
          Select all
        </button>
        <button type="button" className="button" onClick={() => actions.selectNone()} data-testid="select-none" title="Clear the selection (Esc)">
          Select none
        </button>
        {view === 'table' ? <ColumnChooser /> : null}
        <ActionsMenu />
      </div>
      <StateFilter />
    </div>
  );
}
