/**
 * The pre-approved CSV import wizard (seed 004) as a pure state machine:
 * upload → mapping → preview → replace or skip → Import → result. The host
 * (and through it the server) reads the file: every preview is its answer,
 * so what the technician checks is what will be imported. Back and Cancel
 * work at every step until Import; nothing is stored before it. A refusal
 * (server unreachable, say) keeps the file, so the technician can retry
 * without choosing it again.
 */
import { MANDATORY_PREAPPROVED_FIELDS, type ApiError, type ManualMappingInput, type PreapprovedFieldName, type PreapprovedImportResult, type PreapprovedPreview } from '../../core/contract/index.js';

export type WizardStep = 'upload' | 'mapping' | 'preview' | 'mode' | 'result';
export const WIZARD_STEPS: readonly WizardStep[] = ['upload', 'mapping', 'preview', 'mode', 'result'];

/** The fields the file must have (seed 004), as the server checks them. */
export const MANDATORY_FIELDS = MANDATORY_PREAPPROVED_FIELDS;

export const FIELD_LABELS: Readonly<Record<PreapprovedFieldName, string>> = {
  name: 'Name',
  email: 'Email',
  mobile: 'Mobile',
  ownership: 'Ownership',
  serialNumber: 'Serial number',
  deviceName: 'Device name',
  platform: 'Platform',
  samAccountName: 'SAMAccountName',
  password: 'Password',
};

/** Rows the preview asks for: the technician unchecks rows among these. */
export const PREVIEW_ROWS = 500;

export type ImportMode = 'replace' | 'skip';

export interface WizardState {
  readonly step: WizardStep;
  readonly file: { readonly name: string; readonly text: string } | null;
  /** The technician's overrides of the automatic mapping (field → column index, or null for "not in the file"). */
  readonly mapping: ManualMappingInput;
  readonly preview: PreapprovedPreview | null;
  /** What the host is working on now; the buttons wait for it. */
  readonly busy: 'previewing' | 'importing' | null;
  /** Bumped by every preview asked for, so an older answer cannot replace a newer one. */
  readonly seq: number;
  /** Lines the technician unchecked: left out of the import. */
  readonly excluded: readonly number[];
  readonly mode: ImportMode | null;
  readonly error: ApiError | null;
  readonly result: PreapprovedImportResult | null;
}

export const NEW_WIZARD: WizardState = { step: 'upload', file: null, mapping: {}, preview: null, busy: null, seq: 0, excluded: [], mode: null, error: null, result: null };

export type WizardAction =
  | { type: 'wizard-open' }
  /** A file was read: the host previews it next (seq is the new one). */
  | { type: 'wizard-file'; name: string; text: string }
  | { type: 'wizard-map'; field: PreapprovedFieldName; column: number | null }
  | { type: 'wizard-previewed'; seq: number; preview: PreapprovedPreview }
  | { type: 'wizard-preview-failed'; seq: number; error: ApiError }
  | { type: 'wizard-line'; line: number; included: boolean }
  | { type: 'wizard-all-lines'; included: boolean }
  | { type: 'wizard-mode'; mode: ImportMode }
  | { type: 'wizard-next' }
  | { type: 'wizard-back' }
  | { type: 'wizard-cancel' }
  | { type: 'wizard-importing' }
  | { type: 'wizard-imported'; result: PreapprovedImportResult }
  | { type: 'wizard-import-failed'; error: ApiError }
  | { type: 'wizard-close' };

/** The fields the file lacks or maps twice, after the technician's overrides (the host's preview already applied them). */
export function mappingProblems(preview: PreapprovedPreview): { missing: PreapprovedFieldName[]; ambiguous: PreapprovedFieldName[] } {
  const missing = MANDATORY_FIELDS.filter((field) => preview.mapping.columns[field] === undefined);
  return { missing, ambiguous: preview.mapping.ambiguous.map((entry) => entry.field) };
}

export interface PreviewCounts {
  readonly shown: number;
  readonly valid: number;
  readonly invalid: number;
  readonly excluded: number;
  /** Valid rows that will be imported (of those shown). */
  readonly included: number;
}

export function previewCounts(wizard: WizardState): PreviewCounts {
  const rows = wizard.preview?.rows ?? [];
  const excluded = new Set(wizard.excluded);
  let valid = 0;
  let included = 0;
  for (const row of rows) {
    if (!row.valid) continue;
    valid++;
    if (!excluded.has(row.line)) included++;
  }
  return { shown: rows.length, valid, invalid: rows.length - valid, excluded: rows.filter((row) => excluded.has(row.line)).length, included };
}

/** What stops the technician from going past the current step, in words; null when nothing does. */
export function wizardBlocker(wizard: WizardState): string | null {
  if (wizard.busy === 'previewing') return 'Reading the file…';
  if (wizard.busy === 'importing') return 'Importing…';
  switch (wizard.step) {
    case 'upload':
      if (wizard.file === null) return 'Choose a CSV file or drop one here.';
      return wizard.preview === null ? 'The file has not been read yet: try again.' : null;
    case 'mapping': {
      if (wizard.preview === null) return 'The file has not been read yet: try again.';
      const { missing, ambiguous } = mappingProblems(wizard.preview);
      if (missing.length > 0) return `Choose the column for ${missing.map((field) => FIELD_LABELS[field]).join(', ')}.`;
      if (ambiguous.length > 0) return `More than one column could be ${ambiguous.map((field) => FIELD_LABELS[field]).join(', ')}: choose one.`;
      return null;
    }
    case 'preview':
      return previewCounts(wizard).included === 0 && wizard.preview?.truncated !== true ? 'No valid row is checked: there is nothing to import.' : null;
    case 'mode':
      return wizard.mode === null ? 'Choose whether existing users are replaced or skipped.' : null;
    case 'result':
      return null;
  }
}

function move(wizard: WizardState, by: 1 | -1): WizardState {
  const index = WIZARD_STEPS.indexOf(wizard.step) + by;
  // The result is reached by importing, never by Next; nothing goes back from it.
  if (index < 0 || WIZARD_STEPS[index] === 'result' || wizard.step === 'result') return wizard;
  return { ...wizard, step: WIZARD_STEPS[index]!, error: null };
}

export function reduceWizard(wizard: WizardState | null, action: WizardAction): WizardState | null {
  if (action.type === 'wizard-open') return wizard ?? NEW_WIZARD;
  if (wizard === null) return null;
  switch (action.type) {
    case 'wizard-file':
      if (wizard.busy === 'importing') return wizard;
      // A new file starts the mapping afresh: the old overrides and unchecked lines were about another file.
      return { ...NEW_WIZARD, file: { name: action.name, text: action.text }, busy: 'previewing', seq: wizard.seq + 1 };
    case 'wizard-map': {
      if (wizard.busy === 'importing' || wizard.file === null) return wizard;
      return { ...wizard, mapping: { ...wizard.mapping, [action.field]: action.column }, busy: 'previewing', seq: wizard.seq + 1, error: null };
    }
    case 'wizard-previewed': {
      if (action.seq !== wizard.seq) return wizard;
      const lines = new Set(action.preview.rows.map((row) => row.line));
      // Lines unchecked before a re-mapping stay unchecked when they are still there.
      return { ...wizard, preview: action.preview, busy: null, error: null, step: wizard.step === 'upload' ? 'mapping' : wizard.step, excluded: wizard.excluded.filter((line) => lines.has(line)) };
    }
    case 'wizard-preview-failed':
      return action.seq === wizard.seq ? { ...wizard, busy: null, error: action.error } : wizard;
    case 'wizard-line': {
      if (wizard.step !== 'preview') return wizard;
      const rest = wizard.excluded.filter((line) => line !== action.line);
      return { ...wizard, excluded: action.included ? rest : [...rest, action.line] };
    }
    case 'wizard-all-lines':
      if (wizard.step !== 'preview') return wizard;
      return { ...wizard, excluded: action.included ? [] : (wizard.preview?.rows ?? []).map((row) => row.line) };
    case 'wizard-mode':
      return wizard.step === 'mode' ? { ...wizard, mode: action.mode, error: null } : wizard;
    case 'wizard-next':
      return wizard.step === 'mode' || wizardBlocker(wizard) !== null ? wizard : move(wizard, 1);
    case 'wizard-back':
      return wizard.busy === 'importing' ? wizard : move(wizard, -1);
    case 'wizard-cancel':
      // Once Import is on its way there is nothing to cancel: its result will say what happened.
      return wizard.busy === 'importing' || wizard.step === 'result' ? wizard : null;
    case 'wizard-importing':
      if (wizard.step !== 'mode' || wizardBlocker(wizard) !== null) return wizard;
      return { ...wizard, busy: 'importing', error: null };
    case 'wizard-imported':
      return wizard.busy === 'importing' ? { ...wizard, busy: null, step: 'result', result: action.result } : wizard;
    case 'wizard-import-failed':
      return wizard.busy === 'importing' ? { ...wizard, busy: null, error: action.error } : wizard;
    case 'wizard-close':
      return wizard.busy === 'importing' ? wizard : null;
  }
}

/** "120 imported, 3 replaced, 2 skipped, 1 left out": the result's counts in one line. */
export function resultSummary(result: PreapprovedImportResult): string {
  const parts = [`${result.imported} imported`, `${result.replaced} replaced`, `${result.skipped} skipped`, `${result.excluded} left out`];
  if (result.errors.length > 0) parts.push(`${result.errors.length} with errors`);
  return parts.join(', ');
}
