import { useActions } from '../../app/store-context.js';
import type { Advice } from './advice.js';

/** Shown instead of the devices when there are none to show, saying what to do about it. */
export function EmptyState({ advice }: { advice: Advice }) {
  const actions = useActions();
  return (
    <section className={`empty-state empty-${advice.reason}`} data-testid="empty-state" data-reason={advice.reason} role={advice.reason === 'fatal' ? 'alert' : 'status'}>
      {advice.reason === 'no-devices' ? <PlugIllustration /> : null}
      {advice.reason === 'connecting' || advice.reason === 'unreachable' ? <span className="spinner spinner-large" aria-hidden="true" /> : null}
      <h2>{advice.title}</h2>
      <p>{advice.body}</p>
      {advice.code ? <code className="copyable">{advice.code}</code> : null}
      {advice.reason === 'no-matches' ? (
        <button type="button" className="button" onClick={() => actions.clearFilters()} data-testid="clear-filters">
          Show all devices
        </button>
      ) : null}
    </section>
  );
}

function PlugIllustration() {
  return (
    <svg className="empty-illustration" viewBox="0 0 120 80" aria-hidden="true" focusable="false">
      <rect x="40" y="6" width="40" height="68" rx="8" fill="none" stroke="currentColor" strokeWidth="3" />
      <path d="M60 74 V 80" stroke="currentColor" strokeWidth="3" />
      <path d="M10 40 H 30 M30 32 V 48 M30 34 H 38 M30 46 H 38" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
