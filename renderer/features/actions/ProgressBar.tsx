import { percentOf } from '../../state/job-view.js';

/** A job's progress: a bar with its percentage for assistive technology (the width is set through CSSOM, which the CSP allows). */
export function ProgressBar({ progress, label, compact = false }: { progress: number; label: string; compact?: boolean }) {
  const percent = percentOf(progress);
  return (
    <div
      className={compact ? 'progress is-compact' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid="job-progress"
      data-percent={percent}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
