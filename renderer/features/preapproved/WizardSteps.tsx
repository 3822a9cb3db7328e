/** The contents of each step of the CSV import wizard; the footer (Back, Cancel, Next/Import/Close) is the panel's. */
import { useId, useState, type DragEvent } from 'react';
import { PREAPPROVED_FIELDS, type PreapprovedFieldName } from '../../../core/contract/index.js';
import { useActions } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { FIELD_LABELS, MANDATORY_FIELDS, mappingProblems, previewCounts, resultSummary, type WizardState } from '../../state/csv-wizard.js';

/** Reads a dropped or chosen file as text in the page: the file never leaves the bench except as the preview's text. */
async function readFile(file: File, onText: (name: string, text: string) => void): Promise<void> {
  onText(file.name, await file.text());
}

export function UploadStep({ wizard }: { wizard: WizardState }) {
  const commands = useServerCommands();
  const inputId = useId();
  const [dragging, setDragging] = useState(false);
  const take = (file: File | undefined) => {
    if (file) void readFile(file, (name, text) => void commands.chooseFile(name, text));
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    take(event.dataTransfer.files[0]);
  };
  return (
    <>
      <p>The file needs a header row and, for each device, the user's name and email, the ownership (corporate or personal), the serial number (case-sensitive) and the platform. Mobile, device name and SAMAccountName are optional; passwords are never stored.</p>
      <div
        className={dragging ? 'drop-zone is-dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="wizard-drop"
      >
        <label htmlFor={inputId}>Drop a CSV file here, or choose one:</label>
        <input id={inputId} type="file" accept=".csv,text/csv,text/plain" onChange={(event) => take(event.target.files?.[0])} data-testid="wizard-file" />
        {wizard.file ? (
          <p data-testid="wizard-file-name">
            <strong>{wizard.file.name}</strong> · {wizard.busy === 'previewing' ? 'reading…' : wizard.preview ? `${wizard.preview.rows.length}${wizard.preview.truncated ? '+' : ''} rows read` : 'not read'}
          </p>
        ) : null}
      </div>
    </>
  );
}

function columnValue(wizard: WizardState, field: PreapprovedFieldName): string {
  const manual = wizard.mapping[field];
  if (manual === null) return '';
  if (typeof manual === 'number') return String(manual);
  const auto = wizard.preview?.mapping.columns[field];
  return auto === undefined ? '' : String(auto);
}

export function MappingStep({ wizard }: { wizard: WizardState }) {
  const commands = useServerCommands();
  if (wizard.preview === null) return null;
  const { mapping } = wizard.preview;
  const { missing, ambiguous } = mappingProblems(wizard.preview);
  return (
    <>
      <p>Each field and the column it was matched to. Fields in bold are required; change any match with its list.</p>
      <table className="wizard-mapping" data-testid="wizard-mapping">
        <tbody>
          {PREAPPROVED_FIELDS.map((field) => {
            const state = missing.includes(field) ? 'missing' : ambiguous.includes(field) ? 'ambiguous' : mapping.columns[field] === undefined ? 'unmapped' : 'mapped';
            const required = MANDATORY_FIELDS.includes(field);
            const id = `wizard-field-${field}`;
            return (
              <tr key={field} className={`mapping-${state}`} data-testid="wizard-field" data-field={field} data-state={state}>
                <th scope="row">
                  <label htmlFor={id}>{required ? <strong>{FIELD_LABELS[field]}</strong> : FIELD_LABELS[field]}</label>
                </th>
                <td>
                  <select id={id} value={columnValue(wizard, field)} onChange={(event) => void commands.mapField(field, event.target.value === '' ? null : Number(event.target.value))} disabled={wizard.busy !== null} data-testid="wizard-field-select">
                    <option value="">— not in the file —</option>
                    {mapping.header.map((label, index) => (
                      <option key={index} value={index}>
                        {label || `Column ${index + 1}`}
                      </option>
                    ))}
                  </select>
                  {state === 'missing' ? <span className="mapping-note">Required: choose its column.</span> : null}
                  {state === 'ambiguous' ? <span className="mapping-note">More than one column could be this: choose one.</span> : null}
                  {field === 'password' && state === 'mapped' ? <span className="mapping-note is-quiet">Read, never stored.</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {mapping.unmapped.length > 0 ? <p className="muted">Columns not used: {mapping.unmapped.map((column) => column.label || `Column ${column.index + 1}`).join(', ')}.</p> : null}
    </>
  );
}

export function PreviewStep({ wizard }: { wizard: WizardState }) {
  const actions = useActions();
  if (wizard.preview === null) return null;
  const counts = previewCounts(wizard);
  const excluded = new Set(wizard.excluded);
  return (
    <>
      <p data-testid="wizard-counts" data-valid={counts.valid} data-invalid={counts.invalid} data-excluded={counts.excluded}>
        {counts.valid} valid · {counts.invalid} with errors · {counts.excluded} unchecked
      </p>
      {wizard.preview.truncated ? <p className="muted">Showing the first {counts.shown} rows: the rest are imported as they are, and their errors listed in the result.</p> : null}
      <label className="wizard-all">
        <input type="checkbox" checked={counts.excluded === 0} onChange={(event) => actions.server({ type: 'wizard-all-lines', included: event.target.checked })} data-testid="wizard-all-rows" />
        All rows
      </label>
      <ul className="wizard-rows" data-testid="wizard-rows">
        {wizard.preview.rows.map((row) => (
          <li key={row.line} className={row.valid ? 'wizard-row' : 'wizard-row is-invalid'} data-testid="wizard-row" data-line={row.line} data-valid={row.valid}>
            <label className="wizard-row-head">
              <input
                type="checkbox"
                checked={row.valid && !excluded.has(row.line)}
                disabled={!row.valid}
                onChange={(event) => actions.server({ type: 'wizard-line', line: row.line, included: event.target.checked })}
                aria-label={row.valid ? `Import line ${row.line}` : `Line ${row.line} has errors and is left out`}
                data-testid="wizard-row-check"
              />
              <span className="muted">Line {row.line}</span>
              <span className="wizard-row-serial">{row.values.serialNumber ?? '—'}</span>
              <span>{row.values.name ?? ''}</span>
              <span className="muted">{[row.values.ownership, row.values.platform].filter(Boolean).join(' · ')}</span>
            </label>
            {row.errors.map((error, index) => (
              <p key={index} className="wizard-row-error" data-testid="wizard-row-error" data-code={error.code}>
                Line {error.line}: {error.reason}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ModeStep({ wizard }: { wizard: WizardState }) {
  const actions = useActions();
  const name = useId();
  const counts = previewCounts(wizard);
  return (
    <>
      <fieldset className="reasons" data-testid="wizard-modes">
        <legend>If a user in the file already exists</legend>
        <label className="reason">
          <input type="radio" name={name} checked={wizard.mode === 'replace'} onChange={() => actions.server({ type: 'wizard-mode', mode: 'replace' })} data-testid="wizard-mode" data-mode="replace" />
          Replace existing users
        </label>
        <label className="reason">
          <input type="radio" name={name} checked={wizard.mode === 'skip'} onChange={() => actions.server({ type: 'wizard-mode', mode: 'skip' })} data-testid="wizard-mode" data-mode="skip" />
          Skip existing users
        </label>
      </fieldset>
      <p className="review-note">
        Nothing has been stored yet. <strong>Import</strong> adds the {counts.included} checked valid row{counts.included === 1 ? '' : 's'}
        {wizard.preview?.truncated ? ' shown, and the rows past them,' : ''} to the pre-approved list; rows with errors are left out and listed.
      </p>
    </>
  );
}

export function ResultStep({ wizard }: { wizard: WizardState }) {
  const result = wizard.result;
  if (result === null) return null;
  return (
    <>
      <p className="run-complete is-clean" role="status" data-testid="wizard-result" data-imported={result.imported} data-replaced={result.replaced} data-skipped={result.skipped} data-excluded={result.excluded} data-errors={result.errors.length}>
        {resultSummary(result)}
      </p>
      {result.passwordsIgnored > 0 ? (
        <p className="muted" data-testid="wizard-passwords">
          {result.passwordsIgnored} password{result.passwordsIgnored === 1 ? ' was' : 's were'} in the file and ignored: Benchline never stores device passwords.
        </p>
      ) : null}
      {result.errors.length > 0 ? (
        <>
          <h3 className="panel-subheading">Rows not imported ({result.errors.length})</h3>
          <ul className="wizard-rows" data-testid="wizard-result-errors">
            {result.errors.map((error, index) => (
              <li key={`${error.line}-${index}`} className="wizard-row is-invalid" data-testid="wizard-result-error" data-line={error.line}>
                Line {error.line}: {error.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
