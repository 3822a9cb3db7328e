/**
 * Who is at the bench: a name field, saved with technician.set (the host
 * records the name with every job). Used in the header and as the first step
 * of the action panel when no name is set yet. The text being typed is this
 * form's own business; the saved name lives in the store.
 */
import { useId, useState, type FormEvent } from 'react';
import type { ApiError } from '../../../core/contract/index.js';
import { useCommands } from '../../app/commands-context.js';
import { useBench } from '../../app/store-context.js';

interface TechnicianFormProps {
  /** Called once the host took the name (and on Cancel, when there is one). */
  readonly onDone?: () => void;
  readonly onCancel?: () => void;
  readonly autoFocus?: boolean;
}

export function TechnicianForm({ onDone, onCancel, autoFocus = false }: TechnicianFormProps) {
  const saved = useBench((state) => state.jobs.technician);
  const commands = useCommands();
  const [name, setName] = useState(saved ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const inputId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '' || saving) return;
    setSaving(true);
    const refused = await commands.setTechnician(name);
    setSaving(false);
    setError(refused);
    if (refused === null) onDone?.();
  };

  return (
    <form className="technician-form" onSubmit={(event) => void submit(event)} data-testid="technician-form">
      <label htmlFor={inputId}>Technician</label>
      <input
        id={inputId}
        className="text-input"
        value={name}
        maxLength={100}
        placeholder="Your name"
        autoComplete="name"
        spellCheck={false}
        // Focus follows the technician's own click on "Change", or the step asking for the name.
        autoFocus={autoFocus}
        aria-describedby={error ? errorId : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && onCancel) {
            event.stopPropagation();
            onCancel();
          }
        }}
        data-testid="technician-input"
      />
      <button type="submit" className="button button-primary" disabled={name.trim() === '' || saving} data-testid="technician-save">
        {saving ? 'Saving…' : 'Save'}
      </button>
      {onCancel ? (
        <button type="button" className="button" onClick={onCancel} data-testid="technician-cancel">
          Cancel
        </button>
      ) : null}
      {error ? (
        <p className="form-error" id={errorId} role="alert">
          {error.message} {error.hint}
        </p>
      ) : null}
    </form>
  );
}
