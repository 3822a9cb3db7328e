/** The header's "Technician: Alex" and its Change button, which opens the name field in place. */
import { useRef, useState } from 'react';
import { useBench } from '../../app/store-context.js';
import { TechnicianForm } from './TechnicianForm.js';

export function TechnicianBadge() {
  const name = useBench((state) => state.jobs.technician);
  const available = useBench((state) => state.jobs.availability.kind === 'ready');
  const [editing, setEditing] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  // A host without a job engine records no jobs: there is no one to name yet.
  if (!available) return null;

  const close = () => {
    setEditing(false);
    // Back to where the technician was, so the keyboard does not lose its place.
    requestAnimationFrame(() => buttonRef.current?.focus());
  };
  if (editing) return <TechnicianForm autoFocus onDone={close} onCancel={close} />;
  return (
    <button ref={buttonRef} type="button" className="technician" onClick={() => setEditing(true)} data-testid="technician" data-name={name ?? ''} title="Recorded with every action on the bench. Click to change.">
      <span className="technician-label">Technician</span> {name === null ? <span className="technician-missing">not set</span> : <strong>{name}</strong>}
      <span className="technician-change">{name === null ? 'Set' : 'Change'}</span>
    </button>
  );
}
