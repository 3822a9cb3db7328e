/**
 * The CSV import wizard in the side panel (seed 004): a heading that says
 * which step of how many, the step, then Back / Cancel / Next, Import on the
 * last step before the result, Close on the result. Escape is Cancel until
 * Import. A refusal shows the host's message and hint with "Try again"; the
 * file stays chosen.
 */
import { useId } from 'react';
import { useActions, useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { WIZARD_STEPS, wizardBlocker, type WizardStep } from '../../state/csv-wizard.js';
import { closeOnEscape, PanelError, StepsHeader, useHeadingFocus } from '../panel/PanelParts.js';
import { IMPORT_CSV_ID, ReturnFocus } from '../panel/ReturnFocus.js';
import { MappingStep, ModeStep, PreviewStep, ResultStep, UploadStep } from './WizardSteps.js';

const TITLES: Readonly<Record<WizardStep, string>> = {
  upload: 'Choose the CSV file',
  mapping: 'Match the columns',
  preview: 'Check the rows',
  mode: 'Existing users',
  result: 'Import finished',
};

export function ImportWizard() {
  const wizard = useBench((state) => state.server.wizard);
  const actions = useActions();
  const commands = useServerCommands();
  const headingId = useId();
  const blockerId = useId();
  const headingRef = useHeadingFocus(wizard?.step ?? null);
  if (wizard === null) return null;
  const index = WIZARD_STEPS.indexOf(wizard.step);
  const blocker = wizardBlocker(wizard);
  const importing = wizard.busy === 'importing';
  const send = (type: 'wizard-next' | 'wizard-back' | 'wizard-cancel' | 'wizard-close') => actions.server({ type });
  return (
    <section
      className="flow-panel"
      aria-labelledby={headingId}
      data-testid="import-wizard"
      data-step={wizard.step}
      data-busy={wizard.busy ?? ''}
      onKeyDown={closeOnEscape(importing ? null : () => send(wizard.step === 'result' ? 'wizard-close' : 'wizard-cancel'))}
    >
      <ReturnFocus to={IMPORT_CSV_ID} />
      <StepsHeader what="Import pre-approved devices" title={TITLES[wizard.step]} steps={WIZARD_STEPS} current={wizard.step} headingId={headingId} headingRef={headingRef} />
      <div className="panel-body">
        {wizard.step === 'upload' ? <UploadStep wizard={wizard} /> : null}
        {wizard.step === 'mapping' ? <MappingStep wizard={wizard} /> : null}
        {wizard.step === 'preview' ? <PreviewStep wizard={wizard} /> : null}
        {wizard.step === 'mode' ? <ModeStep wizard={wizard} /> : null}
        {wizard.step === 'result' ? <ResultStep wizard={wizard} /> : null}
        <PanelError error={wizard.error} testId="wizard-error">
          {' '}
          {wizard.step !== 'mode' ? (
            <button type="button" className="button button-small" onClick={() => void commands.retryPreview()} data-testid="wizard-retry">
              Try again
            </button>
          ) : null}
        </PanelError>
      </div>
      <footer className="panel-footer">
        {blocker !== null && wizard.step !== 'result' ? (
          <p id={blockerId} className="panel-blocker" data-testid="wizard-blocker">
            {blocker}
          </p>
        ) : null}
        <div className="panel-buttons">
          {wizard.step === 'result' ? (
            <>
              <span className="toolbar-spacer" />
              <button type="button" className="button button-primary" onClick={() => send('wizard-close')} data-testid="wizard-close">
                Close
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button" onClick={() => send('wizard-back')} disabled={index === 0 || importing} data-testid="wizard-back">
                Back
              </button>
              <button type="button" className="button" onClick={() => send('wizard-cancel')} disabled={importing} data-testid="wizard-cancel">
                Cancel
              </button>
              <span className="toolbar-spacer" />
              {wizard.step === 'mode' ? (
                <button type="button" className="button button-primary" onClick={() => void commands.importCsv()} disabled={blocker !== null} aria-describedby={blocker === null ? undefined : blockerId} data-testid="wizard-import">
                  {importing ? 'Importing…' : 'Import'}
                </button>
              ) : (
                <button type="button" className="button button-primary" onClick={() => send('wizard-next')} disabled={blocker !== null} aria-describedby={blocker === null ? undefined : blockerId} data-testid="wizard-next">
                  Next
                </button>
              )}
            </>
          )}
        </div>
      </footer>
    </section>
  );
}
