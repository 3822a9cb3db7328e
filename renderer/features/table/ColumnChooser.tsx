/** Which columns the table shows: a native disclosure with a checkbox per column. */
import { useActions, useBench } from '../../app/store-context.js';
import { COLUMNS } from '../../state/columns.js';

export function ColumnChooser() {
  const visible = useBench((state) => state.columns);
  const actions = useActions();
  return (
    <details className="column-chooser" data-testid="column-chooser">
      <summary className="button">Columns</summary>
      <fieldset className="column-menu">
        <legend className="visually-hidden">Columns to show</legend>
        {COLUMNS.map((column) => {
          const checked = visible.includes(column.id);
          return (
            <label key={column.id} className="column-option">
              <input
                type="checkbox"
                checked={checked}
                // The last visible column cannot be hidden: a table without columns shows nothing.
                disabled={checked && visible.length === 1}
                onChange={() => actions.toggleColumn(column.id)}
                data-testid="column-toggle"
                data-column={column.id}
              />
              {column.label}
            </label>
          );
        })}
      </fieldset>
    </details>
  );
}
