/** Banners across the top of the window: simulated devices, and a lost link to the bench. */
import { useBench } from '../../app/store-context.js';

/** Unmistakable on purpose: a technician must never mistake simulated devices for the real bench. */
export function SimulatedBanner() {
  const simulated = useBench((state) => state.status?.simulated === true);
  if (!simulated) return null;
  return (
    <div className="simulated-banner" role="note" data-testid="simulated-banner">
      <strong>Simulated devices</strong> — nothing on this screen is a real iPhone or iPad. Benchline is running its device simulator.
    </div>
  );
}

export function ConnectionBanner() {
  const lost = useBench((state) => state.connection.phase === 'lost');
  const attempt = useBench((state) => state.connection.attempt);
  if (!lost) return null;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      Connection to the bench lost — reconnecting{attempt > 1 ? ` (attempt ${attempt})` : ''}. The devices below may be out of date.
    </div>
  );
}
